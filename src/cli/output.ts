/**
 * Terminal output: colour decided once (flag, NO_COLOR, TTY), tables via cli-table3, and the
 * writers every command prints through. Provider strings are hostile: table cells are
 * neutralised as data, and every writer guards the whole text, so a command that forgets to
 * neutralise a value still cannot send an escape sequence, a CR or a bidi override.
 */
import { stripVTControlCharacters } from 'node:util';
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

/**
 * Colour: --no-color wins; then FORCE_COLOR (CI logs that render colour) turns it on; then
 * NO_COLOR turns it off; otherwise colour only on a terminal that is not `TERM=dumb`.
 */
export function colorEnabled(g: Globals, stream: NodeJS.WriteStream = process.stdout): boolean {
  const env = process.env;
  const forced = env.FORCE_COLOR !== undefined && !['0', 'false'].includes(env.FORCE_COLOR);
  const on =
    g.color &&
    (forced ||
      (!(env.NO_COLOR !== undefined && env.NO_COLOR !== '') &&
        Boolean(stream.isTTY) &&
        env.TERM !== 'dumb'));
  if (on) colourInUse = true;
  return on;
}

const MIN_COLUMN = 8;

/** Each column costs its text plus two spaces of padding and one border. */
function tableWidth(widths: number[]): number {
  return widths.reduce((a, b) => a + b + 3, 1);
}

/**
 * Column widths that fit the terminal: the widest columns (long names, ARNs) give way first,
 * down to a minimum, and cli-table3 truncates their text with '…'. Pipes get full width.
 */
export function fitWidths(natural: number[], columns: number | undefined): number[] | null {
  if (!columns) return null;
  if (tableWidth(natural) <= columns) return null;
  const widths = [...natural];
  while (tableWidth(widths) > columns) {
    let widest = -1;
    for (let i = 1; i < widths.length; i += 1)
      if (widths[i]! > MIN_COLUMN && (widest < 0 || widths[i]! > widths[widest]!)) widest = i;
    if (widest < 0) break; // as narrow as it gets: the terminal wraps the rest
    widths[widest] = widths[widest]! - 1;
  }
  return widths;
}

export function makeChalk(enabled: boolean): ChalkInstance {
  return new Chalk({ level: enabled ? 1 : 0 });
}

export type Cell = string | number | Styled | null | undefined;

/** A table of data: every cell is neutralised unless it is `styled(...)` by the caller. */
export interface TableFit {
  /** Columns (by heading) to leave out, in this order, when shrinking alone cannot fit. */
  dropFirst?: readonly string[];
}

export function table(head: string[], rows: Cell[][], color: boolean, fit: TableFit = {}): string {
  let cells = rows.map((r) => r.map(cell));
  let heads = head;
  const visible = (x: string) => stripVTControlCharacters(x).length;
  const columns = process.stdout.isTTY ? process.stdout.columns : undefined;
  let widths: number[] | null = null;
  for (const dropping of [undefined, ...(fit.dropFirst ?? [])]) {
    if (dropping !== undefined) {
      const i = heads.indexOf(dropping);
      if (i < 0) continue;
      heads = heads.filter((_, j) => j !== i);
      cells = cells.map((r) => r.filter((_, j) => j !== i));
    }
    const natural = heads.map((h, i) =>
      Math.max(visible(h), ...cells.map((r) => visible(r[i] ?? ''))),
    );
    widths = fitWidths(natural, columns);
    if (!widths || tableWidth(widths) <= (columns ?? Infinity)) break;
  }
  const t = new Table({
    head: heads,
    style: { head: color ? ['bold'] : [], border: color ? ['grey'] : [], compact: true },
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
    // colWidths count the two spaces of padding too; longer text is cut with '…'.
    ...(widths ? { colWidths: widths.map((w) => w + 2) } : {}),
  });
  for (const r of cells) t.push(r);
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
