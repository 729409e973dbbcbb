/**
 * The audit log against an attacker, case by case: with the catalog only, with the catalog and
 * the audit key, with an export only. Each case states what it can hide and what it cannot,
 * and the table is printed — the same statements as src/playbooks/README.md.
 */
import { afterAll, describe, expect, it } from 'vitest';
import {
  chmodSync,
  copyFileSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openCatalog } from '../src/catalog/index.js';
import { auditHash, canonicalJson, GENESIS_HASH } from '../src/catalog/audit-log.js';
import { SqlitePlaybookStore } from '../src/catalog/sqlite/playbook-store.js';
import { AuditKeyFile } from '../src/playbooks/audit-key.js';
import {
  exportLog,
  parseExport,
  verifyAgainst,
  verifyCatalogLog,
  verifyExport,
  type AuditReport,
} from '../src/playbooks/audit.js';
import { createHash } from 'node:crypto';

interface Log {
  path: string;
  keys: AuditKeyFile;
  store: () => SqlitePlaybookStore;
  db: () => Database.Database;
}

async function log(entries = 4): Promise<Log> {
  const path = join(mkdtempSync(join(tmpdir(), 'nhi-audit-')), 'catalog.db');
  const keys = new AuditKeyFile(`${path}.audit-key`, path);
  const c = openCatalog(path);
  const store = new SqlitePlaybookStore(c.db, keys);
  for (let i = 1; i <= entries; i++)
    await store.appendAudit({
      at: `2026-11-20T10:00:0${i}.000Z`,
      actor: 'ops@host (aws key AKIATEST)',
      runId: 1,
      step: i,
      action: ['create', 'sink-put', 'sink-verify', 'deactivate'][i - 1] ?? 'delete',
      result: 'ok',
    });
  c.close();
  return {
    path,
    keys,
    store: () => new SqlitePlaybookStore(openCatalog(path).db, keys),
    db: () => new Database(path),
  };
}

const now = new Date('2026-11-21T00:00:00Z');
const rows: [string, string, string][] = [];

function expectCaught(r: AuditReport, pattern: RegExp): void {
  expect(r.ok, JSON.stringify(r.problems)).toBe(false);
  expect(r.problems.join('\n')).toMatch(pattern);
}

afterAll(() => {
  const w = Math.max(...rows.map((r) => r[1].length));
  console.log(
    [
      'audit log: what an attacker can hide',
      ...rows.map(([who, what, verdict]) => `  ${who.padEnd(16)} ${what.padEnd(w)}  ${verdict}`),
    ].join('\n'),
  );
});

/** Rewrites every entry as an unkeyed (0.1-style) chain: all an attacker without the key can do. */
function downgradeAll(db: Database.Database, edit: (e: Record<string, unknown>) => void): void {
  const entries = db.prepare('SELECT * FROM audit_log ORDER BY seq').all() as Record<
    string,
    unknown
  >[];
  let prev = GENESIS_HASH;
  for (const r of entries) {
    const e: Record<string, unknown> = {
      seq: r.seq,
      at: r.at,
      actor: r.actor,
      runId: r.run_id,
      step: r.step,
      action: r.action,
      result: r.result,
      detail: JSON.parse(String(r.detail_json)),
      prevHash: prev,
    };
    edit(e);
    const hash = createHash('sha256').update(prev).update(canonicalJson(e)).digest('hex');
    db.prepare(
      `UPDATE audit_log SET result = ?, prev_hash = ?, hash = ?, alg = 'sha256', key_id = NULL WHERE seq = ?`,
    ).run(e.result, prev, hash, r.seq);
    prev = hash;
  }
}

describe('with the catalog only (no key)', () => {
  it('an edited entry is caught', async () => {
    const l = await log();
    const db = l.db();
    db.prepare(`UPDATE audit_log SET result = 'failed' WHERE seq = 2`).run();
    db.close();
    expectCaught(await verifyCatalogLog(l.store(), l.keys, now), /entry 2: hash does not match/);
    rows.push(['catalog only', 'edit an entry', 'caught: the HMAC no longer matches']);
  });

  it('a whole log re-chained without the key is caught', async () => {
    const l = await log();
    const db = l.db();
    downgradeAll(db, (e) => {
      if (e.seq === 3) e.result = 'failed';
    });
    db.close();
    // The chain itself now looks like a legacy one; the anchor beside the key remembers better.
    expectCaught(
      await verifyCatalogLog(l.store(), l.keys, now),
      /entry 4 differs from the append anchor/,
    );
    rows.push(['catalog only', 'rewrite all entries, recompute a plain chain', 'caught: anchor']);
  });

  it('a cut-off tail is caught, even with the catalog anchors deleted too', async () => {
    const l = await log();
    expect((await verifyCatalogLog(l.store(), l.keys, now)).ok).toBe(true);
    const db = l.db();
    db.prepare('DELETE FROM audit_log WHERE seq > 2').run();
    db.prepare('DELETE FROM audit_anchors').run();
    db.close();
    expectCaught(
      await verifyCatalogLog(l.store(), l.keys, now),
      /the log has 2 entries but the (append|verify) anchor .* recorded 4: entries were removed/,
    );
    rows.push(['catalog only', 'delete the last entries (and the anchors)', 'caught: anchor']);
  });

  it('an emptied log and a forged anchor are caught', async () => {
    const l = await log();
    const db = l.db();
    db.prepare('DELETE FROM audit_log').run();
    db.prepare(
      `INSERT INTO audit_anchors (at, kind, entries, head, key_id, mac) VALUES ('x', 'verify', 0, ?, ?, ?)`,
    ).run(GENESIS_HASH, l.keys.key().id, '0'.repeat(64));
    db.close();
    const r = await verifyCatalogLog(l.store(), l.keys, now);
    expectCaught(r, /recorded 4: entries were removed/);
    expectCaught(r, /verify anchor of x is forged/);
    rows.push(['catalog only', 'empty the log, forge an anchor', 'caught: anchor + MAC']);
  });

  it('appending a forged entry is caught', async () => {
    const l = await log();
    const db = l.db();
    const last = db.prepare('SELECT hash FROM audit_log WHERE seq = 4').get() as { hash: string };
    const forged = {
      seq: 5,
      at: 'x',
      actor: 'someone',
      runId: null,
      step: null,
      action: 'reactivate',
      result: 'ok',
      detail: {},
      prevHash: last.hash,
      alg: 'hmac-sha256' as const,
      keyId: l.keys.key().id,
    };
    const wrongKey = { secret: Buffer.alloc(32, 1), id: l.keys.key().id };
    db.prepare(
      `INSERT INTO audit_log (seq, at, actor, action, result, detail_json, prev_hash, alg, key_id, hash) VALUES (5, 'x', 'someone', 'reactivate', 'ok', '{}', ?, 'hmac-sha256', ?, ?)`,
    ).run(last.hash, forged.keyId, auditHash(forged, wrongKey));
    db.close();
    expectCaught(await verifyCatalogLog(l.store(), l.keys, now), /entry 5: hash does not match/);
    rows.push(['catalog only', 'insert an entry', 'caught: the HMAC needs the key']);
  });
});

describe('with the catalog and the key (and the anchor file beside it)', () => {
  it('can rewrite the log undetectably on its own, but not against an export kept elsewhere', async () => {
    const l = await log();
    const exportFile = join(mkdtempSync(join(tmpdir(), 'nhi-export-')), 'audit.jsonl');
    writeFileSync(exportFile, await exportLog(l.store(), l.keys, now));
    // The attacker deletes the last two entries and the anchors (file and table), with the key.
    const db = l.db();
    db.prepare('DELETE FROM audit_log WHERE seq > 2').run();
    db.prepare('DELETE FROM audit_anchors').run();
    db.close();
    unlinkSync(l.keys.anchorPath);
    expect((await verifyCatalogLog(l.store(), l.keys, now)).ok).toBe(true);
    expectCaught(
      await verifyAgainst(
        l.store(),
        l.keys,
        parseExport(readFileSync(exportFile, 'utf8'), exportFile),
        now,
      ),
      /the catalog has 2 entries but .* holds 4: entries were removed since the export/,
    );
    rows.push([
      'catalog + key',
      'cut the log and every anchor',
      'hidden from verify; caught --against an export',
    ]);
    rows.push([
      'catalog + key',
      'change entries written after the last export',
      'hidden (export often, keep it elsewhere)',
    ]);
  });
});

describe('with an export only', () => {
  it('an edited, cut-short or forged export is caught (with the key)', async () => {
    const l = await log();
    const text = await exportLog(l.store(), l.keys, now);
    const lines = text.trim().split('\n');
    const edited = lines.map((x, i) => (i === 1 ? x.replace('"ok"', '"failed"') : x)).join('\n');
    expectCaught(
      verifyExport(parseExport(edited, 'e'), l.keys.key()),
      /entry 2: hash does not match/,
    );
    const cut = [...lines.slice(0, 2), lines.at(-1)].join('\n');
    expectCaught(
      verifyExport(parseExport(cut, 'e'), l.keys.key()),
      /recorded 4: entries were removed/,
    );
    const noAnchor = lines.slice(0, 2).join('\n');
    expectCaught(verifyExport(parseExport(noAnchor, 'e'), l.keys.key()), /no anchor line/);
    const other = await log();
    expectCaught(
      verifyExport(parseExport(text, 'e'), other.keys.key()),
      /written with audit key [0-9a-f]+, not with this one/,
    );
    expect(verifyExport(parseExport(text, 'e'), l.keys.key()).ok).toBe(true);
    rows.push([
      'export only',
      'edit, cut short or forge the export',
      'caught when verified with the key',
    ]);
    rows.push(['export only', 'read it', 'nothing secret: ids, actions, actors']);
  });
});

describe('the key file', () => {
  it('is created on first use with mode 0600, and refused when others can read it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nhi-key-'));
    const keys = new AuditKeyFile(join(dir, 'k'), join(dir, 'catalog.db'));
    expect(keys.load()).toBeNull();
    const key = keys.key();
    expect(key.id).toMatch(/^[0-9a-f]{16}$/);
    expect(readFileSync(join(dir, 'k'), 'utf8')).toMatch(/^[0-9a-f]{64}\n$/);
    expect(statSync(join(dir, 'k')).mode & 0o777).toBe(0o600);
    copyFileSync(join(dir, 'k'), join(dir, 'k2'));
    chmodSync(join(dir, 'k2'), 0o644);
    expect(() => new AuditKeyFile(join(dir, 'k2'), join(dir, 'catalog.db')).load()).toThrow(
      /readable by others \(mode 644\): chmod 600 it/,
    );
    rmSync(dir, { recursive: true });
  });
});
