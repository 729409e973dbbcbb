/**
 * SARIF's order (rule, logical name, fingerprint) is read one rule and scope at a time, each
 * sorted apart (src/catalog/sqlite/evaluations.ts). The pieces must follow one another exactly as
 * one ORDER BY over every finding would give them, including scope ids whose `provider/scope/`
 * prefixes sort otherwise than the ids themselves ('999-1/' < '999/' < '9990/'), and scope ids
 * with a '/' in them (one prefix starting another: one sort then).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCatalog, type Catalog } from '../src/catalog/index.js';
import { findingListQuery } from '../src/catalog/sqlite/evaluations.js';
import type { FindingQuery } from '../src/catalog/index.js';
import { evaluateRun } from '../src/scan/evaluate.js';
import { defaultPolicy } from '../src/scoring/policy.js';
import { syntheticInventory } from '../fixtures/synthetic/inventory.js';
import { tempDir } from './run-cli.js';

async function catalogOf(
  scopeIds: readonly string[],
): Promise<{ cat: Catalog; evaluationId: number }> {
  const now = new Date('2026-11-01T00:00:00Z');
  const cat = openCatalog(join(tempDir(), 'catalog.db'));
  const run = cat.beginRun({ providers: ['aws'], demo: false, version: 'test', now });
  scopeIds.forEach((scopeId, i) =>
    cat.writeScope(run, syntheticInventory({ identities: 60, now, seed: 7 + i, scopeId }), 0),
  );
  cat.finishRun(run, 'ok', now);
  const e = await evaluateRun(cat.store(), cat.run(run)!, { policy: defaultPolicy() });
  return { cat, evaluationId: e.id };
}

/** Fingerprints in the order one ORDER BY over the whole query gives. */
function oneSort(cat: Catalog, q: FindingQuery): string[] {
  const { sql, params } = findingListQuery({ ...q, order: 'sarif' });
  return (cat.db.prepare(sql).all(params) as { fingerprint: string }[]).map((r) => r.fingerprint);
}

async function streamed(cat: Catalog, q: FindingQuery): Promise<string[]> {
  const out: string[] = [];
  for await (const page of cat.store().findings({ ...q, order: 'sarif' }))
    out.push(...page.map((f) => f.fingerprint));
  return out;
}

describe('findings in SARIF order', () => {
  it.each([
    ['prefixes that sort otherwise than the scope ids', ['9990', '999', '999-1']],
    ['a scope id with a slash (one sort)', ['999', '999/x', '99']],
  ])('%s: the same rows in the same order as one sort', async (_, scopes) => {
    const { cat, evaluationId } = await catalogOf(scopes);
    try {
      for (const q of [
        { evaluationId },
        { evaluationId, outcome: 'fail', minRank: 3 },
        { evaluationId, minRank: 2 },
        { evaluationId, outcome: 'not-evaluated' },
      ] as FindingQuery[]) {
        const expected = oneSort(cat, q);
        expect(expected.length).toBeGreaterThan(0);
        expect(await streamed(cat, q)).toEqual(expected);
      }
      if (scopes.includes('999-1')) {
        // Pieces in the order of the scope ids themselves would be wrong here.
        const byScopeId = (
          cat.db
            .prepare(
              `SELECT fingerprint FROM findings WHERE evaluation_id = ? AND suppressed_by IS NULL
               ORDER BY rule_id, provider, scope_id, logical_name, fingerprint`,
            )
            .all(evaluationId) as { fingerprint: string }[]
        ).map((r) => r.fingerprint);
        expect(byScopeId).not.toEqual(oneSort(cat, { evaluationId }));
      }
    } finally {
      cat.close();
    }
  });
});
