/**
 * `file:PATH`: writes the new secret as KEY=value lines, mode 0600, a regular file only.
 * Refuses to replace an existing file unless the plan says so (--overwrite-sink) or this very
 * run wrote it (its keyed fingerprint is one of the run's deliveries: a crash between the write
 * and the journal must not block every later resume). Replacing writes a sibling temp file and
 * renames it, so the path never holds a half-written secret. Verification reads the file back
 * and compares its keyed fingerprint with the delivery's: exactly this run's values, or not.
 */
import { existsSync, lstatSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { placePrivateFile, writeNewPrivateFile } from '../private-file.js';
import type { SecretMaterial, SinkDelivery } from '../../connector/index.js';
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

/** The inverse of `render` (only ever applied to files of that shape). */
export function parseEnvFile(text: string): Record<string, string> | null {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const eq = line.indexOf('=');
    if (eq <= 0) return null;
    const raw = line.slice(eq + 1);
    try {
      out[line.slice(0, eq)] = raw.startsWith('"') ? (JSON.parse(raw) as string) : raw;
    } catch {
      return null;
    }
  }
  return out;
}

type Found =
  | { kind: 'none' }
  | { kind: 'other'; why: string }
  | { kind: 'file'; mode: number; values: Record<string, string> | null };

function inspect(path: string): Found {
  let st;
  try {
    st = lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'none' };
    throw err;
  }
  if (st.isSymbolicLink()) return { kind: 'other', why: 'is a symbolic link' };
  if (!st.isFile()) return { kind: 'other', why: 'is not a regular file' };
  return { kind: 'file', mode: st.mode & 0o777, values: parseEnvFile(readFileSync(path, 'utf8')) };
}

/** A file this run delivered earlier (same run, another attempt or a crashed process). */
function ours(found: Found, d: SinkDelivery): boolean {
  if (found.kind !== 'file' || !found.values) return false;
  const fp = d.fingerprintOf(found.values);
  return fp === d.fingerprint || d.earlier.includes(fp);
}

export function fileSink(target: string, overwrite: boolean): CoreSink {
  const path = resolve(target);
  const exists = (why = 'already exists') =>
    new UserError(
      `sink file ${target} ${why}: nhi does not overwrite it unless the plan says so (--overwrite-sink)`,
    );
  return {
    describe: () => `file:${target}`,
    preflight() {
      if (!existsSync(dirname(path)))
        throw new UserError(`sink directory ${dirname(target)} does not exist`);
      const found = inspect(path);
      if (found.kind === 'other') throw new UserError(`sink file ${target} ${found.why}`);
      if (found.kind === 'file' && !overwrite) throw exists();
    },
    async put(secret, delivery) {
      const content = render(secret);
      const found = inspect(path);
      if (found.kind === 'other') throw new UserError(`sink file ${target} ${found.why}`);
      if (found.kind === 'file') {
        if (!overwrite && !ours(found, delivery)) throw exists();
        placePrivateFile(path, content);
      } else {
        try {
          writeNewPrivateFile(path, content);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw exists('appeared meanwhile');
          throw err;
        }
      }
      return { version: delivery.fingerprint.slice(0, 16), requestId: null, detail: { path } };
    },
    async verify(_receipt, delivery) {
      const found = inspect(path);
      if (found.kind === 'none') return { ok: false, reason: 'the file is gone' };
      if (found.kind === 'other') return { ok: false, reason: `the path ${found.why}` };
      if (found.mode !== 0o600)
        return { ok: false, reason: `its mode is ${found.mode.toString(8)}, not 600` };
      if (!found.values) return { ok: false, reason: 'it is not the KEY=value file nhi wrote' };
      return delivery.fingerprintOf(found.values) === delivery.fingerprint
        ? { ok: true }
        : { ok: false, reason: 'it holds other values than this run delivered' };
    },
  };
}
