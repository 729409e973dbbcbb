/**
 * Sharded scans into one PostgreSQL catalog, as a CI matrix runs them: 8 `nhi scan --shard i/8`
 * processes of a synthetic 64-account AWS organization (the AWS stand-in, real SDK on the
 * wire) at once; then a shard killed with SIGKILL in the middle of a scope's transaction.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYNTHETIC_CALLER } from '../connectors/aws/stand-in/synthetic.js';
import { organization as organizationOf } from '../fixtures/aws-organization.js';
import type { AwsEstate } from '../connectors/aws/stand-in/estate.js';
import { startAwsStandIn, type AwsStandIn } from '../connectors/aws/stand-in/index.js';
import { postgresUnavailable, startPostgres, type PgServer } from '../fixtures/postgres.js';
import { BIN, scrubbedEnv, tempDir, nhi } from './run-cli.js';
import { shardOf } from '../src/scan/shard.js';
import { openCatalog } from '../src/catalog/index.js';

const skip = postgresUnavailable();
if (skip) console.warn(skip);

const now = new Date('2026-11-01T00:00:00Z');
const ACCOUNTS = 64;
const organization = (users: (i: number) => number) => organizationOf(ACCOUNTS, users, now);
const SHARDS = 8;

const keysOf = (e: AwsEstate) =>
  e.accounts.flatMap((a) => a.users.flatMap((u) => (u.accessKeys ?? []).map((k) => k.id)));

async function rows<T>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(sql, params)).rows as T[];
  } finally {
    await c.end();
  }
}

describe.skipIf(skip)('sharded scans into one PostgreSQL catalog', () => {
  let server: PgServer;
  let standIn: AwsStandIn;
  let estate: AwsEstate;
  let url: string;
  const env = () =>
    scrubbedEnv({
      AWS_ACCESS_KEY_ID: SYNTHETIC_CALLER.accessKeyId,
      AWS_SECRET_ACCESS_KEY: SYNTHETIC_CALLER.secretAccessKey,
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL: standIn.url,
      NHI_CATALOG: url,
    });
  // The stand-in generates credential reports at once: poll for them quickly.
  const cwd = tempDir();
  writeFileSync(join(cwd, 'nhi.config.yaml'), 'providers:\n  aws:\n    pollIntervalMs: 20\n');
  const shardArgs = (i: number) => [
    'scan',
    '--provider',
    'aws',
    '--all-accounts',
    '--shard',
    `${i}/${SHARDS}`,
    '-q',
  ];

  beforeAll(async () => {
    server = await startPostgres();
    url = await server.database();
    estate = organization((i) => (i === 1 ? 60 : 3));
    standIn = await startAwsStandIn({ estate, now: () => now });
  });
  afterAll(async () => {
    await standIn?.close();
    server?.stop();
  });

  it(
    '8 shards at once: every account once, every key once, none lost, no deadlock',
    { timeout: 300_000 },
    async () => {
      // One logical scan: the shards share a run group (as GITHUB_RUN_ID gives them in Actions).
      const results = await Promise.all(
        Array.from({ length: SHARDS }, (_, i) =>
          nhi([...shardArgs(i + 1), '--run-group', 'matrix-1'], { env: env(), cwd }),
        ),
      );
      for (const r of results) expect(r.stderr).toBe('');
      expect(results.map((r) => r.code)).toEqual(Array(SHARDS).fill(0));
      const scopes = await rows<{ scope_id: string; run_id: number; status: string }>(
        url,
        `SELECT scope_id, run_id, status FROM scan_scopes ORDER BY scope_id`,
      );
      expect(scopes).toHaveLength(ACCOUNTS);
      expect(new Set(scopes.map((s) => s.scope_id)).size).toBe(ACCOUNTS);
      expect(scopes.every((s) => s.status === 'ok')).toBe(true);
      expect(new Set(scopes.map((s) => s.run_id)).size).toBe(SHARDS);
      // Each account landed in the shard its hash names.
      const runs = await rows<{ id: number }>(url, `SELECT id FROM scan_runs ORDER BY id`);
      expect(runs).toHaveLength(SHARDS);
      const keys = keysOf(estate);
      const stored = await rows<{ external_id: string; n: number }>(
        url,
        `SELECT external_id, count(*)::int AS n FROM credentials WHERE type = 'access-key' AND external_id LIKE 'AKIA%' GROUP BY external_id`,
      );
      expect(stored.filter((s) => s.n > 1)).toEqual([]);
      expect(new Set(stored.map((s) => s.external_id))).toEqual(new Set(keys));
      const per = new Map<number, Set<string>>();
      for (const s of scopes) per.set(s.run_id, (per.get(s.run_id) ?? new Set()).add(s.scope_id));
      for (const ids of per.values()) {
        expect(new Set([...ids].map((id) => shardOf('aws', id, SHARDS))).size).toBe(1);
      }
      // Views read the group as one scan: its head (the newest shard run) stands for all
      // eight, evaluated once, by the shard that finished last.
      const evaluations = await rows<{ run_id: number }>(
        url,
        `SELECT run_id::int FROM evaluations WHERE status = 'complete'`,
      );
      expect(evaluations).toEqual([{ run_id: Math.max(...runs.map((r) => Number(r.id))) }]);
      const listed = await nhi(['list', '--format', 'json', '--limit', 'all', '-t', 'access-key'], {
        env: env(),
        cwd,
      });
      expect(listed.code, listed.stderr).toBe(0);
      const ids = (JSON.parse(listed.stdout) as { externalId: string }[])
        .map((c) => c.externalId)
        .filter((id) => id.startsWith('AKIA'));
      expect(ids.sort()).toEqual([...keys].sort());
      const check = await nhi(['catalog', 'check'], { env: env(), cwd });
      expect(check.code, check.stdout).toBe(0);
    },
  );

  it('nhi catalog copy moves an SQLite catalog into an empty PostgreSQL one, and only that way', async () => {
    const file = join(tempDir(), 'catalog.db');
    const cat = openCatalog(file);
    const run = cat.beginRun({ providers: ['aws'], demo: false, version: 't', now });
    cat.writeScope(
      run,
      {
        kind: 'failure',
        scope: { provider: 'aws', id: '1', name: '1', kind: 'account' },
        error: 'x',
        code: null,
        apiCalls: 0,
      },
      1,
    );
    cat.finishRun(run, 'failed', now);
    cat.close();
    const target = await server.database();
    const r = await nhi(['catalog', 'copy', '--from', `sqlite:${file}`, '--to', target], {
      env: env(),
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^scan_runs: 1$/m);
    expect(r.stdout).toMatch(/^Copied 2 rows \(17 tables\) in one transaction\./);
    expect(await rows(target, `SELECT status FROM scan_runs`)).toEqual([{ status: 'failed' }]);
    const back = await nhi(['catalog', 'migrate', '--from', target, '--to', `sqlite:${file}`], {
      env: env(),
    });
    expect(back.code).toBe(2);
    expect(back.stderr).toMatch(/moves an SQLite catalog into PostgreSQL/);
  });

  it('a shard killed with SIGKILL mid-scope leaves that scope as it was and the others intact', async () => {
    const big = String(100000000001);
    const bigShard = shardOf('aws', big, SHARDS);
    const before = await rows<{ id: string; removed_run: number | null; last_seen_run: number }>(
      url,
      `SELECT id, removed_run, last_seen_run FROM credentials ORDER BY id`,
    );
    // The estate changes: the big account loses most of its users (a commit would mark them removed).
    const acct = standIn.estate.accounts.find((a) => a.id === big)!;
    acct.users.splice(10);
    // Hold the scope's last write (its scan_scopes row) so the kill lands inside the transaction;
    // the scope lock (not the migration lock, key 0) says the scanner is in it.
    const gate = new pg.Client({ connectionString: url });
    await gate.connect();
    await gate.query('BEGIN');
    await gate.query('LOCK TABLE scan_scopes IN SHARE MODE');
    const child = spawn(process.execPath, [BIN, ...shardArgs(bigShard)], {
      env: env(),
      cwd,
      stdio: 'ignore',
    });
    const exited = new Promise((r) => child.on('exit', r));
    let inside = false;
    for (let t = 0; t < 600 && !inside; t++) {
      const [w] = await rows<{ n: number }>(
        url,
        `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND classid = $1 AND objid <> 0 AND granted`,
        [0x6e6869],
      );
      inside = w!.n > 0;
      if (!inside) await new Promise((r) => setTimeout(r, 50));
    }
    expect(inside).toBe(true);
    child.kill('SIGKILL');
    await exited;
    await gate.query('ROLLBACK');
    await gate.end();
    // PostgreSQL rolled the scope back when the connection died.
    const after = await rows<{ id: string; removed_run: number | null; last_seen_run: number }>(
      url,
      `SELECT id, removed_run, last_seen_run FROM credentials ORDER BY id`,
    );
    expect(after).toEqual(before);
    // The next scanner marks the dead run aborted; the scope's latest ok scan is still the first.
    const r = await nhi(shardArgs(bigShard === 1 ? 2 : 1), { env: env(), cwd });
    expect(r.code).toBe(0);
    const runs = await rows<{ status: string }>(
      url,
      `SELECT status FROM scan_runs WHERE status = 'aborted'`,
    );
    expect(runs).toHaveLength(1);
    const scope = await rows(url, `SELECT status FROM scan_scopes WHERE scope_id = $1`, [big]);
    expect(scope).toEqual([{ status: 'ok' }]);
  });
});

describe('a PostgreSQL catalog: what is not there or not reachable says so in one line (exit 2)', () => {
  // Refused before connecting, or on connecting to a port nobody listens on: no server needed.
  const env = scrubbedEnv({ NHI_CATALOG: 'postgres://nhi@127.0.0.1:1/nhi' });
  it.each([
    [['list'], /catalog postgres:\/\/nhi@127.0.0.1:1\/nhi is not reachable/],
    [['check', '--fail-on', 'high'], /is not reachable/],
    // Playbooks live in the PostgreSQL catalog too: an unreachable one is said so, as for views.
    [['playbook', 'list'], /is not reachable/],
    [['scan', '--provider', 'aws', '--shard', '5/4'], /--shard 5\/4: expected i\/n/],
  ])('nhi %j', async (args, message) => {
    const r = await nhi(args, { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('refuses a password in the URL without echoing it', async () => {
    const r = await nhi(['scan', '--demo'], {
      env: scrubbedEnv({ NHI_CATALOG: 'postgres://nhi:s3cret@127.0.0.1:1/nhi' }),
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/use PGPASSWORD or ~\/.pgpass/);
    expect(r.stderr).not.toMatch(/s3cret/);
  });
});
