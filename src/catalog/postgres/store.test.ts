import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresUnavailable, startPostgres, type PgServer } from '../../../fixtures/postgres.js';
import type { Credential, Identity, ScopeInventory } from '../../model/index.js';
import { MIGRATIONS } from '../migrations/index.js';
import { evaluateRun } from '../../scan/evaluate.js';
import { defaultPolicy } from '../../scoring/policy.js';
import { randomBytes } from 'node:crypto';
import { openStore, SCHEMA_VERSION } from '../index.js';
import { keyIdOf } from '../audit-log.js';
import { REVOKE_PLAN as PLAN } from '../../../fixtures/playbook-plan.js';
import type { CatalogStore } from '../store.js';

const skip = postgresUnavailable();
if (skip) console.warn(skip);

const now = new Date('2026-11-01T00:00:00Z');
const scope = {
  provider: 'aws' as const,
  id: '111122223333',
  name: 'prod',
  kind: 'account' as const,
};

const identity = (externalId: string): Identity => ({
  externalId,
  name: externalId,
  kind: 'user',
  owner: null,
  createdAt: '2025-01-01T00:00:00Z',
  tags: { team: 'x' },
  attributes: {},
  lastUsedAt: null,
  lastUsedKnown: false,
});

const key = (id: string, user: string, status: Credential['status'] = 'active'): Credential => ({
  externalId: id,
  identityExternalId: user,
  type: 'access-key',
  name: null,
  status,
  createdAt: '2025-01-01T00:00:00Z',
  expiresAt: null,
  lastUsedAt: '2026-10-01T00:00:00Z',
  lastUsedKnown: true,
  attributes: { handle: id.slice(-4) },
});

const inventory = (users: string[], keys: Credential[], s = scope): ScopeInventory => ({
  kind: 'inventory',
  scope: s,
  identities: users.map(identity),
  credentials: keys,
  grants: [],
  gaps: [],
  apiCalls: 3,
});

async function scan(store: CatalogStore, inv: ScopeInventory, at = now) {
  const run = await store.beginRun({ providers: ['aws'], demo: false, version: 't', now: at });
  const stats = await store.writeScope(run, inv, 5);
  await store.finishRun(run, 'ok', at);
  return { run, stats };
}

async function query<T>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(sql, params)).rows as T[];
  } finally {
    await c.end();
  }
}

describe.skipIf(skip)('PostgreSQL catalog backend', () => {
  let server: PgServer;
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(() => server?.stop());

  it('records scans scope by scope with history, and marks removed only on a successful rescan', async () => {
    const url = await server.database();
    const store = await openStore(url);
    const first = await scan(
      store,
      inventory(['alice', 'bob'], [key('AKIA1', 'alice'), key('AKIA2', 'bob')]),
    );
    expect(first.stats).toEqual({ identities: 2, credentials: 2, grants: 0, removed: 0 });
    // A failed scope touches nothing.
    const failed = await store.beginRun({ providers: ['aws'], demo: false, version: 't', now });
    await store.writeScope(
      failed,
      { kind: 'failure', scope, error: 'AccessDenied', code: 'AccessDenied', apiCalls: 1 },
      1,
    );
    await store.finishRun(failed, 'failed', now);
    const second = await scan(store, inventory(['alice'], [key('AKIA1', 'alice', 'inactive')]));
    expect(second.stats!.removed).toBe(2); // bob and his key
    expect((await store.scopesOfRun(failed))[0]).toMatchObject({
      status: 'failed',
      error: 'AccessDenied',
    });
    expect((await store.latestRun())!.id).toBe(second.run);
    expect((await store.previousRun(second.run))!.id).toBe(first.run);
    expect(await store.presentScopes(second.run)).toEqual([
      { provider: 'aws', scopeId: scope.id, identities: true },
    ]);
    await store.close();
    const creds = await query<{ external_id: string; status: string; removed_run: number | null }>(
      url,
      `SELECT external_id, status, removed_run FROM credentials ORDER BY external_id`,
    );
    expect(creds).toEqual([
      { external_id: 'AKIA1', status: 'inactive', removed_run: null },
      { external_id: 'AKIA2', status: 'active', removed_run: second.run },
    ]);
    const changes = await query<{ field: string; old_value: string; new_value: string }>(
      url,
      `SELECT field, old_value, new_value FROM changes ORDER BY seq`,
    );
    expect(changes).toContainEqual({ field: 'status', old_value: 'active', new_value: 'inactive' });
    expect(changes).toContainEqual({
      field: 'removed_run',
      old_value: null,
      new_value: String(second.run),
    });
  });

  it('gives a scope being written by another scanner to it alone: the loser records a clear failure', async () => {
    const url = await server.database();
    const store = await openStore(url);
    await scan(store, inventory(['alice'], [key('AKIA1', 'alice')]));
    const other = new pg.Client({ connectionString: url });
    await other.connect();
    await other.query('BEGIN');
    await other.query(`SELECT pg_advisory_xact_lock($1, hashtext($2))`, [
      0x6e6869,
      `aws/${scope.id}`,
    ]);
    const run = await store.beginRun({ providers: ['aws'], demo: false, version: 't', now });
    expect(await store.writeScope(run, inventory([], []), 1)).toBeNull();
    const [rec] = await store.scopesOfRun(run);
    expect(rec).toMatchObject({ status: 'failed', errorCode: 'ScopeLocked' });
    expect(rec!.error).toMatch(/another nhi scan is writing aws scope 111122223333/);
    await other.query('ROLLBACK');
    await other.end();
    // Nothing was marked removed by the loser (it wrote an empty inventory).
    const removed = await query(url, `SELECT 1 FROM credentials WHERE removed_run IS NOT NULL`);
    expect(removed).toEqual([]);
    await store.close();
  });

  it('lets scanners open an empty database at once (one migrates) and refuses a newer schema in one line', async () => {
    const url = await server.database();
    const stores = await Promise.all([1, 2, 3, 4].map(() => openStore(url)));
    await Promise.all(stores.map((s) => s.close()));
    const versions = await query<{ version: number }>(
      url,
      `SELECT version FROM nhi_schema ORDER BY version`,
    );
    // Both backends carry every schema version: a SQLite migration without its PostgreSQL twin fails here.
    expect(versions.map((v) => v.version)).toEqual(
      MIGRATIONS.map((m) => m.version).sort((a, b) => a - b),
    );
    await query(url, `INSERT INTO nhi_schema VALUES (99, 'future', now())`);
    await expect(openStore(url)).rejects.toThrow(
      new RegExp(
        `has schema version 99, newer than this nhi understands \\(${SCHEMA_VERSION}\\): upgrade nhi`,
      ),
    );
  });

  it('refuses a password in the URL with one line', async () => {
    const url = await server.database();
    await expect(openStore(url.replace('postgres@', 'postgres:s3cret@'))).rejects.toThrow(
      /password in the catalog URL .* use PGPASSWORD or ~\/.pgpass/,
    );
    await expect(openStore(url.replace('postgres@', 'postgres:s3cret@'))).rejects.not.toThrow(
      /s3cret/,
    );
    // Views read a PostgreSQL catalog like an SQLite one.
    await (await openStore(url, { readonly: true })).close();
  });

  it("runs as the README's least-privilege role: DML on the owner's schema, no DDL, DELETE only on evaluations", async () => {
    const url = await server.database();
    const db = new URL(url).pathname.slice(1);
    await query(url, `CREATE ROLE nhi_owner_${db} LOGIN; CREATE ROLE nhi_scanner_${db} LOGIN;`);
    const owner = url.replace('postgres@', `nhi_owner_${db}@`);
    const scanner = url.replace('postgres@', `nhi_scanner_${db}@`);
    await query(
      url,
      `CREATE SCHEMA nhi AUTHORIZATION nhi_owner_${db};
       ALTER ROLE nhi_owner_${db} SET search_path = nhi; ALTER ROLE nhi_scanner_${db} SET search_path = nhi;
       GRANT USAGE ON SCHEMA nhi TO nhi_scanner_${db};`,
    );
    await query(
      owner,
      `ALTER DEFAULT PRIVILEGES FOR ROLE nhi_owner_${db} IN SCHEMA nhi GRANT SELECT, INSERT, UPDATE ON TABLES TO nhi_scanner_${db};
       ALTER DEFAULT PRIVILEGES FOR ROLE nhi_owner_${db} IN SCHEMA nhi GRANT USAGE ON SEQUENCES TO nhi_scanner_${db};`,
    );
    // Before the owner migrates, the scanner cannot: one line.
    await expect(openStore(scanner)).rejects.toThrow(/cannot be migrated: permission denied/);
    await (await openStore(owner)).close();
    await query(
      owner,
      `GRANT DELETE ON evaluations, evaluation_scopes, evaluation_exceptions,
         expired_exception_matches, findings, scores TO nhi_scanner_${db}`,
    );
    const store = await openStore(scanner);
    const first = await scan(store, inventory(['alice'], [key('AKIA1', 'alice')]));
    // Evaluating, and evaluating again under another policy (which replaces the first).
    const run = (await store.run(first.run))!;
    await evaluateRun(store, run, { policy: defaultPolicy() });
    const again = await evaluateRun(store, run, {
      policy: { ...defaultPolicy(), rules: { 'no-owner': { enabled: false } } },
    });
    expect((await store.evaluation(first.run))!.id).toBe(again.id);
    const second = await scan(store, inventory([], []));
    expect(second.stats!.removed).toBe(2);
    // Playbooks need nothing more: runs, journal, claims and the audit chain are DML and locks.
    const secret = randomBytes(32);
    const playbooks = store.playbooks({ key: () => ({ secret, id: keyIdOf(secret) }) });
    const runId = await playbooks.createRun(PLAN, 't0');
    expect(await playbooks.claim(runId, 'me@host', () => true)).toBeNull();
    await playbooks.updateStep(runId, 1, { status: 'done' }, 't1', {
      at: 't1',
      actor: 'ops@host',
      runId,
      step: 1,
      action: 'deactivate',
      result: 'ok',
    });
    await playbooks.release(runId, 'me@host');
    await playbooks.setRunStatus(runId, 'done', 't2');
    expect(await playbooks.audit()).toHaveLength(1);
    await store.close();
    await expect(query(scanner, `DELETE FROM credentials`)).rejects.toThrow(/permission denied/);
  });
});
