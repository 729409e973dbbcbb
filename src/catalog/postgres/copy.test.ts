import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresUnavailable, startPostgres, type PgServer } from '../../../fixtures/postgres.js';
import type { ScopeInventory } from '../../model/index.js';
import { openCatalog, openStore } from '../index.js';
import { copySqliteToPostgres } from './copy.js';

const skip = postgresUnavailable();
const now = new Date('2026-11-01T00:00:00Z');
const scope = {
  provider: 'aws' as const,
  id: '111122223333',
  name: 'prod',
  kind: 'account' as const,
};
const inv = (users: string[], status: 'active' | 'inactive' = 'active'): ScopeInventory => ({
  kind: 'inventory',
  scope,
  identities: users.map((u) => ({
    externalId: u,
    name: u,
    kind: 'user',
    owner: null,
    createdAt: null,
    tags: {},
    attributes: {},
    lastUsedAt: null,
    lastUsedKnown: false,
  })),
  credentials: users.map((u) => ({
    externalId: `AKIA-${u}`,
    identityExternalId: u,
    type: 'access-key',
    name: null,
    status,
    createdAt: null,
    expiresAt: null,
    lastUsedAt: null,
    lastUsedKnown: false,
    attributes: {},
  })),
  grants: [],
  gaps: [{ signal: 'last-used', message: 'no access advisor', code: 'AccessDenied', fix: null }],
  apiCalls: 2,
});

describe.skipIf(skip)('nhi catalog copy: SQLite to PostgreSQL with history', () => {
  let server: PgServer;
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(() => server?.stop());

  it('copies every table row for row, continues the ids, and refuses a non-empty target', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'nhi-copy-')), 'catalog.db');
    const cat = openCatalog(file);
    for (const [users, status] of [
      [['alice', 'bob'], 'active'],
      [['alice'], 'inactive'],
    ] as const) {
      const run = cat.beginRun({ providers: ['aws'], demo: false, version: 't', now });
      cat.writeScope(run, inv([...users], status), 1);
      cat.finishRun(run, 'ok', now);
    }
    const count = (t: string) =>
      (cat.db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n;
    const expected = {
      scan_runs: count('scan_runs'),
      credentials: count('credentials'),
      changes: count('changes'),
      coverage_gaps: count('coverage_gaps'),
    };
    cat.close();
    expect(expected.changes).toBeGreaterThan(0);

    const url = await server.database();
    const copied = await copySqliteToPostgres(`sqlite:${file}`, url);
    expect(copied).toMatchObject(expected);
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    const removed = await c.query(
      `SELECT external_id, status, removed_run::int FROM credentials ORDER BY external_id`,
    );
    expect(removed.rows).toEqual([
      { external_id: 'AKIA-alice', status: 'inactive', removed_run: null },
      { external_id: 'AKIA-bob', status: 'active', removed_run: 2 },
    ]);
    // A scan after the copy continues the run ids and the history.
    const store = await openStore(url);
    const run = await store.beginRun({ providers: ['aws'], demo: false, version: 't', now });
    expect(run).toBe(3);
    await store.writeScope(run, inv(['alice', 'bob']), 1);
    await store.finishRun(run, 'ok', now);
    await store.close();
    const back = await c.query(
      `SELECT removed_run::int FROM credentials WHERE external_id = 'AKIA-bob'`,
    );
    expect(back.rows).toEqual([{ removed_run: null }]);
    await c.end();
    await expect(copySqliteToPostgres(file, url)).rejects.toThrow(
      /already holds scans: copy into an empty PostgreSQL catalog/,
    );
  });
});
