import { UserError } from '../connector/kit/errors.js';

/** The catalog file is unreadable, corrupt or from a newer nhi: the user must act. */
export class CatalogError extends UserError {
  override name = 'CatalogError';
}

/**
 * Why a file operation failed, in words ("no such file or directory", "permission denied"),
 * from Node's errno error; null when `err` is not one (then it is a bug, not the user's path).
 */
export function fsReason(err: unknown): string | null {
  const e = err as NodeJS.ErrnoException;
  if (typeof e?.code !== 'string' || typeof e.syscall !== 'string') return null;
  // Node's message is "<CODE>: <libuv description>, <syscall> '<path>'".
  const described = /^[A-Z0-9_]+: (.+?), \w+/.exec(e.message)?.[1];
  return `${described ?? e.code} (${e.code})`;
}
