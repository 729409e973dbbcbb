/**
 * The stored evaluation is the engine's evaluation: evaluating a run scope by scope, in batches
 * of identities, and storing it gives exactly the findings, suppressions, expired exceptions and
 * scores the in-memory engine gives for the whole estate at once — on the demo estate and on
 * synthetic estates of several scopes (with records whose identity is gone). On both backends:
 * PostgreSQL evaluates a copy of the same scans itself.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { openCatalog, openStore, type Catalog, type CatalogStore } from '../src/catalog/index.js';
import { copySqliteToPostgres } from '../src/catalog/postgres/copy.js';
import { backends, type Backend } from '../fixtures/backends.js';
import type { Finding, ScanRun } from '../src/model/index.js';
import { evaluateRun } from '../src/scan/evaluate.js';
import { evaluate } from '../src/scoring/engine.js';
import { defaultPolicy, type Policy } from '../src/scoring/policy.js';
import { syntheticInventory } from '../fixtures/synthetic/inventory.js';
import { nhi, tempDir } from './run-cli.js';

/** A policy that exercises every stored part: overrides, a switched-off rule, live and expired exceptions. */
const POLICY: Policy = {
  rules: {
    'no-owner': { enabled: false },
    'credential-rotation': { severity: 'high', options: { maxAgeDays: 200 } },
  },
  exceptions: [
    { rule: 'credential-unused', reason: 'migrating', expires: '2099-01-01' },
    { rule: 'credential-never-used', id: 'AKIA*', reason: 'old', expires: '2020-01-01' },
    {
      provider: 'aws',
      scope: '*',
      rule: 'admin-grant',
      reason: 'break-glass',
      expires: '2099-12-31',
    },
  ],
};

async function collect<T>(pages: AsyncIterable<readonly T[]>): Promise<T[]> {
  const all: T[] = [];
  for await (const p of pages) all.push(...p);
  return all;
}

/**
 * The backend's store over the SQLite catalog's scans: SQLite's own, or a PostgreSQL copy
 * without its stored evaluations (so PostgreSQL evaluates every run itself).
 */
async function storeOf(backend: Backend, cat: Catalog): Promise<CatalogStore> {
  if (backend.name === 'sqlite') return cat.store();
  const url = await backend.fresh();
  await copySqliteToPostgres(cat.path, url);
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query(`TRUNCATE evaluations, evaluation_scopes, evaluation_exceptions,
    expired_exception_matches, findings, scores`);
  await c.end();
  return openStore(url);
}

/** Compares what is stored for the run with the engine's evaluation of the whole snapshot. */
async function expectStoredEqualsEngine(
  cat: Catalog,
  store: CatalogStore,
  run: ScanRun,
  policy: Policy,
) {
  const snap = cat.snapshot(run.id)!;
  const expected = evaluate({ now: new Date(run.startedAt), ...snap }, policy);
  const stored = (await store.evaluation(run.id))!;
  // Stored findings also carry their subject's owner (test/owners-stored.test.ts checks those).
  expect((await collect(store.findings({ evaluationId: stored.id }))).map(withoutOwner)).toEqual(
    expected.findings,
  );

  const suppressed = await collect(store.suppressed(stored.id));
  expect(suppressed.map((s) => withoutOwner(s.finding)).sort(byFingerprint)).toEqual(
    expected.suppressed.map((s) => s.finding).sort(byFingerprint),
  );
  expect(suppressed.map((s) => policy.exceptions[s.exceptionIndex]).sort()).toEqual(
    expected.suppressed.map((s) => s.exception).sort(),
  );

  const exceptions = await store.exceptions(stored.id);
  const expired = exceptions.filter((e) => e.expiredAt !== null);
  expect(expired.map((e) => e.exception)).toEqual(
    expected.expiredExceptions.map((e) => e.exception),
  );
  for (const [i, e] of expected.expiredExceptions.entries()) {
    expect(expired[i]!.expiredAt).toBe(e.expiredAt);
    expect(await collect(store.expiredMatches(stored.id, expired[i]!.index))).toEqual(
      e.findings.map((f) => f.fingerprint),
    );
  }

  const scores = new Map(
    // The stored ownership is test/owners-stored.test.ts's subject; the engine's scores lack it.
    (await collect(store.scores(stored.id))).map(
      ({ ownership: _o, ...s }) => [s.subjectId, s] as const,
    ),
  );
  for (const s of expected.scores) expect(scores.get(s.subjectId), s.subjectId).toEqual(s);
  // Every present subject is scored; those the engine left out are clean: 0, band low.
  const engineScored = new Set(expected.scores.map((s) => s.subjectId));
  for (const subject of [...snap.identities, ...snap.credentials]) {
    const s = scores.get(subject.id);
    expect(s, subject.id).toBeDefined();
    if (!engineScored.has(subject.id)) expect(s).toMatchObject({ score: 0, band: 'low' });
  }
  expect(stored.summary.suppressed).toBe(expected.suppressed.length);
  return expected;
}

function withoutOwner(f: Finding): Finding {
  const { owner: _o, team: _t, ownerVia: _v, purpose: _p, ...rest } = f;
  return rest;
}

const byFingerprint = (a: { fingerprint: string }, b: { fingerprint: string }) =>
  a.fingerprint < b.fingerprint ? -1 : a.fingerprint > b.fingerprint ? 1 : 0;

describe.each(backends)('the stored evaluation equals the in-memory engine ($name)', (backend) => {
  const path = join(tempDir(), 'demo.db');

  beforeAll(async () => {
    if (backend.skip) return;
    const scan = await nhi(['scan', '--demo', '--catalog', path]);
    expect(scan.code, scan.stderr).toBe(0);
  }, 180_000);

  it.skipIf(backend.skip)(
    'on the demo estate, as the scan stored it and under another policy in small batches',
    async () => {
      const cat = openCatalog(path);
      const store = await storeOf(backend, cat);
      try {
        const run = cat.latestRun()!;
        if (backend.name === 'postgres') await evaluateRun(store, run, { policy: defaultPolicy() });
        const demo = await expectStoredEqualsEngine(cat, store, run, defaultPolicy());
        // Cross-account trust between scanned accounts is not external, whatever the batch.
        expect(demo.findings.length).toBeGreaterThan(300);
        await evaluateRun(store, run, { policy: POLICY, batchIdentities: 7 });
        const other = await expectStoredEqualsEngine(cat, store, run, POLICY);
        expect(other.suppressed.length).toBeGreaterThan(0);
        expect(other.expiredExceptions[0]!.findings.length).toBeGreaterThan(0);
      } finally {
        await store.close();
        if (backend.name !== 'sqlite') cat.close();
      }
    },
  );

  it.skipIf(backend.skip)(
    'on a synthetic estate of three scopes, with credentials whose identity is gone',
    async () => {
      const now = new Date('2026-11-01T00:00:00Z');
      const cat = openCatalog(join(tempDir(), 'synthetic.db'));
      try {
        const scopes = ['111100002222', '111100003333', '111100004444'].map((scopeId, i) =>
          syntheticInventory({ identities: 300 + 50 * i, now, seed: 11 + i, scopeId }),
        );
        const first = cat.beginRun({ providers: ['aws'], demo: false, version: 't', now });
        for (const inv of scopes) cat.writeScope(first, inv, 0);
        cat.finishRun(first, 'ok', now);

        // A rescan in which a third of one scope's users went away but its keys could not all be
        // listed: those keys stay present without their identity.
        const later = new Date('2026-11-08T00:00:00Z');
        const second = cat.beginRun({ providers: ['aws'], demo: false, version: 't', now: later });
        const a = scopes[0]!;
        const kept = a.identities.slice(0, 200);
        const keptIds = new Set(kept.map((x) => x.externalId));
        cat.writeScope(
          second,
          {
            ...a,
            identities: kept,
            credentials: a.credentials.filter((c) => keptIds.has(c.identityExternalId)),
            grants: a.grants.filter((g) => keptIds.has(g.identityExternalId)),
            incomplete: ['credentials'],
          },
          0,
        );
        cat.writeScope(second, scopes[1]!, 0);
        cat.finishRun(second, 'partial', later);
        const run = cat.run(second)!;
        const snap = cat.snapshot(second)!;
        const identities = new Set(snap.identities.map((i) => i.id));
        expect(snap.credentials.some((c) => !identities.has(c.identityId))).toBe(true);
        const store = await storeOf(backend, cat);
        try {
          await evaluateRun(store, cat.run(first)!, { policy: POLICY, batchIdentities: 64 });
          await expectStoredEqualsEngine(cat, store, cat.run(first)!, POLICY);
          await evaluateRun(store, run, { policy: defaultPolicy(), batchIdentities: 50 });
          await expectStoredEqualsEngine(cat, store, run, defaultPolicy());
        } finally {
          await store.close();
        }
      } finally {
        if (backend.name !== 'sqlite') cat.close();
      }
    },
  );
});
