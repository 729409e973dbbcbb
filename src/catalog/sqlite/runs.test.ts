/**
 * Pruning keeps every answer about the runs that stay: what was present at each, what was
 * added or removed between them, the gaps in force; and it keeps the scans those answers read.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Credential, Scope, ScopeResult } from '../../model/index.js';
import { openCatalog, type Catalog, type CatalogStore } from '../index.js';

const now = new Date('2026-11-01T00:00:00Z');
const prod: Scope = { provider: 'aws', id: '111122223333', name: 'prod', kind: 'account' };
const dev: Scope = { provider: 'aws', id: '444455556666', name: 'dev', kind: 'account' };

function key(id: string, status: Credential['status'] = 'active'): Credential {
  return {
    externalId: id,
    identityExternalId: 'u/app',
    type: 'access-key',
    name: null,
    status,
    createdAt: '2025-01-01T00:00:00Z',
    expiresAt: null,
    lastUsedAt: null,
    lastUsedKnown: true,
    attributes: {},
  };
}

const inventory = (scope: Scope, keys: Credential[]): ScopeResult => ({
  kind: 'inventory',
  scope,
  identities: [
    {
      externalId: 'u/app',
      name: 'app',
      kind: 'user',
      owner: null,
      createdAt: null,
      tags: {},
      attributes: {},
      lastUsedAt: null,
      lastUsedKnown: true,
    },
  ],
  credentials: keys,
  grants: [],
  gaps: [{ signal: 'access-advisor', message: `${scope.name} gap`, code: null, fix: null }],
  apiCalls: 1,
});

let cat: Catalog | undefined;
afterEach(() => cat?.close());

function open(): { cat: Catalog; store: CatalogStore } {
  cat = openCatalog(join(mkdtempSync(join(tmpdir(), 'nhi-prune-')), 'c.db'));
  return { cat, store: cat.store() };
}

function scan(c: Catalog, ...results: ScopeResult[]): number {
  const run = c.beginRun({ providers: ['aws'], demo: false, version: 'test', now });
  for (const r of results) c.writeScope(run, r, 1);
  c.finishRun(run, 'ok', now);
  return run;
}

async function all<T>(pages: AsyncIterable<readonly T[]>): Promise<T[]> {
  const rows: T[] = [];
  for await (const p of pages) rows.push(...p);
  return rows;
}

const present = (c: Catalog, run: number) =>
  c
    .snapshot(run)!
    .credentials.map((x) => `${x.externalId}:${x.status}`)
    .sort();

describe('prune', () => {
  it('keeps what is present at, and what changed between, the runs that stay', async () => {
    const { cat, store } = open();
    scan(cat, inventory(prod, [key('K1'), key('K2')]));
    scan(cat, inventory(prod, [key('K2'), key('K3')]));
    scan(cat, inventory(prod, [key('K3', 'inactive'), key('K4')]));
    scan(cat, inventory(prod, [key('K4')]));
    const before = {
      at3: present(cat, 3),
      at4: present(cat, 4),
      added: (await all(store.credentialDiff(3, 4, 'added'))).map((x) => x.externalId),
      removed: (await all(store.credentialDiff(3, 4, 'removed'))).map((x) => x.externalId),
      status: await all(store.fieldChanges(2, 4, 'status')),
    };

    const dry = await store.prune({ keepRuns: 2, dryRun: true });
    expect(dry.runs).toEqual([1, 2]);
    expect(dry.bytesAfter).toBeNull();
    expect((await store.runs({})).map((r) => r.id)).toEqual([4, 3, 2, 1]);

    const done = await store.prune({ keepRuns: 2, dryRun: false });
    expect(done.runs).toEqual([1, 2]);
    // K1 and K2 were removed by run 3 at the latest: no remaining run shows them.
    expect(done.rows).toMatchObject({ credentials: 2, runs: 2, gaps: 2, scopes: 2 });
    expect((await store.runs({})).map((r) => r.id)).toEqual([4, 3]);
    expect(present(cat, 3)).toEqual(before.at3);
    expect(present(cat, 4)).toEqual(before.at4);
    expect((await all(store.credentialDiff(3, 4, 'added'))).map((x) => x.externalId)).toEqual(
      before.added,
    );
    expect((await all(store.credentialDiff(3, 4, 'removed'))).map((x) => x.externalId)).toEqual(
      before.removed,
    );
    // K3's status change happened in run 3, which stays; nothing else became history.
    expect(await all(store.fieldChanges(2, 4, 'status'))).toEqual(before.status);
    expect(
      before.status.map((x) => `${x.credentialExternalId}:${x.oldValue}→${x.newValue}`),
    ).toEqual(['K3:active→inactive']);
    expect(cat.db.prepare(`SELECT count(*) AS n FROM changes WHERE run_id < 3`).get()).toEqual({
      n: 0,
    });
    expect(cat.db.pragma('foreign_key_check')).toEqual([]);
  });

  it('keeps the scan a remaining scan reads a scope from, and the latest scan', async () => {
    const { cat, store } = open();
    scan(cat, inventory(prod, [key('P1')]), inventory(dev, [key('D1')]));
    scan(cat, inventory(prod, [key('P1')]));
    scan(cat, inventory(prod, [key('P1')]));
    const gaps = cat.gapsInForce(3).map((g) => g.message);
    expect(gaps).toEqual(['prod gap', 'dev gap']);

    const r = await store.prune({ keepRuns: 1, dryRun: false });
    expect(r.runs).toEqual([2]);
    expect(r.kept).toEqual([
      { runId: 1, reason: 'the latest successful scan of a scope as of scan #3' },
    ]);
    expect(cat.gapsInForce(3).map((g) => g.message)).toEqual(gaps);
    expect(present(cat, 3)).toEqual(['D1:active', 'P1:active']);

    const latest = await store.prune({ before: '2999-01-01T00:00:00Z', dryRun: false });
    expect(latest.runs).toEqual([]);
    expect(latest.kept.map((k) => k.reason)).toContain('the latest scan');
  });
});
