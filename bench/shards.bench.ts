/**
 * Sharded scans (issue 18): 8 `nhi scan --shard i/8` processes of a synthetic 64-account AWS
 * organization (the AWS stand-in, real SDK on the wire) at once, into one PostgreSQL catalog
 * (one run group: the last shard evaluates the union) and into one SQLite file; then the same
 * organization by one unsharded process into SQLite, and a full JSON report read from each
 * catalog. Wall-clock seconds from the first process start to the last exit.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { SYNTHETIC_CALLER } from '../connectors/aws/stand-in/synthetic.js';
import { startAwsStandIn } from '../connectors/aws/stand-in/index.js';
import { organization } from '../fixtures/aws-organization.js';
import { scrubbedEnv, tempDir } from '../fixtures/cli.js';
import { startPostgres } from '../fixtures/postgres.js';

const now = new Date('2026-11-01T00:00:00Z');
const SHARDS = 8;
// Bundled under bench/.build: the CLI is found from the repository root (node bench/run.mjs).
const BIN = resolve('bin', 'nhi.cjs');

const errors: string[] = [];

function run(args: string[], env: Record<string, string>, cwd: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env,
      cwd,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code) errors.push(`${args.join(' ')}: exit ${code}: ${stderr.trim().slice(0, 400)}`);
      resolve(code ?? -1);
    });
  });
}

async function timed(work: () => Promise<number[]>): Promise<{ seconds: number; codes: number[] }> {
  const t0 = performance.now();
  const codes = await work();
  return { seconds: Number(((performance.now() - t0) / 1000).toFixed(2)), codes };
}

export default async function shards() {
  const estate = organization(64, (i) => (i === 1 ? 60 : 3), now);
  const keys = estate.accounts.reduce(
    (n, a) => n + a.users.reduce((m, u) => m + (u.accessKeys?.length ?? 0), 0),
    0,
  );
  const standIn = await startAwsStandIn({ estate, now: () => now });
  const server = await startPostgres();
  const cwd = tempDir('nhi-bench-shards-');
  writeFileSync(join(cwd, 'nhi.config.yaml'), 'providers:\n  aws:\n    pollIntervalMs: 20\n');
  const env = (catalog: string) =>
    scrubbedEnv({
      AWS_ACCESS_KEY_ID: SYNTHETIC_CALLER.accessKeyId,
      AWS_SECRET_ACCESS_KEY: SYNTHETIC_CALLER.secretAccessKey,
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL: standIn.url,
      NHI_CATALOG: catalog,
    });
  const scan = ['scan', '--provider', 'aws', '--all-accounts', '-q'];
  const sharded = (catalog: string) =>
    timed(() =>
      Promise.all(
        Array.from({ length: SHARDS }, (_, i) =>
          run(
            [...scan, '--shard', `${i + 1}/${SHARDS}`, '--run-group', 'bench'],
            env(catalog),
            cwd,
          ),
        ),
      ),
    );
  const report = (catalog: string) =>
    timed(async () => [await run(['report', '--format', 'json'], env(catalog), cwd)]);
  try {
    const url = await server.database();
    const sqlite = join(cwd, 'sharded.db');
    const single = join(cwd, 'single.db');
    const pgSharded = process.env.BENCH_SKIP_PG ? null : await sharded(url);
    const sqliteSharded = await sharded(sqlite);
    const sqliteSingle = await timed(async () => [await run(scan, env(single), cwd)]);
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    const stored = !pgSharded
      ? null
      : Number(
          (await c.query(`SELECT count(*) AS n FROM credentials WHERE type = 'access-key'`)).rows[0]
            .n,
        );
    await c.end();
    return {
      accounts: 64,
      shards: SHARDS,
      accessKeys: keys,
      storedInPostgres: stored,
      postgres8Shards: pgSharded,
      sqlite8Shards: sqliteSharded,
      sqlite1Process: sqliteSingle,
      reportJson: { postgres: pgSharded && (await report(url)), sqlite: await report(sqlite) },
      errors,
    };
  } finally {
    await standIn.close();
    server.stop();
  }
}
