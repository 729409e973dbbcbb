import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { parse as parseCsv } from 'csv-parse/sync';
import type { Log } from 'sarif';
import { describe, expect, it } from 'vitest';
import { RULES } from '../scoring/rules/index.js';
import { reportFixture } from './fixture.js';
import {
  CSV_COLUMNS,
  renderCsv,
  renderJson,
  renderMarkdown,
  renderReport,
  renderSarif,
  renderTable,
} from './index.js';

const fx = reportFixture();

describe('fixture sanity', () => {
  it('has fails, not-evaluated, suppressed and expired exceptions', () => {
    expect(fx.findings.some((f) => f.outcome === 'fail')).toBe(true);
    expect(fx.findings.some((f) => f.outcome === 'not-evaluated')).toBe(true);
    expect(fx.suppressed).toHaveLength(1);
    expect(fx.expiredExceptions).toHaveLength(1);
  });
});

describe('renderers are pure and deterministic', () => {
  it.each(['table', 'json', 'csv', 'markdown', 'sarif'] as const)(
    '%s: same input twice, same bytes',
    (format) => {
      const opts = { color: false, toolVersion: '0.1.0' };
      expect(renderReport(format, reportFixture(), opts)).toBe(
        renderReport(format, reportFixture(), opts),
      );
    },
  );
});

describe('table', () => {
  it('matches the snapshot (no colour)', () => {
    expect(renderTable(fx, { color: false })).toMatchSnapshot();
  });

  it('colour only when asked: ANSI codes with color=true, none without', () => {
    expect(renderTable(fx, { color: true }).includes('\u001b[')).toBe(true);
    expect(renderTable(fx, { color: false }).includes('\u001b[')).toBe(false);
  });

  it('caps rows and says how many more there are', () => {
    const out = renderTable(fx, { color: false, maxRows: 2 });
    const failing = fx.findings.filter((f) => f.outcome === 'fail').length;
    expect(out).toContain(`… ${failing - 2} more (use --format json)`);
  });

  it('lists not-evaluated checks and coverage gaps instead of a clean bill', () => {
    const out = renderTable(fx, { color: false });
    expect(out).toContain('Not evaluated (missing data, not a clean bill):');
    expect(out).toContain(
      'deploy-key-write: 2 × deploy keys could not be listed (deploy-keys: access denied); read/write access of the key unknown (deploy-keys: access denied)',
    );
    expect(out).toContain(
      'github/orbital-freight deploy-keys: deploy-keys: access denied (fix: grant the read permission)',
    );
    expect(out).toMatch(
      /! exception no-owner \(nhi\.config\.yaml:16:5\) expired \(expires: 2026-10-01\): 1 finding\(s\) reported again/,
    );
  });

  it('an empty report says so', () => {
    expect(renderTable({ findings: [] }, { color: false })).toBe('No findings.\n\n0 findings\n');
  });
});

describe('json', () => {
  it('has the documented top-level fields and finding fields in order', () => {
    const doc = JSON.parse(renderJson(fx)) as Record<string, unknown> & {
      findings: Record<string, unknown>[];
    };
    expect(Object.keys(doc)).toEqual([
      'schemaVersion',
      'generatedAt',
      'summary',
      'findings',
      'fixes',
      'scores',
      'suppressed',
      'expiredExceptions',
      'gaps',
    ]);
    expect(doc.schemaVersion).toBe(1);
    expect(Object.keys(doc.findings[0]!)).toEqual([
      'fingerprint',
      'ruleId',
      'outcome',
      'severity',
      'points',
      'ai',
      'subjectKind',
      'subjectId',
      'provider',
      'scopeId',
      'scopeName',
      'identityName',
      'identityExternalId',
      'credentialExternalId',
      'message',
      'owasp',
      'cis',
      'playbook',
      'fix',
      'evidence',
      'owner',
      'team',
      'ownerVia',
      'purpose',
    ]);
    expect(doc.summary).toMatchObject({ suppressed: 1, expiredExceptions: 1, gaps: 1 });
  });

  it('matches the snapshot', () => {
    expect(renderJson(fx)).toMatchSnapshot();
  });
});

describe('csv', () => {
  it('one row per finding with the documented header; formula-like names are neutralised', () => {
    const rows = parseCsv(renderCsv(fx), { columns: true }) as Record<string, string>[];
    expect(Object.keys(rows[0]!)).toEqual([...CSV_COLUMNS]);
    expect(rows).toHaveLength(fx.findings.length);
    const role = rows.filter((r) => r.identityExternalId!.includes('role/'));
    expect(role.length).toBeGreaterThan(0);
    for (const r of role) expect(r.identityName).toBe("'=cmd()");
    expect(JSON.parse(rows[0]!.evidence!)).toEqual(fx.findings[0]!.evidence);
  });
});

describe('markdown', () => {
  it('matches the snapshot and escapes table-breaking characters', () => {
    const md = renderMarkdown(fx);
    expect(md).toContain('`ci\\|deployer`');
    expect(md).toContain('## Not evaluated');
    expect(md).toContain('**expired**');
    expect(md).toMatchSnapshot();
  });
});

describe('sarif', () => {
  const text = renderSarif(fx, {
    toolVersion: '0.1.0',
    informationUri: 'https://example.invalid/nhi',
  });
  const log = JSON.parse(text) as Log;

  it('validates against the official SARIF 2.1.0 schema', () => {
    // The schema ships in @microsoft/jest-sarif as draft-04; its only draft-04-ism is `id`.
    const require = createRequire(import.meta.url);
    const path = require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');
    const schema = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    const { $schema: _draft, id, ...rest } = schema;
    // The schema's language-tag pattern is not valid under the `u` flag Ajv uses by default.
    const ajv = new Ajv({ strict: false, allErrors: true, unicodeRegExp: false });
    addFormats.default(ajv);
    const validate = ajv.compile({ ...rest, $id: String(id) });
    expect(validate(log), JSON.stringify(validate.errors?.slice(0, 5))).toBe(true);
  });

  it('describes every rule with metadata, and results point at them by index', () => {
    const run = log.runs[0]!;
    const rules = run.tool.driver.rules!;
    expect(rules.map((r) => r.id)).toEqual(RULES.map((r) => r.id));
    for (const r of rules) {
      expect(r.shortDescription?.text).toBeTruthy();
      expect(r.fullDescription?.text).toBeTruthy();
      expect(r.help?.markdown).toContain('OWASP');
      expect(r.defaultConfiguration?.level).toMatch(/error|warning|note/);
      expect((r.properties?.tags as string[]).some((t) => t.startsWith('owasp-nhi:NHI'))).toBe(
        true,
      );
    }
    for (const res of run.results!) expect(rules[res.ruleIndex!]!.id).toBe(res.ruleId);
  });

  it('each result has a stable logical and physical location and the finding fingerprint', () => {
    const res = log.runs[0]!.results!.find((r) => r.ruleId === 'multiple-active-keys')!;
    expect(res.level).toBe('warning');
    expect(res.locations![0]!.logicalLocations![0]!.fullyQualifiedName).toBe(
      'aws/111122223333/ci|deployer/AKIAOLD',
    );
    expect(res.locations![0]!.physicalLocation!.artifactLocation!.uri).toBe(
      'nhi://aws/111122223333/ci%7Cdeployer/AKIAOLD',
    );
    const finding = fx.findings.find((f) => f.ruleId === 'multiple-active-keys')!;
    expect(res.partialFingerprints).toEqual({ 'nhiFingerprint/v1': finding.fingerprint });
  });

  it('not-evaluated results are "open" with level none; critical/high are errors', () => {
    const results = log.runs[0]!.results!;
    const open = results.find((r) => r.ruleId === 'deploy-key-write')!;
    expect(open).toMatchObject({ kind: 'open', level: 'none' });
    expect(results.find((r) => r.ruleId === 'admin-grant')).toMatchObject({
      kind: 'fail',
      level: 'error',
    });
  });

  it('orders results by rule then location, whatever the input order', () => {
    const reversed = renderSarif(
      { ...fx, findings: [...fx.findings].reverse() },
      { toolVersion: '0.1.0', informationUri: 'https://example.invalid/nhi' },
    );
    expect(reversed).toBe(text);
  });
});
