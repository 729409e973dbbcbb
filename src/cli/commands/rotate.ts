/** `nhi rotate <id> --sink <scheme>:<target> [--cutover now|in-use] [--overlap-days N] [--overwrite-sink] [--apply] [--yes]`. */
import type { Command } from 'commander';
import { UserError } from '../../connector/index.js';
import { parseSinkSpec } from '../../playbooks/plan.js';
import { sinkProvider } from '../../playbooks/sinks/index.js';
import { formatOf, globalsOf } from '../globals.js';
import { out } from '../output.js';
import { saveShowApply, Session, type ApplyFlags, type CutoverFlags } from './playbook-session.js';
import { planFor } from './revoke.js';

export async function run(cmd: Command, args: string[]): Promise<number> {
  const f = cmd.opts() as ApplyFlags & CutoverFlags & { sink?: string; overwriteSink?: boolean };
  const format = formatOf(globalsOf(cmd), ['table', 'json']);
  if (!f.sink)
    throw new UserError('rotate needs --sink <scheme>:<target> (where the new secret goes)');
  const sink = parseSinkSpec(f.sink, Boolean(f.overwriteSink));
  sinkProvider(sink); // unknown schemes fail before anything is planned
  if (sink.scheme === 'stdout' && format === 'json') {
    throw new UserError(
      '--sink stdout cannot be combined with --json (the secret would be mixed into the JSON)',
    );
  }
  const s = await Session.open(cmd);
  try {
    const plan = await planFor(s, 'rotate', args[0]!, sink, f);
    const { runId, outcome } = await saveShowApply(s, plan, f, format);
    if (format === 'json') out(JSON.stringify({ runId, plan, outcome }, null, 2));
    return 0;
  } finally {
    await s.close();
  }
}
