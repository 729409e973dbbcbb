/**
 * `nhi trim <identity> [--apply] [--yes] [--window-days N] [--min-age-days N]`: plan (and save)
 * the narrowest change that removes the identity's unused privilege, printed as a diff of its
 * effective permissions with the evidence per removal; apply it with --apply (or later with
 * `nhi playbook resume <run>`); `nhi playbook rollback <run>` restores the exact documents.
 *
 * Where a provider can only narrow a credential by replacing it (a GitHub write deploy key by a
 * read-only one), `--sink <scheme>:<target>` plans one rotation per such credential, the new
 * secret going to the sink (`{credential}` in the sink names one per credential);
 * `--confirm-unused` is needed where the scan has no evidence that the access removed is unused.
 */
import type { Command } from 'commander';
import { UserError, type Finding, type Plan, type TrimReplacement } from '../../connector/index.js';
import { loadActions } from '../../connector/registry.js';
import { loadConfig } from '../../config/index.js';
import { openRunHint } from '../../playbooks/housekeeping.js';
import { TRIM_DEFAULTS, TRIM_LIMITS, type TrimSettings } from '../../playbooks/trim/plan.js';
import { makeTrimPlan } from '../../playbooks/trim/prepare.js';
import { makePlan } from '../../playbooks/prepare.js';
import { refOf } from '../../playbooks/plan.js';
import { fillSinkTemplate } from '../../playbooks/sink-template.js';
import { sinkProvider } from '../../playbooks/sinks/index.js';
import { fileSink } from '../../playbooks/sinks/file.js';
import { renderTrimPlan } from '../../playbooks/trim/render.js';
import { formatOf, globalsOf } from '../globals.js';
import { jsonText } from '../../report/json.js';
import { note, out } from '../output.js';
import { saveShowApply, Session, type ApplyFlags, type CutoverFlags } from './playbook-session.js';

/** What a trim that replaces credentials needs: where their new secrets go, and consent. */
export interface ReplaceFlags extends CutoverFlags {
  sink?: string;
  overwriteSink?: boolean;
  confirmUnused?: boolean;
}

interface TrimFlags extends ApplyFlags, ReplaceFlags {
  windowDays?: string;
  minAgeDays?: string;
}

function whole(
  flag: string,
  raw: string | undefined,
  fallback: number,
  lim: { min: number; max: number },
): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < lim.min || n > lim.max)
    throw new UserError(`${flag} ${raw}: a whole number of days from ${lim.min} to ${lim.max}`);
  return n;
}

export function trimSettings(f: TrimFlags): TrimSettings {
  return {
    ...TRIM_DEFAULTS,
    windowDays: whole(
      '--window-days',
      f.windowDays,
      TRIM_DEFAULTS.windowDays,
      TRIM_LIMITS.windowDays,
    ),
    minAgeDays: whole(
      '--min-age-days',
      f.minAgeDays,
      TRIM_DEFAULTS.minAgeDays,
      TRIM_LIMITS.minAgeDays,
    ),
  };
}

type TrimOutcome =
  | { identity: string; runId: number; status: string }
  | { identity: string; manual: true; plan: Plan }
  | {
      identity: string;
      plan: Plan;
      replaced: { credential: string; runId: number; status: string }[];
    }
  | { identity: string; skipped: string; openRun?: number; nothing?: boolean };

/**
 * The scan's evidence, checked against the provider now: a credential the scan saw unused that
 * was used since (within the window) has no evidence any more, and needs --confirm-unused too.
 */
async function recheckEvidence(
  s: Session,
  plan: Plan,
  reps: TrimReplacement[],
): Promise<TrimReplacement[]> {
  const actions = await loadActions(plan.provider);
  const ctx = await s.context(plan.provider, plan);
  const windowMs = plan.trim!.windowDays * 86_400_000;
  const out: TrimReplacement[] = [];
  for (const r of reps) {
    const found = await s.catalog.resolve(r.credentialId);
    if (found?.kind !== 'credential')
      throw new UserError(`${r.credentialId} is not in the catalog`);
    const live = await actions.describe(ctx, refOf(found.credential, found.identity, found.scope));
    if (!live)
      throw new UserError(
        `${r.credentialExternalId} no longer exists at ${plan.provider}: re-scan ('nhi scan') and plan again; nothing was planned`,
      );
    const usedAt = live.lastUsedKnown && live.lastUsedAt ? Date.parse(live.lastUsedAt) : null;
    if (r.replacement.evidenced && usedAt !== null && Date.now() - usedAt < windowMs)
      out.push({
        ...r,
        replacement: {
          ...r.replacement,
          evidenced: false,
          why: `used since the scan (${plan.provider} reports a last use at ${live.lastUsedAt}), and ${plan.provider} does not record whether that use needed write access: there is no evidence either way`,
        },
      });
    else out.push(r);
  }
  return out;
}

/**
 * The rotations that narrow a manual trim's replaceable credentials, one saved run each, applied
 * one after another with --apply. Refused whole, before any run is saved, when a credential
 * lacks evidence and the user did not confirm, when one sink would receive several secrets, a
 * sink would refuse, or a credential has an open run.
 *
 * The credentials are siblings (one repository's keys): each rotation changes the key set the
 * next plan's drift check compares with, so each plan is made just before it runs, its
 * snapshot carrying exactly the keys the earlier runs of this command added and removed. For
 * the same reason several replacements are only planned together with --apply.
 */
async function replaceNarrower(
  s: Session,
  ref: string,
  plan: Plan,
  f: ApplyFlags & ReplaceFlags,
  format: string,
): Promise<TrimOutcome> {
  const reps = await recheckEvidence(s, plan, plan.trim!.replacements!);
  const unproven = reps.filter((r) => !r.replacement.evidenced);
  if (unproven.length && !f.confirmUnused)
    throw new UserError(
      `${plan.identityName}: the scan has no evidence that the access to be removed from ${unproven.map((r) => r.credentialExternalId).join(', ')} is unused (${plan.provider} does not record it); nothing was planned: make sure nothing needs it, then add --confirm-unused`,
    );
  if (reps.length > 1 && !/\{credential\}/.test(f.sink!))
    throw new UserError(
      `${plan.identityName}: ${reps.length} credentials would be replaced and one sink cannot hold them all: put {credential} in --sink (e.g. file:./keys/{credential}.env); nothing was planned`,
    );
  if (reps.length > 1 && !f.apply)
    throw new UserError(
      `${plan.identityName}: ${reps.length} credentials would be replaced, and each replacement changes the key set the next one is planned against: they are planned and run together with --apply; nothing was planned (without --sink, 'nhi trim ${ref}' shows the plan)`,
    );
  if (format === 'json' && /^stdout\b/.test(f.sink!))
    throw new UserError(
      '--sink stdout cannot be combined with --json (the secret would be mixed into the JSON)',
    );
  const sinks = [];
  for (const r of reps) {
    const open = await s.store.openRunFor(r.credentialId);
    if (open) throw new UserError(`${r.credentialExternalId}: ${openRunHint(open)}`);
    const sink = fillSinkTemplate(
      f.sink!,
      { identity: plan.identityName, credential: r.credentialExternalId },
      Boolean(f.overwriteSink),
    );
    sinkProvider(sink);
    // A file sink that would refuse (no directory, a file there) refuses before any run is saved.
    if (f.apply && sink.scheme === 'file') fileSink(sink.target, sink.overwrite).preflight?.();
    sinks.push(sink);
  }
  if (format !== 'json') out(renderTrimPlan(plan, null));
  const replaced = [];
  const added: string[] = [];
  const removed = new Set<string>();
  for (const [i, r] of reps.entries()) {
    const why = r.replacement.evidenced
      ? r.replacement.why
      : `${r.replacement.why}; confirmed unused by the user (--confirm-unused)`;
    const p = await makePlan(
      s.catalog,
      'rotate',
      r.credentialId,
      sinks[i]!,
      s.planSettings(f),
      loadActions,
      new Date(),
      { ...r.replacement, why },
    );
    p.snapshot.siblings = [
      ...p.snapshot.siblings.filter((x) => !removed.has(x.externalId)),
      ...added.map((externalId) => ({ externalId, status: 'active' as const })),
    ].sort((a, b) => a.externalId.localeCompare(b.externalId));
    if (format !== 'json') out('');
    const { runId, outcome } = await saveShowApply(s, p, f, format);
    replaced.push({ credential: p.credentialId, runId, status: outcome?.status ?? 'planned' });
    for (const j of await s.store.steps(runId)) {
      const made = j.action === 'create' && j.status === 'done' ? j.result?.newExternalId : null;
      if (typeof made === 'string') added.push(made);
      if (j.action === 'delete' && j.status === 'done') removed.add(r.credentialExternalId);
    }
  }
  return { identity: ref, plan, replaced };
}

/** Plans (and with --apply applies) one identity's trim; a refusal is a skip, not a crash. */
async function trimOne(
  s: Session,
  ref: string,
  settings: TrimSettings,
  exceptions: Parameters<typeof makeTrimPlan>[0]['exceptions'],
  f: ApplyFlags & ReplaceFlags,
  format: string,
  bulk = false,
): Promise<TrimOutcome> {
  const found = await s.catalog.resolve(ref);
  const open = found?.kind === 'identity' ? await s.store.openRunFor(found.identity.id) : null;
  if (open) return { identity: ref, skipped: openRunHint(open), openRun: open.id };
  const result = await makeTrimPlan(
    {
      catalog: s.catalog,
      loadActions,
      // The session builds a provider context from a plan's demo flag and dates.
      contextFor: (provider, demo) =>
        s.context(provider, {
          demo,
          credentialId: found?.identity.id ?? '',
          createdAt: new Date().toISOString(),
        } as Plan),
      exceptions,
      settings,
      now: new Date(),
    },
    ref,
  );
  if ('refused' in result) return { identity: ref, skipped: result.refused };
  const { plan } = result;
  if (plan.trim?.manual) {
    const replaceable = plan.trim.replacements?.length ?? 0;
    if (replaceable && f.sink) return replaceNarrower(s, ref, plan, f, format);
    // `remediate --apply` shows a plan it cannot apply (manual, or a replacement without a sink)
    // like any plan: the rest applies, and nothing failed.
    if (replaceable && f.apply && !bulk)
      throw new UserError(
        `${plan.identityName}: nhi narrows ${replaceable === 1 ? 'this credential' : `these ${replaceable} credentials`} by replacing ${replaceable === 1 ? 'it' : 'them'}, and the new secret needs a place to go: add --sink <scheme>:<target> (file:PATH, github-actions:OWNER/REPO:NAME, …); nothing was changed`,
      );
    // Nothing nhi could run: --apply refuses in one line, and no run is saved to resume.
    if (f.apply && !bulk)
      throw new UserError(
        `${plan.identityName}: this trim is manual (nhi cannot narrow ${plan.provider} access safely through the API); nothing was changed: run 'nhi trim ${ref}' without --apply and take its manual steps`,
      );
    if (format !== 'json') out(renderTrimPlan(plan, null));
    return { identity: ref, manual: true, plan };
  }
  if (plan.steps.length === 0) {
    if (format !== 'json') out(`${plan.identityName}: nothing to trim. ${plan.notes.join('; ')}`);
    return { identity: ref, skipped: 'nothing to trim', nothing: true };
  }
  const { runId, outcome } = await saveShowApply(s, plan, f, format);
  return { identity: ref, runId, status: outcome?.status ?? 'planned' };
}

export async function run(cmd: Command, args: string[]): Promise<number> {
  const f = cmd.opts() as TrimFlags;
  const g = globalsOf(cmd);
  const format = formatOf(g, ['table', 'json']);
  const settings = trimSettings(f);
  const config = await loadConfig({ path: g.config, cwd: process.cwd() });
  const s = await Session.open(cmd);
  try {
    const r = await trimOne(s, args[0]!, settings, config.policy.exceptions, f, format);
    if (format === 'json') out(jsonText(r, 2));
    if ('skipped' in r && !r.nothing) throw new UserError(r.skipped);
    return 0;
  } finally {
    await s.close();
  }
}

/**
 * `nhi remediate --rule unused-grant|admin-grant`: one trim per identity the rule flags in the
 * latest scored scan (a finding on a credential's grant trims its identity).
 */
export async function remediateTrim(
  cmd: Command,
  f: ApplyFlags & ReplaceFlags & { windowDays?: string; minAgeDays?: string },
  ruleId: string,
  findings: readonly Finding[],
  format: string,
): Promise<number> {
  const g = globalsOf(cmd);
  const settings = trimSettings(f);
  const config = await loadConfig({ path: g.config, cwd: process.cwd() });
  const s = await Session.open(cmd);
  try {
    const identities = new Set<string>();
    for (const x of findings) {
      if (x.subjectKind === 'identity') identities.add(x.subjectId);
      else {
        const c = await s.catalog.resolve(x.subjectId);
        if (c?.kind === 'credential') identities.add(c.identity.id);
      }
    }
    // Each identity's replaced keys need a sink of their own.
    if (f.sink && identities.size > 1 && !/\{(identity|credential)\}/.test(f.sink))
      throw new UserError(
        `--sink ${f.sink}: ${identities.size} identities may each get new keys, and one sink cannot hold them all: put {identity} or {credential} in it; nothing was planned`,
      );
    const results: TrimOutcome[] = [];
    for (const id of [...identities].sort()) {
      try {
        if (format !== 'json') out('');
        const r = await trimOne(s, id, settings, config.policy.exceptions, f, format, true);
        if ('skipped' in r && format !== 'json' && !r.nothing)
          note(s.g, `${id}: skipped: ${r.skipped}`);
        results.push(r);
      } catch (err) {
        if (!(err as { isUserError?: boolean }).isUserError) throw err;
        results.push({ identity: id, skipped: (err as Error).message });
        if (format !== 'json') note(s.g, `${id}: skipped: ${(err as Error).message}`);
      }
    }
    const planned =
      results.filter((r) => 'runId' in r).length +
      results.reduce((n, r) => n + ('replaced' in r ? r.replaced.length : 0), 0);
    const manual = results.filter((r) => 'manual' in r).length;
    if (format === 'json') out(jsonText({ rule: ruleId, playbook: 'trim', results }, 2));
    else
      out(
        `\n${ruleId}: ${findings.length} finding(s) on ${identities.size} identit${identities.size === 1 ? 'y' : 'ies'}, ${planned} trim plan(s) saved${manual ? `, ${manual} manual plan(s) shown (nhi changes nothing)` : ''}` +
          (f.apply ? '' : ' — nothing changed; apply one with nhi playbook resume <run>'),
      );
    return results.some((r) => 'skipped' in r && !r.nothing && r.openRun === undefined) ? 2 : 0;
  } finally {
    await s.close();
  }
}
