/**
 * The ESM side of the CLI: main.ts (the CommonJS start-up entry, which holds commander and the
 * command table) imports this module only once a command runs, and this module imports only
 * that command's module (and with it SQLite, chalk, the SDKs). Everything with state — colour
 * and quiet settings, caches, error classes — lives on this side, once; the entry shares
 * nothing with it but the commander objects it passes in.
 */
import type { Command } from 'commander';
import { EXIT } from './exit-codes.js';

export { reportError } from './errors.js';

type Action = (cmd: Command, args: string[]) => Promise<number | void>;
type Loader = () => Promise<{ run: Action }>;

const pb =
  (name: 'list' | 'show' | 'resume' | 'rollback' | 'cancel' | 'audit'): Loader =>
  () =>
    import('./commands/playbook.js').then((m) => ({ run: m[name] }));
const catalog =
  (name: 'copy' | 'check'): Loader =>
  () =>
    import('./commands/catalog.js').then((m) => ({ run: m[name] }));
const completion =
  (name: 'script' | 'server'): Loader =>
  () =>
    import('./commands/completion.js').then((m) => ({ run: m[name] }));

/** Each command's module, by its path in the command table (main.ts names the same paths). */
export const COMMANDS = {
  scan: () => import('./commands/scan.js'),
  list: () => import('./commands/list.js'),
  show: () => import('./commands/show.js'),
  report: () => import('./commands/report.js'),
  posture: () => import('./commands/posture.js'),
  check: () => import('./commands/check.js'),
  rules: () => import('./commands/rules.js'),
  owners: () => import('./commands/owners.js'),
  runs: () => import('./commands/runs.js'),
  prune: () => import('./commands/prune.js'),
  diff: () => import('./commands/diff.js'),
  init: () => import('./commands/init.js'),
  doctor: () => import('./commands/doctor.js'),
  revoke: () => import('./commands/revoke.js'),
  trim: () => import('./commands/trim.js'),
  rotate: () => import('./commands/rotate.js'),
  remediate: () => import('./commands/remediate.js'),
  'playbook list': pb('list'),
  'playbook show': pb('show'),
  'playbook resume': pb('resume'),
  'playbook rollback': pb('rollback'),
  'playbook cancel': pb('cancel'),
  'playbook audit': pb('audit'),
  'catalog copy': catalog('copy'),
  'catalog migrate': catalog('copy'),
  'catalog check': catalog('check'),
  completion: completion('script'),
  'completion-server': completion('server'),
} satisfies Record<string, Loader>;

export type CommandPath = keyof typeof COMMANDS;

/**
 * Runs the command at `path` with commander's action parameters (its arguments, then the
 * options object and the command itself); sets the exit code it returns.
 */
export async function runCommand(path: CommandPath, params: unknown[]): Promise<void> {
  const cmd = params[params.length - 1] as Command;
  const args = params.slice(0, -2).map(String);
  const runIt = async () => (await COMMANDS[path]()).run(cmd, args);
  const g = cmd.optsWithGlobals<{ json?: boolean | string; jq?: string }>();
  const code =
    typeof g.json === 'string' || g.jq !== undefined
      ? await jsonFiltered(cmd, g, runIt)
      : await runIt();
  if (typeof code === 'number') process.exitCode = code;
  // Interrupted: work left behind (a connector ignoring the abort) must not keep us alive.
  if (code === EXIT.interrupted) process.stdout.write('', () => process.exit(code));
}

/** Runs a command under `--json <fields>` / `--jq`, its fields checked against its declared ones. */
async function jsonFiltered(
  cmd: Command,
  g: { json?: boolean | string; jq?: string },
  runIt: () => Promise<number | void>,
): Promise<number | void> {
  const [filter, fields] = await Promise.all([
    import('./json-filter.js'),
    import('./json-fields.js'),
  ]);
  const names: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) names.unshift(c.name());
  const declared = fields.declaredFields(fields.commandPath(names), cmd.opts());
  return filter.withJsonFilter(filter.jsonFilterOf(g)!, runIt, declared);
}

/** Adds the connectors' flags to scan and doctor (before parsing: they are real options). */
export async function addConnectorFlags(commands: readonly Command[]): Promise<void> {
  const m = await import('./connector-flags.js');
  await m.addConnectorFlags(commands);
}
