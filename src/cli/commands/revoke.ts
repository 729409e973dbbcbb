/** `nhi revoke <id> [--apply] [--yes]`: print (and save) the plan; apply it with --apply. */
import type { Command } from 'commander';
import type { Plan, SinkSpec } from '../../connector/index.js';
import { loadActions } from '../../connector/registry.js';
import { makePlan } from '../../playbooks/prepare.js';
import { formatOf, globalsOf } from '../globals.js';
import { out } from '../output.js';
import { saveShowApply, Session, type ApplyFlags, type CutoverFlags } from './playbook-session.js';
import { openRunHint } from '../../playbooks/housekeeping.js';
import { UserError } from '../../connector/index.js';

/** Plans for one credential — refused up front when it already has an open run. */
export async function planFor(
  s: Session,
  kind: 'revoke' | 'rotate',
  ref: string,
  sink: SinkSpec | null,
  flags: CutoverFlags = {},
): Promise<Plan> {
  const found = await s.catalog.resolve(ref);
  const open = found?.kind === 'credential' ? await s.store.openRunFor(found.credential.id) : null;
  if (open) throw new UserError(openRunHint(open));
  return makePlan(s.catalog, kind, ref, sink, s.planSettings(flags), loadActions);
}

export async function run(cmd: Command, args: string[]): Promise<number> {
  const f = cmd.opts() as ApplyFlags;
  const format = formatOf(globalsOf(cmd), ['table', 'json']);
  const s = await Session.open(cmd);
  try {
    const plan = await planFor(s, 'revoke', args[0]!, null);
    const { runId, outcome } = await saveShowApply(s, plan, f, format);
    if (format === 'json') out(JSON.stringify({ runId, plan, outcome }, null, 2));
    return 0;
  } finally {
    await s.close();
  }
}
