import { EXIT } from './exit-codes.js';

/**
 * One line for errors the user can fix; the stack only for bugs (or with --debug).
 * Name-based so this module stays free of imports at start-up.
 */
export function reportError(err: unknown, debug: boolean): number {
  const e = err instanceof Error ? err : new Error(String(err));
  const userError = isUserError(e);
  if (userError) {
    process.stderr.write(`nhi: ${e.message}\n`);
    const hint = (e as { hint?: string }).hint;
    if (hint) process.stderr.write(`hint: ${hint}\n`);
    if (debug && e.stack) process.stderr.write(`${e.stack}\n`);
    return EXIT.usage;
  }
  process.stderr.write(`nhi: internal error: ${e.message}\n`);
  process.stderr.write(`${e.stack ?? ''}\n`);
  process.stderr.write(
    'This is a bug in nhi; please report it with the output above (run with --debug for more).\n',
  );
  return EXIT.internal;
}

function isUserError(e: Error): boolean {
  return (e as { isUserError?: unknown }).isUserError === true;
}
