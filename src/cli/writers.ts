/**
 * The writers every command prints through, and whether this run colours anything. Apart from
 * output.ts (tables, chalk): loading chalk and cli-table3 costs a process ~45M instructions
 * (callgrind), which the paths that only write a line (an empty catalog, a note) need not pay.
 */
import { guard } from '../report/terminal.js';
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
