/**
 * `file:PATH`: writes the new secret as KEY=value lines, mode 0600. Refuses to replace an
 * existing file unless the plan says so (then it writes a sibling temp file and renames it,
 * so the path never holds a half-written secret).
 */
import {
  closeSync,
  fsyncSync,
  openSync,
  renameSync,
  statSync,
  writeSync,
  existsSync,
  unlinkSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { SecretMaterial } from '../../connector/index.js';
import { UserError } from '../../connector/index.js';
import type { CoreSink } from './index.js';

/**
 * KEY=value lines (dotenv). A value with a newline, quote, `#` or edge spaces (a GCP key
 * file's JSON) is written double-quoted with JSON escapes, which dotenv parsers read back.
 */
function render(secret: SecretMaterial): string {
  return Object.entries(secret.values)
    .map(([k, v]) => `${k}=${/[\n\r"'#]|^\s|\s$/.test(v) ? JSON.stringify(v) : v}\n`)
    .join('');
}

function writeNew(path: string, content: string): void {
  // 'wx' fails if the file exists; the mode applies at creation, before any byte is written.
  const fd = openSync(path, 'wx', 0o600);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Version = inode + mtime + size: identifies this write without deriving anything from the secret. */
function versionOf(path: string): string {
  const s = statSync(path, { bigint: true });
  return `${s.ino}-${s.mtimeNs}-${s.size}`;
}

export function fileSink(target: string, overwrite: boolean): CoreSink {
  const path = resolve(target);
  return {
    describe: () => `file:${target}`,
    preflight() {
      if (!overwrite && existsSync(path)) {
        throw new UserError(
          `sink file ${target} already exists: nhi does not overwrite it unless the plan says so (--overwrite-sink)`,
        );
      }
      if (!existsSync(dirname(path)))
        throw new UserError(`sink directory ${dirname(target)} does not exist`);
    },
    async put(secret) {
      const content = render(secret);
      if (!overwrite) {
        try {
          writeNew(path, content);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
            throw new UserError(
              `sink file ${target} already exists: nhi does not overwrite it (--overwrite-sink)`,
            );
          }
          throw err;
        }
      } else {
        const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
        try {
          writeNew(tmp, content);
          renameSync(tmp, path);
        } catch (err) {
          if (existsSync(tmp)) unlinkSync(tmp);
          throw err;
        }
      }
      return { version: versionOf(path), requestId: null };
    },
    async verify(version) {
      if (!existsSync(path)) return false;
      const mode = statSync(path).mode & 0o777;
      return mode === 0o600 && versionOf(path) === version;
    },
  };
}
