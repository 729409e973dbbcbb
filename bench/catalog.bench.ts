/**
 * Catalog write rate against a bare better-sqlite3 prepared upsert of the same rows in one
 * transaction (the floor any catalog design must pay), measured in the same run.
 *
 * Both wall time and the process's CPU time (user + sys) are recorded: the writes are
 * synchronous, so on a shared, loaded machine CPU time is the repeatable figure. Each size is
 * measured NHI_BENCH_CATALOG_REPS times (default 3), floor and catalog alternating, and the
 * median ratio is reported. Sizes: 10k and 50k identities (62k and 310k rows); with
 * NHI_BENCH_CATALOG_1M=1 also 161,300 identities (1.0M rows, a few minutes).
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCatalog } from '../src/catalog/index.js';
import { syntheticInventory } from '../fixtures/synthetic/inventory.js';

interface Cost {
  wall: number;
  cpu: number;
}

/** Wall and CPU (user + sys) seconds of one synchronous piece of work. */
function measure(work: () => unknown): Cost {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  work();
  const wall = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1e6 };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/**
 * The floor: the same rows, same columns, upserted with bare prepared statements into
 * tables with only a primary key, in one transaction — no indexes, history or checks.
 * Returns the cost of the first upsert (empty tables) and of upserting the same rows again.
 */
function bareUpsert(inv: ReturnType<typeof syntheticInventory>, dir: string): [Cost, Cost] {
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
  const upsertAll = db.transaction(() => {
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
  });
  // Twice: into empty tables (the headline floor), then over the same rows (a rescan's floor).
  const first = measure(upsertAll);
  const again = measure(upsertAll);
  db.close();
  return [first, again];
}

export default async function main() {
  const now = new Date('2026-11-01T00:00:00Z');
  const reps = Math.max(1, Number(process.env.NHI_BENCH_CATALOG_REPS ?? 3));
  const sizes = [10_000, 50_000, ...(process.env.NHI_BENCH_CATALOG_1M === '1' ? [161_300] : [])];
  const figures: Record<string, number | string | number[]> = {
    reps,
    load_average_at_start: loadavg().map((x) => +x.toFixed(1)),
  };
  const r2 = (x: number) => +x.toFixed(2);
  for (const n of sizes) {
    const inv = syntheticInventory({ identities: n, now });
    const rows = inv.identities.length + inv.credentials.length + inv.grants.length;
    const ratios: Record<string, number[]> = {};
    const add = (k: string, v: number) => (ratios[k] ??= []).push(v);
    let last: Record<string, Cost> = {};
    for (let rep = 0; rep < reps; rep++) {
      const dir = mkdtempSync(join(tmpdir(), 'nhi-bench-cat-'));
      // Alternate which goes first, so neither always runs on the warmer (or busier) machine.
      let bare: [Cost, Cost] | undefined;
      if (rep % 2 === 0) bare = bareUpsert(inv, dir);
      const catalog = openCatalog(join(dir, 'c.db'));
      const run1 = catalog.beginRun({ providers: ['aws'], demo: false, version: 'bench', now });
      const first = measure(() => catalog.writeScope(run1, inv, 0));
      // A rescan updates every row (the common cron case) and runs the history triggers.
      const run2 = catalog.beginRun({ providers: ['aws'], demo: false, version: 'bench', now });
      const rescan = measure(() => catalog.writeScope(run2, inv, 0));
      if (rep === 0 && n <= 50_000) {
        const t0 = performance.now();
        const snap = catalog.snapshot(run2)!;
        const read = snap.identities.length + snap.credentials.length + snap.grants.length;
        figures[`snapshot_read_rows_per_s_${n}`] = Math.round(
          read / ((performance.now() - t0) / 1000),
        );
      }
      catalog.close();
      bare ??= bareUpsert(inv, dir);
      rmSync(dir, { recursive: true, force: true });
      const [b, bAgain] = bare;
      for (const m of ['wall', 'cpu'] as const) {
        add(`ratio_first_scan_vs_bare_${m}`, b[m] / first[m]);
        add(`ratio_rescan_vs_bare_${m}`, b[m] / rescan[m]);
        add(`ratio_rescan_vs_bare_rescan_${m}`, bAgain[m] / rescan[m]);
      }
      last = { bare: b, bareAgain: bAgain, first, rescan };
    }
    figures[`rows_${n}`] = rows;
    for (const [k, v] of Object.entries(last)) {
      figures[`${k}_rows_per_s_wall_${n}`] = Math.round(rows / v.wall);
      figures[`${k}_rows_per_s_cpu_${n}`] = Math.round(rows / v.cpu);
    }
    for (const [k, v] of Object.entries(ratios)) {
      figures[`${k}_${n}`] = r2(median(v));
      figures[`${k}_${n}_runs`] = v.map(r2);
    }
  }
  figures.load_average_at_end = loadavg().map((x) => +x.toFixed(1));
  return figures;
}
