/**
 * The audit key: 32 random bytes (hex) in a file of its own, mode 0600, created on first use.
 * It keys the audit chain and the fingerprints of delivered secrets, and it lives outside the
 * catalog — by default beside it (`<catalog>.audit-key`), or wherever NHI_AUDIT_KEY_FILE
 * points — so someone holding only the catalog can neither recompute the chain nor test a
 * guess against a fingerprint. Beside the key, `<key>.anchor` records each catalog's latest
 * entry count and head hash (by the catalog's real path, so one key may serve several
 * catalogs), so a log whose tail was cut off is caught at the next verify.
 */
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { createHmac, randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { placePrivateFile } from './private-file.js';
import type { AuditAnchor, AuditEntry } from '../model/index.js';
import { UserError } from '../connector/index.js';
import { isPostgresLocation } from '../catalog/index.js';
import {
  canonicalJson,
  keyIdOf,
  makeAnchor,
  subKey,
  type AuditKey,
  type AuditSigner,
} from '../catalog/audit-log.js';

/**
 * Where the catalog's audit key lives: NHI_AUDIT_KEY_FILE, else beside an SQLite catalog. A
 * PostgreSQL catalog has no "beside" (and the processes appending to its chain run on many
 * machines, which must share one key): null, until NHI_AUDIT_KEY_FILE names it.
 */
export function auditKeyPath(
  catalogPath: string,
  env: Readonly<Record<string, string | undefined>>,
): string | null {
  if (env.NHI_AUDIT_KEY_FILE) return env.NHI_AUDIT_KEY_FILE;
  return isPostgresLocation(catalogPath) ? null : `${catalogPath}.audit-key`;
}

const NO_KEY_FILE =
  'a PostgreSQL catalog keeps no audit key beside it: set NHI_AUDIT_KEY_FILE to the key file (the same key on every machine that runs playbooks on this catalog; a new path creates one)';

export class AuditKeyFile implements AuditSigner {
  private cached: AuditKey | null = null;

  /**
   * `catalogPath` names the log the anchors belong to (a PostgreSQL URL as it is). A null
   * `path` (auditKeyPath: a PostgreSQL catalog without NHI_AUDIT_KEY_FILE) refuses, in one
   * line, whatever needs the key.
   */
  constructor(
    private readonly file: string | null,
    catalogPath: string,
    private readonly now: () => Date = () => new Date(),
  ) {
    if (isPostgresLocation(catalogPath)) this.catalog = catalogPath;
    else {
      try {
        this.catalog = realpathSync(catalogPath);
      } catch {
        this.catalog = resolve(catalogPath);
      }
    }
  }

  get path(): string {
    if (this.file === null) throw new UserError(NO_KEY_FILE);
    return this.file;
  }

  private readonly catalog: string;

  get anchorPath(): string {
    return `${this.path}.anchor`;
  }

  /** The key, created (0600) when there is none yet. */
  key(): AuditKey {
    const k = this.load();
    if (k) return k;
    try {
      placePrivateFile(this.path, `${randomBytes(32).toString('hex')}\n`, true);
    } catch (err) {
      throw new UserError(
        `cannot create the audit key ${this.path}: ${(err as Error).message}`,
        'set NHI_AUDIT_KEY_FILE to a writable location',
      );
    }
    return this.load()!;
  }

  /** The key if it exists; never creates one (verification must not invent a key). */
  load(): AuditKey | null {
    if (this.cached) return this.cached;
    let st;
    try {
      st = statSync(this.path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new UserError(`cannot read the audit key ${this.path}: ${(err as Error).message}`);
    }
    if ((st.mode & 0o077) !== 0) {
      throw new UserError(
        `the audit key ${this.path} is readable by others (mode ${(st.mode & 0o777).toString(8)}): chmod 600 it`,
      );
    }
    const hex = readFileSync(this.path, 'utf8').trim();
    if (!/^[0-9a-f]{64}$/.test(hex)) {
      throw new UserError(`the audit key ${this.path} is not 64 hex characters (32 bytes)`);
    }
    const secret = Buffer.from(hex, 'hex');
    this.cached = { secret, id: keyIdOf(secret) };
    return this.cached;
  }

  /** Keyed fingerprint of delivered values: comparable, but useless to anyone without the key. */
  fingerprintOf(values: Record<string, string>): string {
    return createHmac('sha256', subKey(this.key(), 'sink fingerprint'))
      .update(canonicalJson(values))
      .digest('hex');
  }

  private anchors(): Record<string, AuditAnchor> {
    try {
      return JSON.parse(readFileSync(this.anchorPath, 'utf8')) as Record<string, AuditAnchor>;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw new UserError(
        `the audit anchor file ${this.anchorPath} is unreadable: ${(err as Error).message}`,
      );
    }
  }

  /** The latest anchor recorded for this catalog, if any. */
  readAnchor(): AuditAnchor | null {
    return this.anchors()[this.catalog] ?? null;
  }

  /**
   * Records the anchor unless the file already vouches for more entries. Best effort: a key
   * on a read-only mount keeps working, `verify` then relies on the catalog's anchors.
   */
  writeAnchor(anchor: AuditAnchor): boolean {
    try {
      const all = this.anchors();
      const current = all[this.catalog];
      if (current && current.keyId === anchor.keyId && current.entries > anchor.entries)
        return true;
      all[this.catalog] = anchor;
      return placePrivateFile(this.anchorPath, `${JSON.stringify(all, null, 1)}\n`);
    } catch {
      return false;
    }
  }

  appended(entry: AuditEntry): void {
    this.writeAnchor(
      makeAnchor('append', entry.seq, entry.hash, this.key(), this.now().toISOString()),
    );
  }
}
