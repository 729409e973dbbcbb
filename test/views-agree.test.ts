/**
 * One evaluation, everywhere: on one catalog, the scan summary, list (credentials and
 * identities), show, report, check and SARIF agree on every finding, count, score and band —
 * and a changed config changes them all alike. On both catalog backends (SQLite, PostgreSQL).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Log } from 'sarif';
import { beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../fixtures/backends.js';
import { nhi, tempDir } from './run-cli.js';

interface ReportDoc {
  summary: { findings: number; bySeverity: Record<string, number>; notEvaluated: number };
  findings: { fingerprint: string; subjectId: string; severity: string; outcome: string }[];
  scores: { subjectId: string; score: number; band: string }[];
}
interface Row {
  id: string;
  score: number | null;
  band: string | null;
}

const SEVERITIES = ['critical', 'high', 'medium', 'low'];

async function json<T>(args: string[]): Promise<T> {
  const r = await nhi(args);
  expect(r.stderr).not.toMatch(/internal error/);
  return JSON.parse(r.stdout) as T;
}

/** Every view of the catalog's latest scan, read with the given extra flags (a config). */
async function views(catalog: string, extra: string[] = []) {
  const at = ['--catalog', catalog, ...extra];
  const report = await json<ReportDoc>(['report', '--format', 'json', ...at]);
  const check = await json<ReportDoc>(['check', '--fail-on', 'low', '--format', 'json', ...at]);
  const sarif = await json<Log>(['check', '--fail-on', 'low', '--format', 'sarif', ...at]);
  const credentials = await json<Row[]>(['list', '--format', 'json', ...at]);
  const identities = await json<Row[]>(['list', '--identities', '--format', 'json', ...at]);
  return { report, check, sarif, credentials, identities, at };
}

type Views = Awaited<ReturnType<typeof views>>;

function bySeverity(findings: { severity: string; outcome: string }[]) {
  const counts: Record<string, number> = { critical: 0, high: 0, medium: 0, low: 0 };
  for (const f of findings) if (f.outcome === 'fail') counts[f.severity]! += 1;
  return counts;
}

/** Asserts that every view says the same as the report; returns the report's counts. */
async function expectAgreement(v: Views, scanSummary: Record<string, number>) {
  const { report, check, sarif, credentials, identities } = v;
  const counts = report.summary.bySeverity;
  // The scan summary printed what the report says.
  for (const s of SEVERITIES) expect(scanSummary[s] ?? 0, s).toBe(counts[s]);
  expect(bySeverity(report.findings)).toEqual(counts);
  // check --fail-on low: every failing finding, the same ones.
  expect(check.summary.bySeverity).toEqual(counts);
  const failing = report.findings.filter((f) => f.outcome === 'fail').map((f) => f.fingerprint);
  expect(check.findings.map((f) => f.fingerprint)).toEqual(failing);
  // SARIF: one result per failing finding, same fingerprints and severities.
  const results = sarif.runs[0]!.results!;
  expect(results.map((r) => r.partialFingerprints!['nhiFingerprint/v1']).sort()).toEqual(
    [...failing].sort(),
  );
  expect(
    bySeverity(
      results.map((r) => ({
        severity: String(r.properties!.severity),
        outcome: String(r.properties!.outcome),
      })),
    ),
  ).toEqual(counts);
  // list: every credential and identity has the score and band the report stored.
  const scores = new Map(report.scores.map((s) => [s.subjectId, s]));
  for (const row of [...credentials, ...identities]) {
    const s = scores.get(row.id);
    expect(s, row.id).toBeDefined();
    expect({ score: row.score, band: row.band }, row.id).toEqual({
      score: s!.score,
      band: s!.band,
    });
  }
  expect(credentials.length + identities.length).toBe(report.scores.length);
  // show: the worst credential and the worst identity, their findings and score.
  for (const row of [credentials[0]!, identities[0]!]) {
    const shown = await json<{
      findings: { fingerprint: string }[];
      credentials: { id: string; score: number }[];
      identity: { id: string; score: { score: number; band: string } };
    }>(['show', row.id, '--format', 'json', ...v.at]);
    const subjects = new Set([shown.identity.id, ...shown.credentials.map((c) => c.id)]);
    expect(shown.findings.map((f) => f.fingerprint).sort()).toEqual(
      report.findings
        .filter((f) => subjects.has(f.subjectId))
        .map((f) => f.fingerprint)
        .sort(),
    );
    expect(shown.identity.score).toMatchObject({
      score: scores.get(shown.identity.id)!.score,
      band: scores.get(shown.identity.id)!.band,
    });
    for (const c of shown.credentials) expect(c.score).toBe(scores.get(c.id)!.score);
  }
  return counts;
}

describe.each(backends)('every view agrees on one catalog ($name)', (backend) => {
  const dir = tempDir();
  let catalog: string;
  let scanSummary: Record<string, number>;

  beforeAll(async () => {
    if (backend.skip) return;
    catalog = await backend.fresh('demo.db');
    const scan = await nhi(['scan', '--demo', '--json', '--catalog', catalog]);
    expect(scan.code, scan.stderr).toBe(0);
    scanSummary = (JSON.parse(scan.stdout) as { findings: Record<string, number> }).findings;
  }, 180_000);

  it.skipIf(backend.skip)(
    'scan summary, list, show, report, check and SARIF: same findings, counts, scores, bands',
    async () => {
      const counts = await expectAgreement(await views(catalog), scanSummary);
      expect(counts.critical! + counts.high!).toBeGreaterThan(10);
      const exit = await nhi(['check', '--fail-on', 'critical', '--catalog', catalog]);
      expect(exit.code).toBe(counts.critical ? 1 : 0);
    },
    180_000,
  );

  it.skipIf(backend.skip)(
    'a changed config changes every view alike (and a rescan under it says the same)',
    async () => {
      const before = await views(catalog);
      const busiest = Object.entries(
        before.report.findings.reduce<Record<string, number>>((m, f) => {
          const rule = (f as unknown as { ruleId: string }).ruleId;
          m[rule] = (m[rule] ?? 0) + 1;
          return m;
        }, {}),
      ).sort((a, b) => b[1] - a[1])[0]![0];
      const config = join(dir, 'nhi.config.yaml');
      writeFileSync(config, `rules:\n  ${busiest}: { enabled: false }\n`);
      const after = await views(catalog, ['--config', config]);
      expect(
        after.report.findings.some((f) => (f as unknown as { ruleId: string }).ruleId === busiest),
      ).toBe(false);
      expect(after.report.summary.findings).toBeLessThan(before.report.summary.findings);
      // The scores moved with the findings: some subject scores lower now, in list as in report.
      const was = new Map(before.credentials.map((r) => [r.id, r.score]));
      expect(after.credentials.some((r) => (r.score ?? 0) < (was.get(r.id) ?? 0))).toBe(true);
      const rescan = await nhi([
        'scan',
        '--demo',
        '--json',
        '--catalog',
        catalog,
        '--config',
        config,
      ]);
      expect(rescan.code, rescan.stderr).toBe(0);
      const summary = (JSON.parse(rescan.stdout) as { findings: Record<string, number> }).findings;
      await expectAgreement(await views(catalog, ['--config', config]), summary);
      // Back to the defaults: the views follow again.
      await expectAgreement(await views(catalog), scanSummary);
    },
    300_000,
  );
});
