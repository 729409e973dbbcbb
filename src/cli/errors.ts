import { EXIT } from './exit-codes.js';
import { guard, tty } from '../report/terminal.js';

/**
 * One line for errors the user can fix; the stack only for bugs (or with --debug).
 * Name-based so this module stays free of imports at start-up. Messages often quote a
 * provider's error body, so each is neutralised: one visible line, no escape sequences.
 */
export function reportError(err: unknown, debug: boolean): number {
  const e = err instanceof Error ? err : new Error(String(err));
  const userError = isUserError(e);
  if (userError) {
    process.stderr.write(`nhi: ${tty(e.message)}\n`);
    const hint = (e as { hint?: string }).hint;
    if (hint) process.stderr.write(`hint: ${tty(hint)}\n`);
    if (debug && e.stack) process.stderr.write(`${guard(e.stack, false)}\n`);
    return EXIT.usage;
  }
  process.stderr.write(`nhi: internal error: ${tty(e.message)}\n`);
  process.stderr.write(`${guard(e.stack ?? '', false)}\n`);
  process.stderr.write(
    'This is a bug in nhi; please report it with the output above (run with --debug for more).\n',
  );
  return EXIT.internal;
}

function isUserError(e: Error): boolean {
  return (e as { isUserError?: unknown }).isUserError === true;
}
