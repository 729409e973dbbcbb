import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../connector/index.js';
import { ConfigError, loadConfig, parseConfig } from './index.js';
import { PROVIDER_IDS } from '../model/index.js';

const parse = (text: string) => parseConfig(text, '/p/nhi.config.yaml', 'nhi.config.yaml');
async function errorOf(text: string): Promise<string> {
  try {
    await parse(text);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    expect(e).toBeInstanceOf(UserError);
    const message = (e as Error).message;
    expect(message.includes('\n')).toBe(false);
    return message;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig: errors point at file:line:col in one line', () => {
  it.each([
    [
      'unknown rule',
      'rules:\n  no-such-rule: {}\n',
      /^nhi\.config\.yaml:2:3: rules\.no-such-rule: unknown rule \(known: admin-grant, .*unused-grant\)$/,
    ],
    [
      'wrong type',
      'rules:\n  credential-unused:\n    unusedDays: "x"\n',
      /^nhi\.config\.yaml:3:17: rules\.credential-unused\.unusedDays: .*expected number/,
    ],
    [
      'unknown option, with the known ones',
      'rules:\n  credential-unused:\n    unusedDay: 3\n',
      /^nhi\.config\.yaml:3:5: rules\.credential-unused\.unusedDay: unknown key \(known: enabled, severity, providers, scopes, tags, unusedDays, types\)$/,
    ],
    [
      'value out of range in a provider override',
      'rules:\n  credential-unused:\n    providers:\n      aws:\n        unusedDays: -1\n',
      /^nhi\.config\.yaml:5:21: rules\.credential-unused\.providers\.aws\.unusedDays: .*>=1/,
    ],
    [
      'unknown provider in an override',
      'rules:\n  credential-unused:\n    providers:\n      oracle: {}\n',
      new RegExp(
        `^nhi\\.config\\.yaml:4:7: .*oracle: unknown key \\(known: ${PROVIDER_IDS.join(', ')}\\)$`,
      ),
    ],
    [
      'severity not in the list',
      'rules:\n  no-owner:\n    severity: huge\n',
      /:3:15: rules\.no-owner\.severity: .*"critical"/,
    ],
    [
      'exception without a reason',
      'exceptions:\n  - rule: credential-unused\n    expires: 2027-01-01\n',
      /^nhi\.config\.yaml:2:5: exceptions\[0\]\.reason: required/,
    ],
    [
      'exception with an impossible date',
      'exceptions:\n  - id: c-1\n    reason: x\n    expires: 2027-13-01\n',
      /:4:14: exceptions\[0\]\.expires: not a real date$/,
    ],
    [
      'exception with neither rule nor id',
      'exceptions:\n  - reason: x\n    expires: 2027-01-01\n',
      /:2:5: exceptions\[0\]: an exception needs at least a rule or an id$/,
    ],
    [
      'exception naming an unknown rule',
      'exceptions:\n  - rule: nope\n    reason: x\n    expires: 2027-01-01\n',
      /:2:11: exceptions\[0\]\.rule: unknown rule/,
    ],
    [
      'unknown top-level key',
      'rulez: {}\n',
      /^nhi\.config\.yaml:1:1: rulez: unknown key \(known: \$schema, providers, rules, exceptions, playbooks, owners, catalog\)$/,
    ],
    [
      'provider section not an object',
      'providers:\n  aws: 3\n',
      /:2:8: providers\.aws: .*expected (record|object)/,
    ],
    ['YAML syntax error', 'rules: [\n', /^nhi\.config\.yaml:2:1: invalid YAML: /],
    [
      'absurd grace period (it used to crash after the key was deactivated)',
      'playbooks:\n  deleteAfterDays: 200000000\n',
      /^nhi\.config\.yaml:2:20: playbooks\.deleteAfterDays: .*365/,
    ],
    [
      'overlap beyond its limit',
      'playbooks:\n  overlapDays: 91\n',
      /^nhi\.config\.yaml:2:16: playbooks\.overlapDays: .*90/,
    ],
    [
      'retention of no scans',
      'catalog:\n  retention:\n    runs: 0\n',
      /^nhi\.config\.yaml:3:11: catalog\.retention\.runs: .*1/,
    ],
    [
      'retention key misspelt',
      'catalog:\n  retention:\n    day: 30\n',
      /^nhi\.config\.yaml:3:5: catalog\.retention\.day: unknown key.*\(did you mean 'days'\?\)|known: runs, days/,
    ],
    [
      'duplicate key',
      'playbooks:\n  deleteAfterDays: 1\n  deleteAfterDays: 2\n',
      /^nhi\.config\.yaml:3:3: invalid YAML: Map keys must be unique/,
    ],
    [
      'a typo in a provider option, with the known options',
      'providers:\n  aws:\n    allAcounts: true\n',
      /^nhi\.config\.yaml:3:5: providers\.aws\.allAcounts: unknown option \(known: profile, region, endpoint, allAccounts, .*timeoutMs, maxAttempts\)$/,
    ],
    [
      'a bad value in a provider option',
      'providers:\n  github:\n    concurrency: 0\n',
      /^nhi\.config\.yaml:3:18: providers\.github\.concurrency: .*>=1/,
    ],
  ])('%s', async (_name, text, pattern) => {
    expect(await errorOf(text)).toMatch(pattern);
  });

  it('JSON files are read the same way, with positions', async () => {
    await expect(
      parseConfig(
        '{\n  "rules": {\n    "nope": {}\n  }\n}\n',
        '/p/nhi.config.json',
        'nhi.config.json',
      ),
    ).rejects.toThrow(/^nhi\.config\.json:3:5: rules\.nope: unknown rule/);
  });
});

describe('parseConfig: policy', () => {
  it('turns rule entries into policy layers and keeps provider sections as given', async () => {
    const cfg = await parse(
      [
        'providers:',
        '  aws: { profile: audit, accounts: ["222233334444"] }',
        'rules:',
        '  credential-unused:',
        '    unusedDays: 60',
        '    severity: high',
        '    providers:',
        '      azure: { unusedDays: 20 }',
        '    scopes:',
        '      "2222*": { enabled: false }',
        '    tags:',
        '      env=prod: { unusedDays: 14 }',
        '  no-owner:',
        '    enabled: false',
        'playbooks:',
        '  deleteAfterDays: 30',
      ].join('\n'),
    );
    expect(cfg.providers.aws).toEqual({ profile: 'audit', accounts: ['222233334444'] });
    expect(cfg.providers.gcp).toEqual({});
    expect(cfg.policy.rules['credential-unused']).toEqual({
      severity: 'high',
      options: { unusedDays: 60 },
      providers: { azure: { options: { unusedDays: 20 } } },
      scopes: { '2222*': { enabled: false } },
      tags: { 'env=prod': { options: { unusedDays: 14 } } },
    });
    expect(cfg.policy.rules['no-owner']).toEqual({ enabled: false });
    expect(cfg.playbooks.deleteAfterDays).toBe(30);
  });

  it('records where each exception was written', async () => {
    const cfg = await parse(
      'exceptions:\n  - rule: no-owner\n    id: "i-*"\n    reason: legacy apps\n    expires: 2027-03-01\n',
    );
    expect(cfg.policy.exceptions).toEqual([
      {
        rule: 'no-owner',
        id: 'i-*',
        reason: 'legacy apps',
        expires: '2027-03-01',
        source: 'nhi.config.yaml:2:5',
      },
    ]);
  });

  it('reads catalog.retention; an empty one keeps every scan', async () => {
    expect((await parse('catalog:\n  retention:\n    runs: 30\n    days: 90\n')).retention).toEqual(
      {
        runs: 30,
        days: 90,
      },
    );
    expect((await parse('catalog:\n  retention:\n')).retention).toBeNull();
    expect((await parse('')).retention).toBeNull();
  });

  it('an empty file gives the defaults', async () => {
    expect((await parse('')).policy).toEqual({ rules: {}, exceptions: [] });
    expect((await parse('# only comments\n')).playbooks.deleteAfterDays).toBe(7);
  });
});

describe('loadConfig', () => {
  it('finds nhi.config.yaml in cwd, else defaults; a missing --config file is an error naming it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nhi-config-'));
    expect(await loadConfig({ cwd: dir })).toMatchObject({
      path: null,
      playbooks: { deleteAfterDays: 7 },
    });
    await writeFile(join(dir, 'nhi.config.yml'), 'playbooks:\n  deleteAfterDays: 3\n');
    expect(await loadConfig({ cwd: dir })).toMatchObject({
      path: join(dir, 'nhi.config.yml'),
      playbooks: { deleteAfterDays: 3 },
    });
    await expect(loadConfig({ cwd: dir, path: 'missing.yaml' })).rejects.toThrow(
      /^missing\.yaml: config file not found$/,
    );
    await writeFile(join(dir, 'other.yaml'), 'rules:\n  bogus: {}\n');
    await expect(loadConfig({ cwd: dir, path: 'other.yaml' })).rejects.toThrow(
      /^other\.yaml:2:3: rules\.bogus: unknown rule/,
    );
  });
});
