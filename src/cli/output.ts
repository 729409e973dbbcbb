/** Terminal output: colour decided once (flag, NO_COLOR, TTY), tables via cli-table3. */
import { Chalk, type ChalkInstance } from 'chalk';
import Table from 'cli-table3';
import type { Globals } from './globals.js';

export function colorEnabled(g: Globals, stream: NodeJS.WriteStream = process.stdout): boolean {
  if (!g.color) return false;
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  return Boolean(stream.isTTY);
}

export function makeChalk(enabled: boolean): ChalkInstance {
  return new Chalk({ level: enabled ? 1 : 0 });
}

export function table(head: string[], rows: (string | number)[][], color: boolean): string {
  const t = new Table({
    head,
    style: { head: color ? ['bold'] : [], border: color ? ['grey'] : [], compact: true },
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  });
  for (const r of rows) t.push(r.map(String));
  return t.toString();
}

export function out(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** Progress and notes go to stderr so stdout stays parseable. */
export function note(g: Globals, text: string): void {
  if (!g.quiet) process.stderr.write(`${text}\n`);
}
