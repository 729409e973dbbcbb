/** `nhi revoke <id> [--apply] [--yes]`: print (and save) the plan; apply it with --apply. */
import type { Command } from 'commander';
import { loadActions } from '../../connector/registry.js';
import { makePlan } from '../../playbooks/prepare.js';
import type { Plan, SinkSpec } from '../../playbooks/types.js';
import { formatOf, globalsOf } from '../globals.js';
import { out } from '../output.js';
import { saveShowApply, Session, type ApplyFlags } from './playbook.js';

export async function planFor(
  s: Session,
  kind: 'revoke' | 'rotate',
  ref: string,
  sink: SinkSpec | null,
): Promise<Plan> {
  return makePlan(s.catalog, kind, ref, sink, s.deleteAfterDays, loadActions);
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
