/**
 * Terminal output: tables via cli-table3 and colour via chalk, over the writers (writers.ts)
 * every command prints through. Provider strings are hostile: table cells are neutralised as
 * data, and every writer guards the whole text, so a command that forgets to neutralise a value
 * still cannot send an escape sequence, a CR or a bidi override.
 */
import { stripVTControlCharacters } from 'node:util';
import { Chalk, type ChalkInstance } from 'chalk';
import Table from 'cli-table3';
import { cell, type Styled } from '../report/terminal.js';

export { colorEnabled, emit, line, note, out, styled, tty, warn } from './writers.js';

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
