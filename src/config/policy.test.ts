import { describe, expect, it } from 'vitest';
import { evaluate } from '../scoring/engine.js';
import { ago, credential, identity, input } from '../scoring/testing.js';
import { parseConfig } from './index.js';

/** The config file, end to end: YAML -> policy -> engine. */
describe('config drives the engine', () => {
  const prod = identity({
    id: 'i-prod',
    externalId: 'arn:prod',
    name: 'prod-ci',
    tags: { env: 'prod' },
  });
  const dev = identity({
    id: 'i-dev',
    externalId: 'arn:dev',
    name: 'dev-ci',
    scopeId: '444455556666',
    scopeName: 'orbital-sandbox',
  });
  const data = input({
    identities: [prod, dev],
    credentials: [
      credential(prod, { id: 'c-prod', externalId: 'AKIAPROD', createdAt: ago(40) }),
      credential(dev, { id: 'c-dev', externalId: 'AKIADEV', createdAt: ago(40) }),
    ],
  });

  it('a tag override tightens rotation for prod only; a scope switch turns a rule off; an exception suppresses', async () => {
    const cfg = await parseConfig(
      [
        'rules:',
        '  credential-rotation:',
        '    tags:',
        '      env=prod: { maxAgeDays: 30 }',
        '  no-owner:',
        '    severity: high',
        '    scopes:',
        '      orbital-sandbox: { enabled: false }',
        'exceptions:',
        '  - rule: credential-rotation',
        '    id: AKIAPROD',
        '    reason: rotation scheduled',
        '    expires: 2026-11-30',
      ].join('\n'),
      '/p/nhi.config.yaml',
      'nhi.config.yaml',
    );
    const noOwner = evaluate(
      { ...data, identities: data.identities.map((i) => ({ ...i, owner: null })) },
      cfg.policy,
    );
    expect(
      noOwner.findings.filter((f) => f.ruleId === 'no-owner').map((f) => [f.subjectId, f.severity]),
    ).toEqual([['i-prod', 'high']]);

    const ev = evaluate(data, cfg.policy);
    expect(ev.findings.filter((f) => f.ruleId === 'credential-rotation')).toEqual([]);
    expect(ev.suppressed.map((s) => [s.finding.subjectId, s.exception.source])).toEqual([
      ['c-prod', 'nhi.config.yaml:10:5'],
    ]);
    expect(ev.suppressed[0]!.finding.evidence).toMatchObject({ maxAgeDays: 30, ageDays: 40 });

    const later = evaluate({ ...data, now: new Date('2026-12-02T00:00:00Z') }, cfg.policy);
    expect(later.expiredExceptions.map((e) => e.findings.map((f) => f.subjectId))).toEqual([
      ['c-prod'],
    ]);
  });
});
