/**
 * Verifying and exporting the audit log. A verification checks the keyed chain, then every
 * anchor the catalog and the key's anchor file hold (so a log cut short since an earlier
 * export, verification or append is caught), then records a new anchor. An export ends with
 * an anchor line, so a file cut short or edited is caught too, and `--against` an export
 * proves the catalog still holds every entry that export held, unchanged.
 */
import type { AuditAnchor, AuditEntry } from '../model/index.js';
import { UserError } from '../connector/index.js';
import type { PlaybookStore } from '../catalog/playbook-store.js';
import {
  checkAnchor,
  makeAnchor,
  verifyAuditChain,
  type AuditKey,
  type AuditVerdict,
} from '../catalog/audit-log.js';
import type { AuditKeyFile } from './audit-key.js';

export interface AuditReport {
  ok: boolean;
  /** What was checked: 'catalog', an export file, or the catalog against an export. */
  subject: string;
  entries: number;
  legacy: number;
  head: string;
  keyId: string | null;
  /** Why it does not hold; empty when it does. */
  problems: string[];
  /** Anchors that were compared (and held, when ok). */
  anchorsChecked: number;
}

function report(
  subject: string,
  v: AuditVerdict,
  key: AuditKey | null,
  problems: string[],
  anchorsChecked: number,
): AuditReport {
  const all = v.ok ? problems : [`entry ${v.brokenAt}: ${v.reason}`, ...problems];
  return {
    ok: all.length === 0,
    subject,
    entries: v.entries,
    legacy: v.legacy,
    head: v.head,
    keyId: key?.id ?? null,
    problems: all,
    anchorsChecked,
  };
}

/** The catalog's log: chain, catalog anchors and the key file's anchor; records a new anchor. */
export async function verifyCatalogLog(
  store: PlaybookStore,
  keys: AuditKeyFile,
  now: Date,
  record = true,
): Promise<AuditReport> {
  const entries = await store.audit();
  const key = keys.load();
  const v = verifyAuditChain(entries, key);
  const anchors = [...(await store.anchors())];
  const fromFile = keys.readAnchor();
  if (fromFile) anchors.push(fromFile);
  const problems: string[] = [];
  if (!key && (entries.some((e) => e.alg === 'hmac-sha256') || anchors.length > 0)) {
    problems.push(
      `no audit key at ${keys.path}: the keyed entries cannot be checked (restore the key or set NHI_AUDIT_KEY_FILE)`,
    );
  } else {
    for (const a of anchors) {
      const why = checkAnchor(entries, a, key);
      if (why) problems.push(why);
    }
  }
  const r = report('catalog', v, key, problems, anchors.length);
  if (r.ok && key && record) await recordAnchor(store, keys, 'verify', entries, key, now);
  return r;
}

async function recordAnchor(
  store: PlaybookStore,
  keys: AuditKeyFile,
  kind: AuditAnchor['kind'],
  entries: AuditEntry[],
  key: AuditKey,
  now: Date,
): Promise<AuditAnchor> {
  const v = verifyAuditChain(entries, key);
  const anchor = makeAnchor(kind, entries.length, v.head, key, now.toISOString());
  await store.addAnchor(anchor);
  keys.writeAnchor(anchor);
  return anchor;
}

/** JSON lines: one entry per line, then `{"anchor": …}` vouching for the count and head. */
export async function exportLog(
  store: PlaybookStore,
  keys: AuditKeyFile,
  now: Date,
): Promise<string> {
  const entries = await store.audit();
  const anchor = await recordAnchor(store, keys, 'export', entries, keys.key(), now);
  return [...entries.map((e) => JSON.stringify(e)), JSON.stringify({ anchor })].join('\n') + '\n';
}

export interface ParsedExport {
  source: string;
  entries: AuditEntry[];
  anchor: AuditAnchor | null;
}

export function parseExport(text: string, source: string): ParsedExport {
  const entries: AuditEntry[] = [];
  let anchor: AuditAnchor | null = null;
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  for (const [i, line] of lines.entries()) {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new UserError(`${source} line ${i + 1} is not JSON`);
    }
    if (value && typeof value === 'object' && 'anchor' in value) {
      if (i !== lines.length - 1)
        throw new UserError(`${source} line ${i + 1}: the anchor must be the last line`);
      anchor = (value as { anchor: AuditAnchor }).anchor;
    } else entries.push(value as AuditEntry);
  }
  return { source, entries, anchor };
}

/** An export on its own: its chain, and its anchor line (missing = possibly cut short). */
export function verifyExport(file: ParsedExport, key: AuditKey | null): AuditReport {
  const v = verifyAuditChain(file.entries, key);
  const problems: string[] = [];
  if (!file.anchor) {
    problems.push(
      'no anchor line (an export from nhi before 0.2, or a file cut short): truncation cannot be ruled out',
    );
  } else {
    const why = checkAnchor(file.entries, file.anchor, key);
    if (why) problems.push(why);
    else if (file.anchor.entries !== file.entries.length) {
      problems.push(
        `the anchor vouches for ${file.anchor.entries} entries but the file holds ${file.entries.length}`,
      );
    }
  }
  return report(file.source, v, key, problems, file.anchor ? 1 : 0);
}

/**
 * The catalog against an earlier export: every entry the export holds must still be in the
 * catalog, byte for byte (same hash at the same place): nothing removed or rewritten since.
 */
export async function verifyAgainst(
  store: PlaybookStore,
  keys: AuditKeyFile,
  file: ParsedExport,
  now: Date,
): Promise<AuditReport> {
  const key = keys.load();
  const ownReport = verifyExport(file, key);
  const catalog = await verifyCatalogLog(store, keys, now, false);
  const problems = [...catalog.problems, ...ownReport.problems.map((p) => `${file.source}: ${p}`)];
  const entries = await store.audit();
  if (entries.length < file.entries.length) {
    problems.push(
      `the catalog has ${entries.length} entries but ${file.source} holds ${file.entries.length}: entries were removed since the export`,
    );
  }
  const changed = file.entries.find((e, i) => entries[i] && entries[i].hash !== e.hash);
  if (changed) {
    problems.push(
      `entry ${changed.seq} differs from ${file.source}: it was rewritten since the export`,
    );
  }
  // Only a log that holds everything the export held is anchored anew.
  if (problems.length === 0 && key) await recordAnchor(store, keys, 'verify', entries, key, now);
  return {
    ...catalog,
    subject: `catalog against ${file.source}`,
    ok: problems.length === 0,
    problems,
    anchorsChecked: catalog.anchorsChecked + ownReport.anchorsChecked,
  };
}
