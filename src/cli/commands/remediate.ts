/**
 * `nhi remediate --rule <id> [--plan] [--apply] [--yes] [--sink <scheme>:<target>]`: one saved
 * plan for every credential the rule flags in the latest scored scan, using the rule's playbook.
 * For rotation, `{identity}` and `{credential}` in the sink target are filled in per credential
 * (sanitised; a file path that would leave the sink directory is refused). A credential that
 * already has an open run is skipped, and the output says which run.
 */
import type { Command } from 'commander';
import { UserError } from '../../connector/index.js';
import { openRunHint } from '../../playbooks/housekeeping.js';
import { fillSinkTemplate } from '../../playbooks/sink-template.js';
import { sinkProvider } from '../../playbooks/sinks/index.js';
import { RULES } from '../../scoring/rules/index.js';
import type { Finding } from '../../model/index.js';
import { openView } from '../evaluate.js';
import { formatOf, globalsOf } from '../globals.js';
import { note, out } from '../output.js';
import { saveShowApply, Session, type ApplyFlags, type CutoverFlags } from './playbook-session.js';
import { planFor } from './revoke.js';
import { remediateTrim } from './trim.js';
import { TRIM_RULES } from '../../playbooks/trim/prepare.js';

interface RemediateFlags extends ApplyFlags, CutoverFlags {
  rule?: string;
  plan?: boolean;
  sink?: string;
  overwriteSink?: boolean;
}

function ruleById(id: string): { id: string; playbook: string | null } {
  const rules = RULES as unknown as { id: string; playbook?: string | null }[];
  // 'unused-credential' names 'credential-unused': the same words in another order.
  const words = (x: string) => x.split('-').sort().join('-');
  const rule = rules.find((r) => r.id === id) ?? rules.find((r) => words(r.id) === words(id));
  if (rule) return { id: rule.id, playbook: rule.playbook ?? null };
  throw new UserError(
    `unknown rule '${id}'; rules with a playbook: ${rules
      .filter((r) => r.playbook === 'revoke' || r.playbook === 'rotate')
      .map((r) => r.id)
      .join(', ')}`,
  );
}

export async function run(cmd: Command): Promise<number> {
  const f = cmd.opts() as RemediateFlags;
  const format = formatOf(globalsOf(cmd), ['table', 'json']);
  if (!f.rule) throw new UserError('remediate needs --rule <rule id>');
  if (f.plan && f.apply) throw new UserError('--plan and --apply exclude each other');
  const rule = ruleById(f.rule);
  const trims = (TRIM_RULES as readonly string[]).includes(rule.id);
  if (!trims && rule.playbook !== 'revoke' && rule.playbook !== 'rotate') {
    throw new UserError(
      `rule ${rule.id} has ${rule.playbook ? `the '${rule.playbook}' playbook, which nhi cannot apply automatically` : 'no playbook'}`,
    );
  }
  const kind = rule.playbook;
  if (!trims && kind === 'rotate' && !f.sink) {
    throw new UserError(
      `rule ${rule.id} is fixed by rotation: give --sink <scheme>:<target>, with {identity} or {credential} filled in per credential`,
    );
  }
  // The findings every view shows: the latest run under the policy in force (a rule disabled
  // or narrowed since the scan plans nothing for what it no longer flags).
  const findings: Finding[] = [];
  const view = await openView(globalsOf(cmd));
  try {
    const q = { evaluationId: view.evaluation.id, rules: [rule.id], outcome: 'fail' as const };
    for await (const page of view.store.findings(q)) findings.push(...page);
  } finally {
    await view.store.close();
  }
  if (trims) return remediateTrim(cmd, f, rule.id, findings, format);
  if (kind !== 'revoke' && kind !== 'rotate') return 2; // refused above, before the view opened
  const s = await Session.open(cmd);
  try {
    const subjects = new Set<string>();
    for (const x of findings) {
      if (x.subjectKind === 'credential') subjects.add(x.subjectId);
      else {
        for (const c of await s.catalog.credentialsOfIdentity(x.subjectId))
          if (c.removedRun === null) subjects.add(c.id);
      }
    }
    const results: {
      credentialId: string;
      runId?: number;
      skipped?: string;
      openRun?: number;
      status?: string;
    }[] = [];
    const skip = (id: string, why: string, openRun?: number) => {
      results.push({ credentialId: id, skipped: why, ...(openRun ? { openRun } : {}) });
      if (format !== 'json') note(s.g, `${id}: skipped: ${why}`);
    };
    const settings = s.planSettings(f); // bad timing flags fail once, before any plan
    for (const id of [...subjects].sort()) {
      const open = await s.store.openRunFor(id);
      if (open) {
        skip(id, openRunHint(open), open.id);
        continue;
      }
      try {
        let sink = null;
        if (kind === 'rotate') {
          const found = await s.catalog.resolve(id);
          const identity = found?.identity.name ?? id;
          sink = fillSinkTemplate(f.sink!, { identity, credential: id }, Boolean(f.overwriteSink));
          sinkProvider(sink);
        }
        const plan = await planFor(s, kind, id, sink, {
          cutover: settings.cutover.mode,
          overlapDays: String(settings.cutover.overlapDays),
        });
        if (format !== 'json') out('');
        const { runId, outcome } = await saveShowApply(
          s,
          plan,
          { apply: f.apply, yes: f.yes },
          format,
        );
        results.push({ credentialId: id, runId, status: outcome?.status ?? 'planned' });
      } catch (err) {
        if (!(err as { isUserError?: boolean }).isUserError) throw err;
        skip(id, (err as Error).message);
      }
    }
    if (format === 'json') out(JSON.stringify({ rule: rule.id, playbook: kind, results }, null, 2));
    else {
      const planned = results.filter((r) => r.runId !== undefined).length;
      const open = results.filter((r) => r.openRun !== undefined).length;
      const failed = results.length - planned - open;
      out(
        `\n${rule.id}: ${findings.length} finding(s), ${planned} plan(s) saved${open ? `, ${open} already open` : ''}${failed ? `, ${failed} skipped` : ''}` +
          (f.apply ? '' : ' — nothing changed; apply one with nhi playbook resume <run>'),
      );
    }
    // A credential that already has its run is fine; one that could not be planned is not.
    return results.some((r) => r.skipped && r.openRun === undefined) ? 2 : 0;
  } finally {
    await s.close();
  }
}
