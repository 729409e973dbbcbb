import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { evaluate } from './engine.js';
import { defaultPolicy, type Policy } from './policy.js';
import { RULES } from './rules/index.js';
import { BAND_RANGE } from './score.js';
import { NOW, ago, awsGrant, credential, grant, identity, input } from './testing.js';

/** A small estate touching many rules. */
function estate() {
  const user = identity({ id: 'i-user', owner: null, attributes: { consolePassword: true } });
  const role = identity({
    id: 'i-role',
    kind: 'role',
    name: 'vendor',
    externalId: 'arn:aws:iam::111122223333:role/vendor',
    attributes: {
      trust: {
        externalAccounts: ['999988887777'],
        externalIdCondition: false,
        oidcProviders: [],
        oidcSubjectCondition: false,
      },
    },
  });
  const oldKey = credential(user, {
    id: 'c-old',
    externalId: 'AKIAOLD',
    createdAt: ago(200),
    lastUsedAt: ago(100),
  });
  const newKey = credential(user, {
    id: 'c-new',
    externalId: 'AKIANEW',
    createdAt: ago(2),
    lastUsedAt: null,
  });
  return input({
    identities: [user, role],
    credentials: [oldKey, newKey],
    grants: [
      grant(user, { permission: 's3:*', privilege: 'write' }),
      awsGrant(role, { actions: ['*'], source: 'arn:aws:iam::aws:policy/AdministratorAccess' }),
    ],
  });
}

describe('rule registry', () => {
  it('ids are unique, sorted, and each rule has a module and a test beside it', () => {
    const ids = RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    for (const id of ids) {
      expect(existsSync(new URL(`./rules/${id}.ts`, import.meta.url)), id).toBe(true);
      expect(existsSync(new URL(`./rules/${id}.test.ts`, import.meta.url)), id).toBe(true);
    }
  });

  it('metadata is complete: OWASP id, text, defaults that parse', () => {
    for (const r of RULES) {
      expect(r.owasp).toMatch(/^NHI([1-9]|10)$/);
      expect(r.title.length).toBeGreaterThan(5);
      expect(r.description.length).toBeGreaterThan(40);
      expect(r.help.length).toBeGreaterThan(20);
      expect(() => r.options.parse({})).not.toThrow();
    }
  });
});

describe('evaluate', () => {
  it('is deterministic: same input twice, and shuffled input, give identical output', () => {
    const a = evaluate(estate(), defaultPolicy());
    const b = evaluate(estate(), defaultPolicy());
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    const shuffled = estate();
    shuffled.identities.reverse();
    shuffled.credentials.reverse();
    shuffled.grants.reverse();
    expect(JSON.stringify(evaluate(shuffled, defaultPolicy()))).toBe(JSON.stringify(a));
  });

  it('every finding names provider, scope, identity and (for credentials) the credential', () => {
    const { findings } = evaluate(estate(), defaultPolicy());
    expect(findings.length).toBeGreaterThan(4);
    for (const f of findings) {
      expect(f.provider).toBe('aws');
      expect(f.scopeId).toBe('111122223333');
      expect(f.scopeName).toBe('orbital-management');
      expect(f.identityName).not.toBe('');
      expect(f.identityExternalId).toMatch(/^arn:aws:iam::/);
      if (f.subjectKind === 'credential') expect(f.credentialExternalId).toMatch(/^AKIA/);
      expect(f.fingerprint).toMatch(/^[0-9a-f]{32}$/);
    }
    const rules = new Set(findings.map((f) => f.ruleId));
    for (const id of [
      'multiple-active-keys',
      'credential-rotation',
      'credential-unused',
      'admin-grant',
      'external-trust-no-external-id',
      'human-traits',
      'no-owner',
    ]) {
      expect(rules, id).toContain(id);
    }
  });

  it('orders findings worst first and scores each subject', () => {
    const { findings, scores } = evaluate(estate(), defaultPolicy());
    const ranks = findings.map((f) =>
      ['info', 'low', 'medium', 'high', 'critical'].indexOf(f.severity),
    );
    expect([...ranks].sort((x, y) => y - x)).toEqual(ranks);
    const user = scores.find((s) => s.subjectId === 'i-user')!;
    const oldKey = scores.find((s) => s.subjectId === 'c-old')!;
    // c-old: bottom of the medium band (25) + rotation, unused, multiple-active-keys (2 each)
    expect(oldKey).toMatchObject({ score: 31, band: 'medium' });
    expect(user.score).toBe(
      Math.min(
        BAND_RANGE[user.band].top,
        user.contributions.reduce((s, c) => s + c.points, 0),
      ),
    );
    expect(user.score).toBeGreaterThanOrEqual(oldKey.score);
  });

  it('a rule switched off, per scope or globally, yields nothing', () => {
    const off: Policy = { rules: { 'admin-grant': { enabled: false } }, exceptions: [] };
    expect(evaluate(estate(), off).findings.some((f) => f.ruleId === 'admin-grant')).toBe(false);
    const offInScope: Policy = {
      rules: { 'admin-grant': { scopes: { '111122223333': { enabled: false } } } },
      exceptions: [],
    };
    expect(evaluate(estate(), offInScope).findings.some((f) => f.ruleId === 'admin-grant')).toBe(
      false,
    );
  });

  it('a severity override changes severity and points', () => {
    const policy: Policy = { rules: { 'no-owner': { severity: 'critical' } }, exceptions: [] };
    const f = evaluate(estate(), policy).findings.find((x) => x.ruleId === 'no-owner')!;
    expect(f).toMatchObject({ severity: 'critical', points: 8 });
  });

  it('a live exception suppresses matching findings (glob on the credential id) and they do not score', () => {
    const policy: Policy = {
      rules: {},
      exceptions: [
        {
          rule: 'credential-rotation',
          id: 'AKIAO*',
          reason: 'migrating to OIDC',
          expires: '2026-12-31',
        },
      ],
    };
    const ev = evaluate(estate(), policy);
    expect(ev.findings.some((f) => f.ruleId === 'credential-rotation')).toBe(false);
    expect(ev.suppressed).toHaveLength(1);
    expect(ev.suppressed[0]!.finding.credentialExternalId).toBe('AKIAOLD');
    expect(ev.scores.find((s) => s.subjectId === 'c-old')!.score).toBe(29);
    expect(ev.expiredExceptions).toEqual([]);
  });

  it('an expired exception stops suppressing and is reported with what it matches', () => {
    const exception = {
      rule: 'credential-rotation',
      id: 'c-old',
      reason: 'temporary',
      expires: '2026-10-31',
    };
    const ev = evaluate(estate(), { rules: {}, exceptions: [exception] });
    expect(ev.findings.some((f) => f.ruleId === 'credential-rotation')).toBe(true);
    expect(ev.suppressed).toEqual([]);
    expect(ev.expiredExceptions).toHaveLength(1);
    expect(ev.expiredExceptions[0]!.expiredAt).toBe('2026-11-01T00:00:00.000Z');
    expect(ev.expiredExceptions[0]!.findings.map((f) => f.ruleId)).toEqual(['credential-rotation']);
  });

  it('a date-only expiry is valid through that whole UTC day', () => {
    const exception = {
      id: 'i-role',
      reason: 'vendor review',
      expires: NOW.toISOString().slice(0, 10),
    };
    const ev = evaluate(estate(), { rules: {}, exceptions: [exception] });
    expect(ev.expiredExceptions).toEqual([]);
    expect(ev.suppressed.map((s) => s.finding.subjectId)).toContain('i-role');
  });
});
