/**
 * Files the user names on the command line (reports, SARIF, baselines, audit exports, the
 * config written by init): every command reads and writes them through here, so a missing
 * directory or a permission problem is one line naming the path and the reason (exit 2),
 * never an internal error with a stack trace.
 */
import { openSync, readFileSync, writeFileSync, type WriteFileOptions } from 'node:fs';
import { dirname } from 'node:path';
import { UserError } from '../connector/kit/errors.js';
import { fsReason } from '../catalog/errors.js';

/** A user-named file could not be read or written: the user must fix the path. */
export class UserFileError extends UserError {
  override name = 'UserFileError';
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

function failure(err: unknown, path: string, action: string): Error {
  const reason = fsReason(err);
  if (reason === null) return err as Error;
  const code = (err as NodeJS.ErrnoException).code;
  const why =
    code === 'ENOENT' && action.startsWith('write')
      ? `directory ${dirname(path)} does not exist`
      : reason;
  return new UserFileError(path, `cannot ${action} ${path}: ${why}`);
}

/** Writes `text` to a file the user named; `what` says what it is ("SARIF report", "baseline"). */
export function writeUserFile(
  path: string,
  text: string,
  what: string,
  options: WriteFileOptions = {},
): void {
  try {
    writeFileSync(path, text, options);
  } catch (err) {
    throw failure(err, path, `write ${what} to`);
  }
}

/** Opens a file the user named for writing (a streamed report); returns its descriptor. */
export function openUserFile(path: string, what: string): number {
  try {
    return openSync(path, 'w');
  } catch (err) {
    throw failure(err, path, `write ${what} to`);
  }
}

/** Reads a file the user named; a missing file or a directory is the user's to fix. */
export function readUserFile(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw failure(err, path, `read ${what}`);
  }
}
