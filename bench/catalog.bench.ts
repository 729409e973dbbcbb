/**
 * Catalog write rate against a bare better-sqlite3 prepared upsert of the same rows in one
 * transaction (the floor any catalog design must pay), measured in the same run.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCatalog } from '../src/catalog/index.js';
import { syntheticInventory } from '../fixtures/synthetic/inventory.js';

/**
 * The floor: the same rows, same columns, upserted with bare prepared statements into
 * tables with only a primary key, in one transaction — no indexes, history or checks.
 */
function bareUpsertRate(inv: ReturnType<typeof syntheticInventory>, dir: string): number {
  const db = new Database(join(dir, 'bare.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  const table = (name: string, n: number) => {
    const cols = Array.from({ length: n }, (_, i) => `c${i}`);
    db.exec(
      `CREATE TABLE ${name} (${cols.map((c, i) => (i ? c : `${c} TEXT PRIMARY KEY`)).join(', ')})`,
    );
    return db.prepare(
      `INSERT INTO ${name} VALUES (${cols.map(() => '?').join(', ')}) ON CONFLICT (c0) DO UPDATE SET ${cols
        .slice(1)
        .map((c) => `${c} = excluded.${c}`)
        .join(', ')}`,
    );
  };
  const ti = table('i', 16);
  const tc = table('c', 17);
  const tg = table('g', 18);
  const j = JSON.stringify;
  const t0 = performance.now();
  db.transaction(() => {
    for (const i of inv.identities) {
      ti.run(
        i.externalId,
        'aws',
        '1',
        's',
        i.externalId,
        i.kind,
        i.name,
        i.owner,
        i.createdAt,
        i.lastUsedAt,
        1,
        j(i.tags),
        j(i.attributes),
        1,
        1,
        null,
      );
    }
    for (const c of inv.credentials) {
      tc.run(
        c.externalId,
        'aws',
        '1',
        's',
        c.externalId,
        c.identityExternalId,
        c.type,
        c.name,
        c.status,
        c.createdAt,
        c.expiresAt,
        c.lastUsedAt,
        1,
        j(c.attributes),
        1,
        1,
        null,
      );
    }
    for (const g of inv.grants) {
      tg.run(
        g.externalId,
        'aws',
        '1',
        's',
        g.externalId,
        g.identityExternalId,
        null,
        g.permission,
        g.resource,
        g.privilege,
        g.source,
        g.grantedAt,
        g.lastUsedAt,
        1,
        j(g.attributes),
        1,
        1,
        null,
      );
    }
  })();
  const secs = (performance.now() - t0) / 1000;
  db.close();
  return (inv.identities.length + inv.credentials.length + inv.grants.length) / secs;
}

export default async function main() {
  const now = new Date('2026-11-01T00:00:00Z');
  const figures: Record<string, number | string> = {};
  for (const n of [10_000, 50_000]) {
    const dir = mkdtempSync(join(tmpdir(), 'nhi-bench-cat-'));
    const inv = syntheticInventory({ identities: n, now });
    const rows = inv.identities.length + inv.credentials.length + inv.grants.length;
    const bare = bareUpsertRate(inv, dir);
    const catalog = openCatalog(join(dir, 'c.db'));
    const run1 = catalog.beginRun({ providers: ['aws'], demo: false, version: 'bench', now });
    let t0 = performance.now();
    catalog.writeScope(run1, inv, 0);
    const first = rows / ((performance.now() - t0) / 1000);
    // A rescan updates every row (the common cron case) and runs the history triggers.
    const run2 = catalog.beginRun({ providers: ['aws'], demo: false, version: 'bench', now });
    t0 = performance.now();
    catalog.writeScope(run2, inv, 0);
    const rescan = rows / ((performance.now() - t0) / 1000);
    t0 = performance.now();
    const snap = catalog.snapshot(run2)!;
    const readRate =
      (snap.identities.length + snap.credentials.length + snap.grants.length) /
      ((performance.now() - t0) / 1000);
    catalog.close();
    rmSync(dir, { recursive: true, force: true });
    figures[`rows_${n}`] = rows;
    figures[`bare_upsert_rows_per_s_${n}`] = Math.round(bare);
    figures[`catalog_first_scan_rows_per_s_${n}`] = Math.round(first);
    figures[`catalog_rescan_rows_per_s_${n}`] = Math.round(rescan);
    figures[`ratio_first_scan_vs_bare_${n}`] = +(first / bare).toFixed(2);
    figures[`ratio_rescan_vs_bare_${n}`] = +(rescan / bare).toFixed(2);
    figures[`snapshot_read_rows_per_s_${n}`] = Math.round(readRate);
  }
  return figures;
}
