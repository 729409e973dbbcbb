/**
 * The audit log's chain and anchors, as pure functions. Each entry is linked to the one before
 * by an HMAC over (previous hash + canonical JSON of the entry) with a key nhi keeps outside the
 * catalog, so editing, inserting or re-ordering entries cannot be hidden by recomputing the
 * chain without that key. Anchors (entry count + head hash, also HMAC'd) recorded at each
 * export, verification and append catch a log that was cut short.
 */
import type { AuditAnchor, AuditEntry } from '../model/index.js';
import { nodeCrypto } from './node-crypto.js';

export const GENESIS_HASH = '0'.repeat(64);

/** The secret that keys the chain, and a public fingerprint of it (never the key itself). */
export interface AuditKey {
  secret: Buffer;
  id: string;
}

/** Supplies the key when an entry is appended, and hears about each committed entry. */
export interface AuditSigner {
  key(): AuditKey;
  appended?(entry: AuditEntry): void;
}

/** JSON with object keys sorted at every level: the same entry always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

/** Derives a purpose-bound sub-key, so the chain key is never used for anything else. */
export function subKey(key: AuditKey, purpose: string): Buffer {
  return nodeCrypto().createHmac('sha256', key.secret).update(`nhi ${purpose} v1`).digest();
}

export function keyIdOf(secret: Buffer): string {
  return nodeCrypto()
    .createHmac('sha256', secret)
    .update('nhi audit key id v1')
    .digest('hex')
    .slice(0, 16);
}

/**
 * Entries before the log was keyed (nhi 0.1) used sha256(prev + JSON); keyed ones an HMAC.
 * `alg` and `keyId` are part of what is hashed, so neither can be swapped afterwards.
 */
export function auditHash(entry: Omit<AuditEntry, 'hash'>, key: AuditKey | null): string {
  const body = canonicalJson(entry);
  if ((entry.alg ?? 'sha256') === 'sha256') {
    // A legacy entry was hashed without the alg/keyId fields, which it did not have.
    const { alg: _a, keyId: _k, ...legacy } = entry;
    return nodeCrypto()
      .createHash('sha256')
      .update(entry.prevHash)
      .update(canonicalJson(legacy))
      .digest('hex');
  }
  if (!key) throw new Error('a keyed audit entry needs the audit key');
  return nodeCrypto()
    .createHmac('sha256', subKey(key, 'audit chain'))
    .update(entry.prevHash)
    .update(body)
    .digest('hex');
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && nodeCrypto().timingSafeEqual(x, y);
}

export interface AuditVerdict {
  ok: boolean;
  entries: number;
  /** The first entry whose chain does not hold, with why. */
  brokenAt: number | null;
  reason: string | null;
  /** Hash of the last entry (the genesis hash for an empty log). */
  head: string;
  /** Entries written before the log was keyed: chained, but anyone could recompute them. */
  legacy: number;
}

/** Recomputes the chain; works on the catalog's entries or on an exported file's. */
export function verifyAuditChain(entries: AuditEntry[], key: AuditKey | null): AuditVerdict {
  let prev = GENESIS_HASH;
  let legacy = 0;
  let keyed = false;
  const fail = (at: number, reason: string): AuditVerdict => ({
    ok: false,
    entries: entries.length,
    brokenAt: at,
    reason,
    head: prev,
    legacy,
  });
  for (const [i, e] of entries.entries()) {
    const { hash, ...rest } = e;
    if (e.seq !== i + 1) return fail(e.seq, `entry ${i + 1} is missing`);
    if (e.prevHash !== prev) return fail(e.seq, 'prev_hash does not match the entry before');
    const alg = e.alg ?? 'sha256';
    if (alg === 'sha256') {
      // Unkeyed entries only ever come before the first keyed one (a downgrade is tampering).
      if (keyed) return fail(e.seq, 'an unkeyed entry after keyed ones');
      legacy++;
    } else {
      keyed = true;
      if (!key) return fail(e.seq, `no audit key to check it (written with key ${e.keyId})`);
      if (e.keyId !== key.id) {
        return fail(
          e.seq,
          `written with audit key ${e.keyId}, not with this one (${key.id}): point NHI_AUDIT_KEY_FILE at the key that wrote it`,
        );
      }
    }
    if (!same(auditHash(rest, key), hash))
      return fail(e.seq, 'hash does not match the entry content');
    prev = hash;
  }
  return { ok: true, entries: entries.length, brokenAt: null, reason: null, head: prev, legacy };
}

/* ----- anchors ----- */

type AnchorBody = Omit<AuditAnchor, 'mac'>;

function anchorMac(a: AnchorBody, key: AuditKey): string {
  return nodeCrypto()
    .createHmac('sha256', subKey(key, 'audit anchor'))
    .update(canonicalJson(a))
    .digest('hex');
}

export function makeAnchor(
  kind: AuditAnchor['kind'],
  entries: number,
  head: string,
  key: AuditKey,
  at: string,
): AuditAnchor {
  const body: AnchorBody = { at, kind, entries, head, keyId: key.id };
  return { ...body, mac: anchorMac(body, key) };
}

/**
 * Does the log still contain what the anchor saw? null when it does, else why not. The
 * anchor's own MAC is checked first: without the key, nobody can make one up.
 */
export function checkAnchor(
  entries: AuditEntry[],
  anchor: AuditAnchor,
  key: AuditKey | null,
): string | null {
  const { mac, ...body } = anchor;
  const when = `the ${anchor.kind} anchor of ${anchor.at}`;
  if (!key) return `${when} cannot be checked without the audit key`;
  if (anchor.keyId !== key.id) return `${when} was made with audit key ${anchor.keyId}`;
  if (!same(anchorMac(body, key), mac)) return `${when} is forged (its MAC does not match)`;
  if (entries.length < anchor.entries) {
    return `the log has ${entries.length} entries but ${when} recorded ${anchor.entries}: entries were removed`;
  }
  const head = anchor.entries === 0 ? GENESIS_HASH : entries[anchor.entries - 1]!.hash;
  if (head !== anchor.head) {
    return `entry ${anchor.entries} differs from ${when}: the log was rewritten`;
  }
  return null;
}
