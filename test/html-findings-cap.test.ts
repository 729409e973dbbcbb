/**
 * The HTML report's findings table at scale (issue 15, decided in round 3): it holds the N
 * highest-scored failing findings (`--html-findings`, default 1,000), says "showing N of M" and
 * where the full list is, and counts every failing finding per rule and severity. Checked on the
 * demo estate against `report --format json`, whose findings are the full list: its AI-reaching
 * high findings score 8 like a critical one, so "highest-scored" is not the canonical order.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { nhi, scrubbedEnv, tempDir } from './run-cli.js';

interface JsonFinding {
  fingerprint: string;
  outcome: string;
  points: number;
  ruleId: string;
  severity: string;
}

let dir: string;
let catalog: string;
let failing: JsonFinding[];
const env = scrubbedEnv();

const html = async (...args: string[]) => {
  const file = join(dir, `report-${args.join('-') || 'default'}.html`);
  const r = await nhi(['report', '--format', 'html', ...args, '-o', file, '--catalog', catalog], {
    env,
  });
  expect(r.code, r.stderr).toBe(0);
  return readFileSync(file, 'utf8');
};
/** The fingerprints of the findings table's rows, in order (each row's evidence names it). */
const rows = (page: string) =>
  [...page.matchAll(/<dt>fingerprint<\/dt><dd><code>([0-9a-f]+)</g)].map((m) => m[1]);

beforeAll(async () => {
  dir = tempDir('nhi-html-cap-');
  catalog = join(dir, 'demo.db');
  const scan = await nhi(['scan', '--demo', '--catalog', catalog, '-q'], { env });
  expect(scan.code, scan.stderr).toBe(0);
  const json = await nhi(['report', '--format', 'json', '--catalog', catalog], { env });
  expect(json.code, json.stderr).toBe(0);
  failing = (JSON.parse(json.stdout) as { findings: JsonFinding[] }).findings.filter(
    (f) => f.outcome === 'fail',
  );
});

describe('HTML report: findings table capped at the highest-scored', () => {
  it('--html-findings 25: the 25 highest-scored failing findings, a "showing" note and counts for all', async () => {
    const page = await html('--html-findings', '25');
    // Highest points first; ties in the report's canonical order (the JSON's order).
    const expected = [...failing]
      .map((f, i) => ({ f, i }))
      .sort((a, b) => b.f.points - a.f.points || a.i - b.i)
      .slice(0, 25)
      .map(({ f }) => f.fingerprint);
    expect(rows(page)).toEqual(expected);
    // Not the canonical cut: AI-reaching high findings score 8 like criticals, before other highs.
    expect(expected).not.toEqual(failing.slice(0, 25).map((f) => f.fingerprint));
    expect(page).toContain(`Showing 25 of ${failing.length} failing findings`);
    expect(page).toContain('nhi report --format json|sarif|csv');
    // Counts per rule and severity cover every failing finding, not the 25 shown.
    const counts = [
      ...page
        .slice(page.indexOf('class="rule-counts"'))
        .matchAll(/<code>([a-z0-9-]+)<\/code><\/td>[\s\S]*?sev-(\w+)[\s\S]*?class="num">(\d+)</g),
    ].map((m) => [m[1], m[2], Number(m[3])] as const);
    const want = new Map<string, number>();
    for (const f of failing)
      want.set(`${f.ruleId} ${f.severity}`, (want.get(`${f.ruleId} ${f.severity}`) ?? 0) + 1);
    expect(new Map(counts.map(([r, s, n]) => [`${r} ${s}`, n]))).toEqual(want);
  });

  it('default 1,000 and "all": every failing finding of the demo, no note', async () => {
    expect(failing.length).toBeLessThan(1000);
    for (const page of [await html(), await html('--html-findings', 'all')]) {
      expect(rows(page)).toHaveLength(failing.length);
      expect(page).not.toContain('Showing ');
      expect(page).toContain(`${failing.length} failing findings, worst first`);
    }
  });

  it('the KPIs of AI-reaching subjects get a table of their own (the demo has OpenAI, Bedrock…)', async () => {
    const page = await html('--html-findings', '1');
    expect(page).toContain('KPIs of AI-reaching subjects');
  });

  it('a bad value, or the flag without --format html, is one line and exit 2', async () => {
    for (const args of [
      ['report', '--format', 'html', '--html-findings', 'many'],
      ['report', '--format', 'json', '--html-findings', '10'],
    ]) {
      const r = await nhi([...args, '--catalog', catalog], { env });
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});
