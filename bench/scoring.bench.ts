/**
 * Scoring + report time for 100k synthetic credentials, as a ratio to reading the same rows
 * from the catalog (the unavoidable cost of any report), measured in the same run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCatalog } from '../src/catalog/index.js';
import { defaultConfig } from '../src/config/index.js';
import { renderJson, renderSarif } from '../src/report/index.js';
import { evaluate } from '../src/scoring/engine.js';
import { syntheticInventory } from '../fixtures/synthetic/inventory.js';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export default async function main() {
  const now = new Date('2026-11-01T00:00:00Z');
  const dir = mkdtempSync(join(tmpdir(), 'nhi-bench-score-'));
  const catalog = openCatalog(join(dir, 'c.db'));
  // ~1.2 keys per identity: 83k identities give ~100k credentials.
  const inv = syntheticInventory({ identities: 83_500, now });
  const run = catalog.beginRun({ providers: ['aws'], demo: false, version: 'bench', now });
  catalog.writeScope(run, inv, 0);
  catalog.finishRun(run, 'ok', now);

  const reads: number[] = [];
  const scores: number[] = [];
  const renders: number[] = [];
  let findings = 0;
  for (let i = 0; i < 3; i++) {
    let t = performance.now();
    const snap = catalog.snapshot(run)!;
    reads.push(performance.now() - t);
    t = performance.now();
    const evaluation = evaluate(
      {
        now,
        identities: snap.identities,
        credentials: snap.credentials,
        grants: snap.grants,
        gaps: snap.gaps,
      },
      defaultConfig().policy,
    );
    scores.push(performance.now() - t);
    t = performance.now();
    renderJson(evaluation);
    renderSarif(evaluation, { toolVersion: 'bench' });
    renders.push(performance.now() - t);
    findings = evaluation.findings.length;
  }
  catalog.close();
  rmSync(dir, { recursive: true, force: true });
  const read = median(reads);
  const score = median(scores);
  const render = median(renders);
  return {
    credentials: inv.credentials.length,
    identities: inv.identities.length,
    grants: inv.grants.length,
    findings,
    catalog_read_ms: Math.round(read),
    scoring_ms: Math.round(score),
    render_json_and_sarif_ms: Math.round(render),
    ratio_scoring_vs_read: +(score / read).toFixed(2),
    ratio_scoring_and_report_vs_read: +((score + render) / read).toFixed(2),
  };
}
