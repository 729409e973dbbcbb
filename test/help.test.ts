/**
 * The README and `--help` tell the same story: every command in the README's command table
 * exists and every flag it names is one that command accepts; every command `nhi --help`
 * lists is in the table; every example in a help page uses real flags of its command.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLES } from '../src/cli/examples.js';
import { nhi } from './run-cli.js';

const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');

/** Long flags a help page lists (its own and the global ones). */
const flagsOf = (help: string) => new Set([...help.matchAll(/--[a-z][a-z-]*/g)].map((m) => m[0]));

/** Rows of the README's command table: the commands in the first cell, and their flags. */
function tableRows(): { commands: string[]; flags: string[] }[] {
  const start = readme.indexOf('## Commands');
  const table = readme.slice(start, readme.indexOf('\n\n', readme.indexOf('| ---', start)));
  return table
    .split('\n')
    .filter((l) => l.startsWith('| `nhi'))
    .map((l) => {
      const first = l.split(/(?<!\\)\|/)[1]!;
      return {
        commands: [...first.matchAll(/`nhi ([a-z-]+)/g)].map((m) => m[1]!),
        flags: [...first.matchAll(/--[a-z][a-z-]*/g)].map((m) => m[0]),
      };
    });
}

describe('README and --help agree', () => {
  const help = new Map<string, Set<string>>();
  let commands: string[] = [];

  beforeAll(async () => {
    const top = await nhi(['--help']);
    const from = top.stdout.indexOf('Commands:');
    const section = top.stdout.slice(from, top.stdout.indexOf('\n\n', from));
    commands = [...section.matchAll(/^ {2}([a-z-]+)/gm)]
      .map((m) => m[1]!)
      .filter((c) => c !== 'help');
    for (const c of commands) help.set(c, flagsOf((await nhi([c, '--help'])).stdout));
  }, 120_000);

  it('every command in nhi --help is in the README command table, and the other way round', () => {
    const documented = new Set(tableRows().flatMap((r) => r.commands));
    expect([...documented].sort()).toEqual([...commands].sort());
  });

  it("every flag the README table names is one of that command's flags", () => {
    const wrong = tableRows().flatMap((r) =>
      r.flags
        .filter((f) => !r.commands.some((c) => help.get(c)?.has(f)))
        .map((f) => `${r.commands.join('/')} ${f}`),
    );
    expect(wrong).toEqual([]);
  });

  it('every help example uses a real command and real flags', () => {
    const wrong: string[] = [];
    for (const [command, examples] of Object.entries(EXAMPLES)) {
      expect(commands, `examples for unknown command ${command}`).toContain(command);
      for (const e of examples) {
        // Leading VAR=value assignments are the shell's, not nhi's.
        const words = e.split('#')[0]!.trim().split(/\s+/);
        expect(words[words.indexOf('nhi') + 1], e).toBe(command);
        for (const f of e.split('#')[0]!.match(/--[a-z][a-z-]*/g) ?? [])
          if (!help.get(command)?.has(f)) wrong.push(`${e}: ${f}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
