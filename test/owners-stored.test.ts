/**
 * Owners stored with the evaluation (migration 0008) are what attributing the whole run in every
 * view gave before: on the demo estate and on a synthetic estate (with an ownership map and
 * credentials whose identity is gone), every subject's stored attribution, every finding's
 * owner fields and `nhi owners`' groups and unowned list equal the per-view computation. At
 * scale, `--owner`/`--team` are indexed queries (SQLite's plan searches the owner index, never
 * scans the evaluation), and `list --owner` counts what it shows.
 */
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { openCatalog, type Catalog, type CatalogStore } from '../src/catalog/index.js';
import { credentialListQuery, identityListQuery } from '../src/catalog/sqlite/views.js';
import { findingListQuery } from '../src/catalog/sqlite/evaluations.js';
import type { Finding, ScanRun, StoredCredential, StoredIdentity } from '../src/model/index.js';
import { attributeAll, withOwner } from '../src/owners/annotate.js';
import type { OwnershipRule } from '../src/owners/map.js';
import { ownerGroups, unownedIdentities } from '../src/owners/summary.js';
import { evaluateRun, policyFingerprint } from '../src/scan/evaluate.js';
import { defaultPolicy } from '../src/scoring/policy.js';
import { syntheticInventory } from '../fixtures/synthetic/inventory.js';
import { summarizeOwners } from './owners-reference.js';
import { nhi, scrubbedEnv, tempDir } from './run-cli.js';

async function collect<T>(pages: AsyncIterable<readonly T[]>): Promise<T[]> {
  const all: T[] = [];
  for await (const p of pages) all.push(...p);
  return all;
}

/** What `loadOwnership` computed in every view before: the whole run, attributed at once. */
async function perView(
  store: CatalogStore,
  evaluationId: number,
  runId: number,
  map: readonly OwnershipRule[],
) {
  const q = { evaluationId, runId, sort: 'provider' as const, includeRemoved: true };
  const identities = (await collect(store.identities(q))).map((r) => r.identity);
  const credentials = (await collect(store.credentials(q))).map((r) => r.credential);
  return { identities, credentials, owners: attributeAll({ identities, credentials }, map) };
}

const ownerFields = (f: Finding) => ({
  owner: f.owner,
  team: f.team,
  ownerVia: f.ownerVia,
  purpose: f.purpose,
});

async function expectStoredEqualsPerView(
  cat: Catalog,
  run: ScanRun,
  map: readonly OwnershipRule[],
) {
  const store = cat.store();
  const evaluation = (await store.evaluation(run.id))!;
  const { identities, credentials, owners } = await perView(store, evaluation.id, run.id, map);

  const scores = await collect(store.scores(evaluation.id));
  expect(scores.length).toBeGreaterThan(0);
  let owned = 0;
  for (const s of scores) {
    expect(s.ownership ?? null, s.subjectId).toEqual(owners.get(s.subjectId) ?? null);
    if (s.ownership?.owned) owned += 1;
  }
  expect(owned).toBeGreaterThan(0);

  const reported = await collect(store.findings({ evaluationId: evaluation.id }));
  const suppressed = (await collect(store.suppressed(evaluation.id))).map((s) => s.finding);
  for (const f of [...reported, ...suppressed])
    expect(ownerFields(f), f.fingerprint).toEqual(
      ownerFields(
        withOwner(
          { ...f, owner: undefined, team: undefined, ownerVia: undefined, purpose: undefined },
          owners.get(f.subjectId),
        ),
      ),
    );

  // nhi owners: SQL grouping over the stored evaluation = the per-view summary.
  const present = <T extends StoredIdentity | StoredCredential>(x: T) => x.removedRun === null;
  const reference = summarizeOwners({
    identities: identities.filter(present),
    credentials: credentials.filter(present),
    findings: reported.filter((f) => f.outcome === 'fail'),
    scores,
    owners,
  });
  const key = (g: { owner: string | null; team: string | null; departed: boolean }) =>
    JSON.stringify([g.owner, g.team, g.departed]);
  const groups = await ownerGroups(store, evaluation.id);
  expect(groups.length).toBe(reference.owners.length);
  // Same groups (the order of groups that tie on every sort key may differ).
  expect(groups.map(key).sort()).toEqual(reference.owners.map(key).sort());
  const byKey = new Map(groups.map((g) => [key(g), g]));
  for (const r of reference.owners) {
    const g = byKey.get(key(r))!;
    expect(g, key(r)).toMatchObject({
      identities: r.identities.length,
      credentials: r.credentials.length,
      worstScore: r.worstScore,
      findings: r.findings,
    });
    // The reference took the playbook of whichever finding came first; stored: any that has one.
    const todo = (t: { ruleId: string; count: number }[]) => t.map((x) => [x.ruleId, x.count]);
    expect(todo(g.todo)).toEqual(todo(r.todo));
  }
  const unowned = await collect(unownedIdentities(store, evaluation.id));
  const byId = (a: { identityId: string }, b: { identityId: string }) =>
    a.identityId < b.identityId ? -1 : 1;
  expect(unowned.map((u) => u.identityId).sort()).toEqual(
    reference.unowned.map((u) => u.identityId).sort(),
  );
  expect([...unowned].sort(byId)).toEqual([...reference.unowned].sort(byId));
  return { groups, unowned };
}

describe('owners stored with the evaluation equal the per-view computation', () => {
  it('on the demo estate', async () => {
    const path = join(tempDir(), 'demo.db');
    const scan = await nhi(['scan', '--demo', '-q', '--catalog', path], {
      env: scrubbedEnv(),
      cwd: tempDir(),
    });
    expect(scan.code, scan.stderr).toBe(0);
    const cat = openCatalog(path);
    try {
      const { groups, unowned } = await expectStoredEqualsPerView(cat, cat.latestRun()!, []);
      expect(groups.some((g) => g.departed)).toBe(true);
      expect(unowned.some((u) => u.candidate !== null)).toBe(true);
    } finally {
      cat.close();
    }
  }, 180_000);

  it('on a synthetic estate with an ownership map and credentials whose identity is gone', async () => {
    const now = new Date('2026-11-01T00:00:00Z');
    const cat = openCatalog(join(tempDir(), 'synthetic.db'));
    const map: OwnershipRule[] = [
      { match: { tag: 'env=prod', name: 'svc-1*' }, team: 'Payments', source: 'test:1:1' },
      {
        match: { name: 'svc-*7' },
        owner: 'Zed@Example.com',
        purpose: 'batch jobs',
        source: 'test:2:1',
      },
    ];
    try {
      const a = syntheticInventory({ identities: 400, now, seed: 5, scopeId: '111100002222' });
      const b = syntheticInventory({ identities: 300, now, seed: 6, scopeId: '111100003333' });
      const first = cat.beginRun({ providers: ['aws'], demo: false, version: 't', now });
      cat.writeScope(first, a, 0);
      cat.writeScope(first, b, 0);
      cat.finishRun(first, 'ok', now);
      // A rescan where some users went but their keys could not all be listed.
      const later = new Date('2026-11-08T00:00:00Z');
      const second = cat.beginRun({ providers: ['aws'], demo: false, version: 't', now: later });
      const kept = new Set(a.identities.slice(0, 300).map((x) => x.externalId));
      cat.writeScope(
        second,
        {
          ...a,
          identities: a.identities.filter((x) => kept.has(x.externalId)),
          credentials: a.credentials.filter((c) => kept.has(c.identityExternalId)),
          grants: a.grants.filter((g) => kept.has(g.identityExternalId)),
          incomplete: ['credentials'],
        },
        0,
      );
      cat.writeScope(second, b, 0);
      cat.finishRun(second, 'partial', later);
      const run = cat.run(second)!;
      await evaluateRun(cat.store(), run, {
        policy: defaultPolicy(),
        owners: map,
        batchIdentities: 37,
      });
      const { groups } = await expectStoredEqualsPerView(cat, run, map);
      expect(groups.some((g) => g.team === 'Payments')).toBe(true);
      expect(groups.some((g) => g.owner === 'Zed@Example.com')).toBe(true);
    } finally {
      cat.close();
    }
  }, 120_000);

  it('an edit of the ownership map changes the evaluation fingerprint', () => {
    const rule: OwnershipRule = { match: { name: 'x' }, owner: 'a', source: 'f:1:1' };
    const policy = defaultPolicy();
    const base = policyFingerprint(policy, undefined, []);
    expect(policyFingerprint(policy, undefined, [rule])).not.toBe(base);
    expect(policyFingerprint(policy, undefined, [{ ...rule, owner: 'b' }])).not.toBe(
      policyFingerprint(policy, undefined, [rule]),
    );
  });
});

describe('--owner and --team at scale', () => {
  const dir = tempDir();
  const path = join(dir, 'scale.db');
  const cwd = tempDir('nhi-cwd-');
  const run = (args: string[]) => nhi([...args, '--catalog', path], { env: scrubbedEnv(), cwd });

  beforeAll(async () => {
    const now = new Date();
    const cat = openCatalog(path);
    try {
      const id = cat.beginRun({ providers: ['aws'], demo: false, version: 't', now });
      cat.writeScope(id, syntheticInventory({ identities: 6_000, now, seed: 9 }), 0);
      cat.finishRun(id, 'ok', now);
    } finally {
      cat.close();
    }
    // One identity in a thousand belongs to the owner asked for.
    writeFileSync(
      join(cwd, 'nhi.config.yaml'),
      'owners:\n  map:\n    - match: { name: "svc-*999" }\n      owner: Rare@Example.com\n      team: rare\n',
    );
    const listed = await run(['list', '--json', '--limit', '1']);
    expect(listed.code, listed.stderr).toBe(0);
  }, 300_000);

  it('lists, reports and checks only that owner’s rows, and list counts what it shows', async () => {
    const rows = JSON.parse(
      (await run(['list', '--json', '--owner', 'rare@example.com'])).stdout,
    ) as {
      identityName: string;
      owner: string;
    }[];
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) expect(r).toMatchObject({ owner: 'Rare@Example.com' });
    expect(new Set(rows.map((r) => r.identityName))).toEqual(
      new Set(['svc-999', 'svc-1999', 'svc-2999', 'svc-3999', 'svc-4999', 'svc-5999']),
    );
    const table = await run(['list', '--team', 'RARE', '--limit', '2']);
    expect(table.stderr).toContain(`… ${rows.length - 2} more`);
    expect(table.stderr).toContain(`${rows.length} credential(s) from scan`);
    const ids = JSON.parse(
      (await run(['list', '--identities', '--json', '--team', 'rare'])).stdout,
    ) as unknown[];
    expect(ids).toHaveLength(6);
    const rep = JSON.parse(
      (await run(['report', '--json', '--owner', 'RARE@example.com'])).stdout,
    ) as {
      findings: { identityName: string; owner: string }[];
    };
    expect(rep.findings.length).toBeGreaterThan(0);
    for (const f of rep.findings) expect(f.owner).toBe('Rare@Example.com');
    const owners = JSON.parse((await run(['owners', '--json', '--team', 'rare'])).stdout) as {
      owners: { owner: string; identities: number }[];
    };
    expect(owners.owners).toEqual([
      expect.objectContaining({ owner: 'Rare@Example.com', identities: 6 }),
    ]);
  }, 120_000);

  it('every owner filter searches an owner index instead of scanning the evaluation', () => {
    const db = new Database(path, { readonly: true });
    try {
      const evaluationId = (
        db.prepare(`SELECT max(id) AS id FROM evaluations WHERE status = 'complete'`).get() as {
          id: number;
        }
      ).id;
      const runId = (db.prepare(`SELECT max(id) AS id FROM scan_runs`).get() as { id: number }).id;
      const plan = ({ sql, params }: { sql: string; params: Record<string, unknown> }) =>
        (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(params) as { detail: string }[])
          .map((r) => r.detail)
          .join('\n');
      for (const filter of [{ owner: 'rare@example.com' }, { team: 'rare' }]) {
        const index = 'owner' in filter ? 'owner' : 'team';
        for (const sort of ['score', 'provider'] as const) {
          const subject = { evaluationId, runId, sort, limit: 200, ...filter };
          const c = plan(credentialListQuery(subject));
          expect(c, c).toMatch(new RegExp(`SEARCH s USING INDEX scores_${index}`));
          const i = plan(identityListQuery(subject));
          expect(i, i).toMatch(new RegExp(`SEARCH s USING INDEX scores_${index}`));
        }
        const f = plan(findingListQuery({ evaluationId, outcome: 'fail', minRank: 0, ...filter }));
        expect(f, f).toMatch(new RegExp(`SEARCH f USING INDEX findings_${index}`));
      }
    } finally {
      db.close();
    }
  });
});
