/**
 * `nhi trim <identity> [--apply] [--yes] [--window-days N] [--min-age-days N]`: plan (and save)
 * the narrowest change that removes the identity's unused privilege, printed as a diff of its
 * effective permissions with the evidence per removal; apply it with --apply (or later with
 * `nhi playbook resume <run>`); `nhi playbook rollback <run>` restores the exact documents.
 */
import type { Command } from 'commander';
import { UserError } from '../../connector/index.js';
import { loadActions } from '../../connector/registry.js';
import { loadConfig } from '../../config/index.js';
import { openRunHint } from '../../playbooks/housekeeping.js';
import { TRIM_DEFAULTS, TRIM_LIMITS, type TrimSettings } from '../../playbooks/trim/plan.js';
import { makeTrimPlan } from '../../playbooks/trim/prepare.js';
import { formatOf, globalsOf } from '../globals.js';
import { out } from '../output.js';
import { saveShowApply, Session, type ApplyFlags } from './playbook-session.js';

interface TrimFlags extends ApplyFlags {
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

export async function run(cmd: Command, args: string[]): Promise<number> {
  const f = cmd.opts() as TrimFlags;
  const g = globalsOf(cmd);
  const format = formatOf(g, ['table', 'json']);
  const settings = trimSettings(f);
  const config = await loadConfig({ path: g.config, cwd: process.cwd() });
  const s = await Session.open(cmd);
  try {
    const found = s.catalog.resolve(args[0]!);
    const open = found?.kind === 'identity' ? s.store.openRunFor(found.identity.id) : null;
    if (open) throw new UserError(openRunHint(open));
    const result = await makeTrimPlan(
      {
        catalog: s.catalog,
        loadActions,
        contextFor: (provider, demo) =>
          s.context(provider, {
            demo,
            credentialId: found?.identity.id ?? '',
            createdAt: new Date().toISOString(),
          } as never),
        exceptions: config.policy.exceptions,
        settings,
        now: new Date(),
      },
      args[0]!,
    );
    if ('refused' in result) throw new UserError(result.refused);
    const { plan } = result;
    if (plan.steps.length === 0) {
      if (format === 'json') out(JSON.stringify({ runId: null, plan, outcome: null }, null, 2));
      else out(`${plan.identityName}: nothing to trim. ${plan.notes.join('; ')}`);
      return 0;
    }
    const { runId, outcome } = await saveShowApply(s, plan, f, format);
    if (format === 'json') out(JSON.stringify({ runId, plan, outcome }, null, 2));
    return 0;
  } finally {
    await s.close();
  }
}
