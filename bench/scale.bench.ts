/**
 * Scale (issue 19): catalogs of 100k and 1M synthetic credentials, and the views people run on
 * them, each timed as a whole CLI process against the bare read of the same rows in the same
 * run (bench/bare-read.mjs: a node process reading them with better-sqlite3), with peak RSS.
 *
 * The 100k catalog is the fixture: one AWS account of 83,500 users (100,171 keys,
 * 334,000 grants). The 1M catalog is ten such accounts. Each is built with the code a scan
 * runs (scope writes, then the stored evaluation), and those times are reported too.
 *
 * Env: NHI_BENCH_SCALE_SIZES (credentials, default "100000,1000000"; empty: start-up only), NHI_BENCH_SCALE_REPEAT
 * (default 3; the median is reported), NHI_BENCH_SCALE_DIR (keeps the catalogs, so a rerun
 * measures without rebuilding them), NHI_BENCH_SCALE_VIEWS (e.g. "list,report --format json":
 * only those views), NHI_BENCH_SCALE_STARTUP=0 (skip the start-up figures). Full reports are also
 * timed against a raw read (rows as arrays, as the views read them): `ratio_vs_raw_read`.
 */
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openCatalog, SCHEMA_VERSION } from '../src/catalog/index.js';
import { evaluateRun } from '../src/scan/evaluate.js';
import { defaultPolicy } from '../src/scoring/policy.js';
import { syntheticInventory } from '../fixtures/synthetic/inventory.js';

// NHI_BENCH_BIN: a copy of the build, so a rebuild of dist/ during a long run cannot race it.
const BIN = resolve(process.env.NHI_BENCH_BIN ?? join('bin', 'nhi.cjs'));
const BARE = resolve('bench', 'bare-read.mjs');
const IDENTITIES_PER_SCOPE = 83_500;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Timed {
  seconds: number;
  peakRssMb: number;
}

/** Runs a process with GNU time: wall seconds and peak RSS; stdout is discarded. */
function timed(cmd: string, args: string[], ok: readonly number[] = [0, 1]): Timed {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', cmd, ...args], {
    env: { PATH: process.env.PATH, HOME: tmpdir(), NO_COLOR: '1' },
    cwd: tmpdir(),
    stdio: ['ignore', 'ignore', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
  const lines = r.stderr.toString().trim().split('\n');
  const [seconds, kb] = lines[lines.length - 1]!.split(' ').map(Number);
  if (r.status === null || !ok.includes(r.status))
    throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${lines.slice(-5).join('\n')}`);
  return { seconds: seconds!, peakRssMb: Math.round(kb! / 1024) };
}

function build(path: string, credentials: number) {
  const now = new Date('2026-11-01T00:00:00Z');
  const scopes = Math.max(1, Math.round(credentials / 100_000));
  const catalog = openCatalog(path);
  const run = catalog.beginRun({ providers: ['aws'], demo: false, version: 'bench', now });
  let rows = 0;
  let writeMs = 0;
  let counts = { identities: 0, credentials: 0, grants: 0 };
  for (let s = 0; s < scopes; s++) {
    const inv = syntheticInventory({
      identities: IDENTITIES_PER_SCOPE,
      now,
      seed: 42 + s,
      scopeId: String(999900001111 + s),
    });
    const t = performance.now();
    catalog.writeScope(run, inv, 0);
    writeMs += performance.now() - t;
    rows += inv.identities.length + inv.credentials.length + inv.grants.length;
    counts = {
      identities: counts.identities + inv.identities.length,
      credentials: counts.credentials + inv.credentials.length,
      grants: counts.grants + inv.grants.length,
    };
  }
  catalog.finishRun(run, 'ok', now);
  return { catalog, run, rows, writeMs, counts, scopes };
}

async function measure(credentials: number, repeat: number, dir: string) {
  const path = join(dir, `catalog-${credentials}.db`);
  const figures: Record<string, unknown> = {};
  if (!existsSync(path)) {
    const built = build(path, credentials);
    const t = performance.now();
    const evaluation = await evaluateRun(built.catalog.store(), built.catalog.run(built.run)!, {
      policy: defaultPolicy(),
    });
    const evaluateMs = performance.now() - t;
    built.catalog.close();
    const inventory = timed('node', [BARE, path, 'inventory']);
    Object.assign(figures, {
      ...built.counts,
      scopes: built.scopes,
      inventoryRows: built.rows,
      findings:
        Object.values(evaluation.summary.bySeverity).reduce((a, b) => a + b, 0) +
        evaluation.summary.notEvaluated,
      scopeWritesSeconds: +(built.writeMs / 1000).toFixed(1),
      storedEvaluationSeconds: +(evaluateMs / 1000).toFixed(1),
      bareInventoryReadSeconds: inventory.seconds,
      ratio_evaluation_vs_bare_inventory_read: +(evaluateMs / 1000 / inventory.seconds).toFixed(2),
    });
  }
  const catalog = openCatalog(path, { readonly: true });
  const worst = catalog.db
    .prepare(
      `SELECT subject_id AS id FROM scores WHERE subject_kind = 'credential' ORDER BY score DESC LIMIT 1`,
    )
    .get() as { id: string };
  figures.catalogMb = Math.round(
    (Number(catalog.db.pragma('page_count', { simple: true })) *
      Number(catalog.db.pragma('page_size', { simple: true }))) /
      1e6,
  );
  catalog.close();

  const views: [name: string, args: string[], bare: string[]][] = [
    ['list --limit 20', ['list', '--limit', '20'], ['list-20']],
    ['list --identities --limit 20', ['list', '--identities', '--limit', '20'], ['list-20']],
    ['show <credential>', ['show', worst.id], ['show', worst.id]],
    ['report --format json', ['report', '--format', 'json'], ['findings']],
    [
      'check --fail-on high --format sarif',
      ['check', '--fail-on', 'high', '--format', 'sarif'],
      ['findings-high'],
    ],
    [
      'report --group-by provider,severity (KPI)',
      ['report', '--group-by', 'provider,severity', '--format', 'json'],
      ['kpi'],
    ],
    // Posture (issue 15): every KPI per scope, provider and overall by SQL over the evaluation.
    ['posture --json', ['posture', '--json'], ['kpi']],
    // The HTML report: KPIs, charts (vega, rendered to SVG), counts of every finding and the
    // 1,000 highest-scored, against the bare read of every finding (what a full table reads).
    [
      'report --format html -o report.html',
      ['report', '--format', 'html', '-o', join(dir, 'report.html')],
      ['findings'],
    ],
  ];
  // NHI_BENCH_SCALE_VIEWS: only the views whose names contain one of these (comma separated).
  const only = process.env.NHI_BENCH_SCALE_VIEWS?.split(',').filter(Boolean);
  const html = join(dir, 'report.html');
  rmSync(html, { force: true });
  for (const [name, args, bare] of views) {
    if (only && !only.some((o) => name.includes(o))) continue;
    const cli: Timed[] = [];
    const floor: Timed[] = [];
    // Full reads also get the stricter floor: the same rows as arrays (bench/bare-read.mjs).
    const rawFloor: Timed[] = [];
    const full = bare[0]!.startsWith('findings');
    for (let i = 0; i < repeat; i++) {
      cli.push(timed('node', [BIN, ...args, '--catalog', path]));
      floor.push(timed('node', [BARE, path, ...bare]));
      if (full) rawFloor.push(timed('node', [BARE, path, `raw:${bare[0]}`, ...bare.slice(1)]));
    }
    const s = median(cli.map((x) => x.seconds));
    const b = median(floor.map((x) => x.seconds));
    const raw = full ? median(rawFloor.map((x) => x.seconds)) : undefined;
    figures[name] = {
      loadAverage: +os.loadavg()[0]!.toFixed(1),
      seconds: s,
      bareSeconds: b,
      ratio: +(s / Math.max(b, 0.01)).toFixed(2),
      ...(raw === undefined
        ? {}
        : { rawBareSeconds: raw, ratio_vs_raw_read: +(s / Math.max(raw, 0.01)).toFixed(2) }),
      peakRssMb: Math.max(...cli.map((x) => x.peakRssMb)),
      barePeakRssMb: Math.max(...floor.map((x) => x.peakRssMb)),
    };
  }
  // The HTML report's size: its findings table is capped (1,000 rows by default), the rest of
  // the page is KPIs, charts and counts, so it should not grow with the estate.
  if (existsSync(html)) figures.htmlReportMb = +(statSync(html).size / 1e6).toFixed(2);
  return figures;
}

/** A process's wall time in ms, spawn included (as for the floor); /usr/bin/time counts in 10 ms. */
function wallMs(args: string[], env: NodeJS.ProcessEnv, ok: readonly number[] = [0]): number {
  const t = performance.now();
  const r = spawnSync('node', args, { env, cwd: tmpdir(), stdio: 'ignore' });
  const ms = performance.now() - t;
  if (r.status === null || !ok.includes(r.status))
    throw new Error(`node ${args.join(' ')} exited ${r.status}`);
  return ms;
}

/**
 * Start-up: `nhi --help` and `nhi list` on an empty catalog against `node -e 0`, alternating,
 * median of at least 21. Timed in the views' scrubbed environment and, when the bench runs with
 * NODE_EXTRA_CA_CERTS (which every node process then reads at start, the floor included), with it.
 */
function startup(dir: string, repeat: number) {
  const empty = join(dir, 'empty.db');
  if (!existsSync(empty)) openCatalog(empty).close();
  const n = Math.max(21, repeat * 7);
  const scrubbed = { PATH: process.env.PATH, HOME: tmpdir(), NO_COLOR: '1' };
  const ca = process.env.NODE_EXTRA_CA_CERTS;
  const envs = {
    scrubbed,
    ...(ca ? { withCaBundle: { ...scrubbed, NODE_EXTRA_CA_CERTS: ca } } : {}),
  };
  return Object.fromEntries(
    Object.entries(envs).map(([name, env]) => {
      const node: number[] = [];
      const help: number[] = [];
      const list: number[] = [];
      for (let i = 0; i < n; i++) {
        node.push(wallMs(['-e', '0'], env));
        help.push(wallMs([BIN, '--help'], env));
        // No scan yet: the one-line answer (exit 2) is what a user gets first.
        list.push(wallMs([BIN, 'list', '--catalog', empty], env, [2]));
      }
      const [nodeMs, helpMs, listMs] = [median(node), median(help), median(list)];
      return [
        name,
        {
          runs: n,
          nodeMs: +nodeMs.toFixed(1),
          helpMs: +helpMs.toFixed(1),
          listEmptyMs: +listMs.toFixed(1),
          ratio_help_vs_node: +(helpMs / nodeMs).toFixed(2),
          ratio_list_empty_vs_node: +(listMs / nodeMs).toFixed(2),
        },
      ];
    }),
  );
}

export default async function main() {
  const sizes = (process.env.NHI_BENCH_SCALE_SIZES ?? '100000,1000000')
    .split(',')
    .map(Number)
    .filter((n) => n > 0);
  const repeat = Number(process.env.NHI_BENCH_SCALE_REPEAT ?? 3);
  const keep = process.env.NHI_BENCH_SCALE_DIR;
  const dir = keep ? resolve(keep) : mkdtempSync(join(tmpdir(), 'nhi-bench-scale-'));
  mkdirSync(dir, { recursive: true });
  const stamp = join(dir, 'schema');
  // Catalogs built by another schema are rebuilt.
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') !== String(SCHEMA_VERSION))
    for (const s of sizes) rmSync(join(dir, `catalog-${s}.db`), { force: true });
  writeFileSync(stamp, String(SCHEMA_VERSION));
  const figures: Record<string, unknown> = {
    machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 1e9)} GB`,
    loadAverageAtStart: os.loadavg().map((x) => +x.toFixed(1)),
    repeat,
    ...(process.env.NHI_BENCH_SCALE_STARTUP === '0' ? {} : { startup: startup(dir, repeat) }),
  };
  for (const size of sizes) figures[`credentials_${size}`] = await measure(size, repeat, dir);
  figures.loadAverageAtEnd = os.loadavg().map((x) => +x.toFixed(1));
  if (!keep) rmSync(dir, { recursive: true, force: true });
  return figures;
}
