/**
 * The command line's surface (issue 13): validated filters, complete file outputs, check's
 * filters, baselines with reason and expiry, rules, --json fields and --jq, runs and prune,
 * grouped diff, ambiguous names, the end-of-scan screen. One demo catalog, the built binary,
 * a scrubbed environment.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { nhi, tempDir } from './run-cli.js';

const dir = tempDir();
const catalog = join(dir, 'demo.db');
const run = (args: string[], opts: { cwd?: string } = {}) =>
  nhi([...args, '--catalog', catalog], opts);
let scan: Awaited<ReturnType<typeof nhi>>;

beforeAll(async () => {
  scan = await run(['scan', '--demo']);
  expect(scan.code).toBe(0);
}, 120_000);

describe('enumerated filters are validated', () => {
  it.each([
    [['list', '--status', 'bogus'], /--status 'bogus': unknown status; valid: active, inactive/],
    [['list', '--type', 'access_key'], /did you mean 'access-key'\?.*valid: .*classic-pat/],
    [['list', '--identities', '--type', 'rol'], /unknown identity kind \(did you mean 'role'\?\)/],
    [['list', '--band', 'critcal'], /--band 'critcal'/],
    [['list', '--sort', 'scroe'], /did you mean 'score'/],
    [
      ['list', '--scope', 'orbital-prd'],
      /unknown scope \(did you mean 'orbital-prod'\?\).*222233334444 \(aws, orbital-prod\)/,
    ],
    [['list', '--provider', 'aws,oracle'], /unknown provider 'oracle'/],
    [['list', '--limit', '-1'], /--limit '-1': not a whole number/],
    [['report', '--limit', 'abc'], /--limit 'abc': not a whole number/],
    [
      ['report', '--rule', 'credential-unsued'],
      /did you mean 'credential-unused'\?.*valid: admin-grant/,
    ],
    [['check', '--rule', 'nope'], /--rule 'nope': unknown rule id/],
    [['diff', '--from', 'one'], /--from 'one': not a whole number/],
  ])('%j exits 2 naming the valid values', async (args, message) => {
    const r = await run(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });

  it('accepts a scope by id or by name', async () => {
    const byName = await run(['list', '--scope', 'orbital-prod', '--json']);
    const byId = await run(['list', '--scope', '222233334444', '--json']);
    expect(byName.code).toBe(0);
    expect(JSON.parse(byName.stdout).length).toBeGreaterThan(0);
    expect(byId.stdout).toBe(byName.stdout);
  });

  it('--limit 0 and --limit all mean every row, in a terminal table too', async () => {
    const all = JSON.parse((await run(['list', '--json'])).stdout) as unknown[];
    expect(all.length).toBeGreaterThan(100);
    for (const limit of ['0', 'all']) {
      const r = await run(['list', '--limit', limit]);
      expect(r.code).toBe(0);
      expect(r.stdout.split('\n').filter((l) => / c-[0-9a-f]{12} /.test(l))).toHaveLength(
        all.length,
      );
      expect(r.stderr).not.toMatch(/more \(use --limit/);
    }
  });
});

describe('a file holds everything; only terminal tables page', () => {
  it('check --format markdown -o writes every violation, with no "… more" line', async () => {
    const out = join(tempDir(), 'all.md');
    const r = await run(['check', '--fail-on', 'medium', '--format', 'markdown', '-o', out]);
    expect(r.code).toBe(1);
    const total = Number(/FAIL — (\d+) finding/.exec(r.stdout)![1]);
    expect(total).toBeGreaterThan(200);
    const md = readFileSync(out, 'utf8');
    expect(md).not.toMatch(/… \d+ more/);
    const rows = md.split('\n').filter((l) => /^\| (critical|high|medium) \| `/.test(l));
    expect(rows).toHaveLength(total);
  });

  it('report -o (table) and report --format markdown hold every finding; the terminal table pages', async () => {
    const json = JSON.parse((await run(['report', '--json'])).stdout) as { findings: unknown[] };
    const failing = (json.findings as { outcome: string }[]).filter((f) => f.outcome === 'fail');
    const md = (await run(['report', '--format', 'markdown'])).stdout;
    expect(md).not.toMatch(/… \d+ more/);
    const out = join(tempDir(), 'r.txt');
    expect((await run(['report', '-o', out])).code).toBe(0);
    expect(readFileSync(out, 'utf8')).not.toMatch(/… \d+ more/);
    const terminal = await run(['report']);
    expect(terminal.stdout).toMatch(new RegExp(`… ${failing.length - 50} more`));
    expect((await run(['report', '--limit', 'all'])).stdout).not.toMatch(/… \d+ more/);
  });
});

describe('check gates one team alone; CSV names; baselines with reason and expiry', () => {
  const failing = async (args: string[]) => {
    const r = await run(['check', '--fail-on', 'low', '--json', ...args]);
    return JSON.parse(r.stdout) as {
      findings: { provider: string; scopeName: string; ruleId: string; outcome: string }[];
    };
  };

  it('--provider, --scope and --rule narrow the gate (and its exit code)', async () => {
    const prod = await failing(['--scope', 'orbital-prod']);
    expect(prod.findings.length).toBeGreaterThan(0);
    expect(new Set(prod.findings.map((f) => f.scopeName))).toEqual(new Set(['orbital-prod']));
    const keys = await failing(['--provider', 'github', '--rule', 'deploy-key-write']);
    expect(keys.findings.length).toBeGreaterThan(0);
    for (const f of keys.findings)
      expect([f.provider, f.ruleId]).toEqual(['github', 'deploy-key-write']);
    // A scope with no finding of that rule passes the gate.
    const clean = await run([
      'check',
      '--fail-on',
      'low',
      '--scope',
      'of-staging',
      '--rule',
      'root-access-key',
    ]);
    expect(clean.code).toBe(0);
    expect(clean.stdout).toMatch(/ok — no finding at or above low/);
    const unknown = await run(['check', '--scope', 'nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/--scope 'nope': unknown scope/);
  });

  it('report and list CSV use the same (JSON) column names', async () => {
    const report = (await run(['report', '--format', 'csv'])).stdout.split('\n')[0]!;
    const list = (await run(['list', '--format', 'csv'])).stdout.split('\n')[0]!;
    expect(report).toMatch(
      /^fingerprint,ruleId,outcome,severity,points,provider,scopeId,scopeName,/,
    );
    expect(list).toMatch(/^id,provider,scopeId,scopeName,/);
    expect(report + list).not.toMatch(/_id|_name/);
  });

  it('--update-baseline help says what it keeps', async () => {
    const help = (await nhi(['check', '--help'])).stdout.replace(/\s+/g, ' ');
    expect(help).toMatch(
      /at or above --fail-on, within the filters\), keeping the reason and expiry/,
    );
  });

  it('a baseline entry past its expiry no longer accepts its finding, and says so', async () => {
    const file = join(tempDir(), 'baseline.json');
    const gate = ['check', '--fail-on', 'high', '--scope', 'orbital-prod', '--baseline', file];
    const w = await run([...gate, '--update-baseline']);
    expect(w.code).toBe(0);
    const b = JSON.parse(readFileSync(file, 'utf8')) as { accepted: Record<string, string>[] };
    expect(b.accepted.length).toBeGreaterThan(1);
    expect((await run(gate)).code).toBe(0);
    b.accepted[0]!.reason = 'legacy billing export (SEC-412)';
    b.accepted[0]!.expires = '2020-01-31';
    b.accepted[1]!.reason = 'migrating';
    b.accepted[1]!.expires = '2099-12-31';
    writeFileSync(file, JSON.stringify(b, null, 2));
    const r = await run(gate);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAIL — 1 finding/);
    expect(r.stdout).toMatch(
      /expired: baseline entry .* \(expired 2020-01-31; reason: legacy billing export \(SEC-412\)\): no longer accepted/,
    );
    // Updating keeps reasons and expiries.
    await run([...gate, '--update-baseline']);
    const kept = JSON.parse(readFileSync(file, 'utf8')) as { accepted: Record<string, string>[] };
    expect(kept.accepted.find((e) => e.fingerprint === b.accepted[1]!.fingerprint)).toMatchObject({
      reason: 'migrating',
      expires: '2099-12-31',
    });
    // A malformed expiry is a usage error naming the entry.
    b.accepted[0]!.expires = 'next year';
    writeFileSync(file, JSON.stringify(b));
    const bad = await run(gate);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/accepted\.0\.expires: a date YYYY-MM-DD/);
  });
});

describe('--json <fields> and --jq (gh conventions, real jq)', () => {
  it('--json alone keeps the whole document; with fields selects them per item', async () => {
    const whole = JSON.parse((await run(['list', '--json', '--limit', '3'])).stdout) as object[];
    expect(Object.keys(whole[0]!)).toContain('attributes');
    const r = await run(['list', '--json', 'id,type,score', '--limit', '3']);
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout) as object[];
    expect(rows).toHaveLength(3);
    for (const row of rows) expect(Object.keys(row)).toEqual(['id', 'type', 'score']);
  });

  it('an unknown field is exit 2 listing the available ones', async () => {
    const r = await run(['list', '--json', 'id,scor']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /--json 'scor': unknown field \(did you mean 'score'\?\); available fields: id, provider, scopeId/,
    );
    expect(r.stdout).toBe('');
  });

  it('--jq runs jq over list, report, show and check output, keeping the exit code', async () => {
    const ids = await run(['list', '--jq', '.[0:2] | .[].id']);
    expect(ids.stdout).toMatch(/^c-[0-9a-f]{12}\nc-[0-9a-f]{12}\n$/);
    const summary = await run(['report', '--jq', '.summary.bySeverity.critical']);
    expect(Number(summary.stdout)).toBeGreaterThan(0);
    const check = await run([
      'check',
      '--fail-on',
      'high',
      '--jq',
      '[.findings[].severity] | unique | join(",")',
    ]);
    expect(check.code).toBe(1);
    expect(check.stdout).toBe('critical,high\n');
    const id = ids.stdout.split('\n')[0]!;
    expect((await run(['show', id, '--jq', '.credentials[0].id'])).stdout).toBe(`${id}\n`);
  });

  it('a jq syntax error is one line, exit 2; --jq with another format is refused', async () => {
    const bad = await run(['list', '--jq', '.[']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^nhi: --jq: jq: error: syntax error/);
    const csv = await run(['list', '--format', 'csv', '--jq', '.']);
    expect(csv.code).toBe(2);
    expect(csv.stderr).toMatch(/--format csv cannot be combined with --json or --jq/);
  });
});

describe('nhi rules', () => {
  it('lists every rule with severity, OWASP/CIS ids, defaults and the data it needs', async () => {
    const r = await nhi(['rules', '--json']);
    expect(r.code).toBe(0);
    const rules = JSON.parse(r.stdout) as Record<string, unknown>[];
    expect(rules.length).toBeGreaterThan(20);
    const rotation = rules.find((x) => x.id === 'credential-rotation')!;
    expect(rotation).toMatchObject({
      severity: 'medium',
      owasp: 'NHI7',
      cis: { aws: 'CIS AWS Foundations 3.0 1.14' },
      defaults: { maxAgeDays: 90 },
      signals: [],
    });
    const table = await nhi(['rules']);
    expect(table.stdout).toMatch(/credential-rotation +│ medium +│ NHI7 +│ aws 1\.14, gcp 1\.7/);
  });

  it('--owasp and --cis filter rules, report and check; an unknown id is exit 2', async () => {
    const nhi5 = JSON.parse(
      (await nhi(['rules', '--owasp', 'nhi5', '--json', 'id,owasp'])).stdout,
    ) as { owasp: string }[];
    expect(nhi5.length).toBeGreaterThan(3);
    for (const x of nhi5) expect(x.owasp).toBe('NHI5');
    const report = JSON.parse((await run(['report', '--cis', '1.14', '--json'])).stdout) as {
      findings: { ruleId: string }[];
    };
    expect(report.findings.length).toBeGreaterThan(0);
    // The rules citing a 1.14 item: AWS key rotation, GCP API key restrictions.
    expect(new Set(report.findings.map((f) => f.ruleId))).toEqual(
      new Set(['credential-rotation', 'ai-api-key-unrestricted']),
    );
    const gate = await run([
      'check',
      '--owasp',
      'NHI5',
      '--fail-on',
      'critical',
      '--jq',
      '[.findings[].owasp] | unique',
    ]);
    expect(gate.code).toBe(1);
    expect(JSON.parse(gate.stdout)).toEqual(['NHI5']);
    const bad = await nhi(['rules', '--owasp', 'NHI11']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(
      /--owasp 'NHI11': unknown OWASP NHI risk with a rule \(did you mean 'NHI1'\?\); valid: NHI1,/,
    );
  });
});

describe('-q for cron', () => {
  it('playbook resume --due --yes -q prints nothing when nothing is due (exit 0)', async () => {
    const quiet = await run(['playbook', 'resume', '--due', '--yes', '-q']);
    expect(quiet).toMatchObject({ code: 0, stdout: '', stderr: '' });
    const said = await run(['playbook', 'resume', '--due', '--yes']);
    expect(said.stdout).toMatch(/no deletions are due/);
  });
});

describe('ambiguous names', () => {
  it('show ci-deployer (two accounts) lists the candidates with their ids, exit 2', async () => {
    const r = await run(['show', 'ci-deployer']);
    expect(r.code).toBe(2);
    const ids = r.stderr.match(
      /^ {2}i-[0-9a-f]{12} {2}identity aws\/orbital-\w+ ci-deployer \(arn:aws:iam::\d+:user\/automation\/ci-deployer\)$/gm,
    );
    expect(ids).toHaveLength(2);
    expect(r.stderr).toMatch(
      /'ci-deployer' matches 2 subjects \(listed above\); give one of their ids/,
    );
    const one = await run(['show', ids![0]!.trim().split(/\s+/)[0]!, '--jq', '.identity.name']);
    expect(one.stdout).toBe('ci-deployer\n');
  });
});
