/**
 * Terminal output: colour decided once (flag, NO_COLOR, TTY), tables via cli-table3, and the
 * writers every command prints through. Provider strings are hostile: table cells are
 * neutralised as data, and every writer guards the whole text, so a command that forgets to
 * neutralise a value still cannot send an escape sequence, a CR or a bidi override.
 */
import { Chalk, type ChalkInstance } from 'chalk';
import Table from 'cli-table3';
import { cell, guard, type Styled } from '../report/terminal.js';
import type { Globals } from './globals.js';

export { line, styled, tty } from '../report/terminal.js';

/**
 * Whether this run colours anything. Until it does (never in a pipe, in CI logs or with
 * NO_COLOR), the writers let no colour sequence through either, not even one in data.
 */
let colourInUse = false;

export function colorEnabled(g: Globals, stream: NodeJS.WriteStream = process.stdout): boolean {
  const on =
    g.color &&
    !(process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') &&
    Boolean(stream.isTTY);
  if (on) colourInUse = true;
  return on;
}

export function makeChalk(enabled: boolean): ChalkInstance {
  return new Chalk({ level: enabled ? 1 : 0 });
}

export type Cell = string | number | Styled | null | undefined;

/** A table of data: every cell is neutralised unless it is `styled(...)` by the caller. */
export function table(head: string[], rows: Cell[][], color: boolean): string {
  const t = new Table({
    head,
    style: { head: color ? ['bold'] : [], border: color ? ['grey'] : [], compact: true },
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  });
  for (const r of rows) t.push(r.map(cell));
  return t.toString();
}

function write(stream: NodeJS.WriteStream, text: string): void {
  const safe = guard(text, colourInUse);
  stream.write(safe.endsWith('\n') ? safe : `${safe}\n`);
}

/** Human output on stdout (tables, lines, JSON: the guard leaves JSON as it is). */
export function out(text: string): void {
  write(process.stdout, text);
}

/** Progress and notes go to stderr so stdout stays parseable. */
export function note(g: Globals, text: string): void {
  if (!g.quiet) write(process.stderr, text);
}

/** A message on stderr that --quiet does not silence (verdicts, errors). */
export function warn(text: string): void {
  write(process.stderr, text);
}

/**
 * A document in a machine format (CSV, markdown, SARIF) on stdout, byte for byte when it goes
 * to a pipe or file. On a terminal a person reads it, so it is guarded like any human output
 * (as `ls` hides control characters only on a terminal).
 */
export function emit(text: string, stream: NodeJS.WriteStream = process.stdout): void {
  const shown = stream.isTTY ? guard(text, false) : text;
  stream.write(shown.endsWith('\n') ? shown : `${shown}\n`);
}
