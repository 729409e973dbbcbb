/**
 * Files that hold secrets or keys: created mode 0600 before any byte is written, synced, and
 * put in place by rename (or link, which refuses to replace) so a path never shows a
 * half-written file.
 */
import {
  closeSync,
  existsSync,
  fsyncSync,
  linkSync,
  openSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';

/** Creates `path` (failing with EEXIST if it exists) and writes `content` to it. */
export function writeNewPrivateFile(path: string, content: string): void {
  // 'wx' fails if the file exists; the mode applies at creation, before any byte is written.
  const fd = openSync(path, 'wx', 0o600);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes `content` to a sibling temp file and moves it to `path`: replacing whatever is there,
 * or — `exclusive` — only if nothing is (returns false when something was: two processes
 * creating the same file agree on one).
 */
export function placePrivateFile(path: string, content: string, exclusive = false): boolean {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    writeNewPrivateFile(tmp, content);
    if (exclusive) linkSync(tmp, path);
    else renameSync(tmp, path);
    return true;
  } catch (err) {
    if (exclusive && (err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    if (existsSync(tmp)) unlinkSync(tmp);
  }
}
