/**
 * Shell completion (bash, zsh, fish) through @pnpm/tabtab: `nhi completion <shell>` prints
 * the script; on TAB the shell runs `nhi completion-server`, which answers from the command
 * definitions themselves — subcommands, each command's options (connector flags included),
 * and the values an option takes (providers, formats, severities, rules…).
 */
import type { Command, Option } from 'commander';
import tabtab from '@pnpm/tabtab';
import { UserError } from '../../connector/index.js';
import { PROVIDER_IDS, SEVERITIES } from '../../model/index.js';
import { out } from '../output.js';

const SHELLS = ['bash', 'zsh', 'fish'] as const;

export async function script(cmd: Command, args: string[]): Promise<number> {
  const shell = args[0];
  if (!SHELLS.includes(shell as (typeof SHELLS)[number]))
    throw new UserError(`completion: unknown shell '${shell ?? ''}' (use ${SHELLS.join(', ')})`);
  out(
    await tabtab.getCompletionScript({
      name: 'nhi',
      completer: 'nhi',
      shell: shell as (typeof SHELLS)[number],
    }),
  );
  return 0;
}

/** Values an option takes, by its long name; commander's own `choices` come first. */
async function valuesOf(option: Option): Promise<string[]> {
  if (option.argChoices) return option.argChoices;
  switch (option.long) {
    case '--provider':
      return [...PROVIDER_IDS];
    case '--fail-on':
    case '--min-severity':
    case '--band':
      return SEVERITIES.filter((s) => s !== 'info');
    case '--status':
      return ['active', 'inactive', 'expired', 'unknown'];
    case '--rule':
      return (await import('../../scoring/rules/index.js')).RULES.map((r) => r.id);
    default:
      return [];
  }
}

/** Candidates for the word being typed, given the words before it. */
export async function candidates(root: Command, words: string[], current: string) {
  let cmd = root;
  for (const w of words) {
    const sub = cmd.commands.find((c) => c.name() === w || c.aliases().includes(w));
    if (sub) cmd = sub;
  }
  if (cmd.name() === 'scan' || cmd.name() === 'doctor') {
    const { addConnectorFlags } = await import('../connector-flags.js');
    const scan = root.commands.find((c) => c.name() === 'scan')!;
    const doctor = root.commands.find((c) => c.name() === 'doctor')!;
    await addConnectorFlags([scan, doctor]);
  }
  const options = [...cmd.options, ...(cmd === root ? [] : root.options)];
  const prev = words.at(-1);
  const takesValue = prev?.startsWith('-')
    ? options.find((o) => (o.long === prev || o.short === prev) && !o.isBoolean())
    : undefined;
  if (takesValue) return valuesOf(takesValue);
  if (current.startsWith('-'))
    return options.flatMap((o) => (o.long && !o.hidden ? [`${o.long}:${o.description}`] : []));
  return cmd.commands
    .filter((c) => !(c as Command & { _hidden?: boolean })._hidden)
    .map((c) => `${c.name()}:${c.description()}`);
}

export async function server(cmd: Command): Promise<number> {
  const env = tabtab.parseEnv(process.env);
  if (!env.complete) return 0;
  const shell = tabtab.getShellFromEnv(process.env);
  const words = env.partial.split(/\s+/).slice(1, -1); // without 'nhi' and the word being typed
  const root = cmd.parent!;
  tabtab.log(await candidates(root, words, env.lastPartial), shell);
  return 0;
}
