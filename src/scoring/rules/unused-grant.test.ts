import { expect } from 'vitest';
import { unusedGrant as rule } from './unused-grant.js';
import { ruleTable } from '../test-table.js';
import { ago, gap, grant, identity } from '../testing.js';

const i = identity({ createdAt: ago(400) });
const g = (extra: Parameters<typeof grant>[1]) =>
  grant(i, { permission: 'ec2', grantedAt: ago(300), ...extra });

ruleTable(rule, [
  {
    name: 'used exactly 90 days ago: not flagged',
    data: () => ({ identities: [i], grants: [g({ lastUsedAt: ago(90) })] }),
    expect: 'pass',
  },
  {
    name: 'used 90 days and a minute ago: flagged',
    data: () => ({ identities: [i], grants: [g({ lastUsedAt: ago(90, 1) })] }),
    expect: 'fail',
    evidence: {
      unusedCount: 1,
      evaluatedCount: 1,
      unused: [{ permission: 'ec2', lastUsedAt: ago(90, 1) }],
    },
  },
  {
    name: 'never used: flagged',
    data: () => ({ identities: [i], grants: [g({ lastUsedAt: null })] }),
    expect: 'fail',
    evidence: { unused: [{ lastUsedAt: null }] },
  },
  {
    name: 'granted exactly 90 days ago and never used: too recent to judge',
    data: () => ({ identities: [i], grants: [g({ grantedAt: ago(90), lastUsedAt: null })] }),
    expect: 'pass',
  },
  {
    name: 'granted 90 days and a minute ago, never used: flagged',
    data: () => ({ identities: [i], grants: [g({ grantedAt: ago(90, 1), lastUsedAt: null })] }),
    expect: 'fail',
  },
  {
    name: 'identity younger than the window: not judged (Repokid)',
    data: () => {
      const young = identity({ createdAt: ago(30) });
      return { identities: [young], grants: [grant(young, { grantedAt: null, lastUsedAt: null })] };
    },
    expect: 'pass',
  },
  {
    name: 'no usage data: not evaluated, with the gap',
    data: () => ({
      identities: [i],
      grants: [g({ lastUsedKnown: false, lastUsedAt: null })],
      gaps: [gap(i, 'access-advisor')],
    }),
    expect: 'not-evaluated',
    evidence: { gap: { signal: 'access-advisor' } },
  },
  {
    name: 'use per principal (Azure sign-ins), principal idle past the window: every grant unused',
    data: () => ({
      identities: [i],
      grants: [
        g({
          permission: 'User.Read.All',
          lastUsedAt: ago(200),
          attributes: { usageOf: 'principal' },
        }),
        g({ permission: 'Reader', lastUsedAt: ago(200), attributes: { usageOf: 'principal' } }),
      ],
    }),
    expect: 'fail',
    evidence: { unusedCount: 2, evaluatedCount: 2 },
  },
  {
    name: 'use per principal, principal never signed in: every grant unused',
    data: () => ({
      identities: [i],
      grants: [g({ lastUsedAt: null, attributes: { usageOf: 'principal' } })],
    }),
    expect: 'fail',
  },
  {
    name: 'use per principal, principal signed in within the window: not evaluated, never clean',
    data: () => ({
      identities: [i],
      grants: [g({ lastUsedAt: ago(3), attributes: { usageOf: 'principal' } })],
    }),
    expect: 'not-evaluated',
    evidence: {
      missing: expect.stringContaining('as a whole, which was used within the window'),
      grantCount: 1,
    },
  },
]);
