import { describe, expect, it } from 'vitest';
import { aiAdminKeyUnused as rule } from './ai-admin-key-unused.js';
import { credentialNeverUsed } from './credential-never-used.js';
import { credentialUnused } from './credential-unused.js';
import { ruleTable } from '../test-table.js';
import { ago, credential, identity, runRule } from '../testing.js';

const org = identity({
  provider: 'openai',
  scopeId: 'org-orbital',
  scopeName: 'Orbital Freight',
  kind: 'user',
  externalId: 'user-tom',
  name: 'tom@orbitalfreight.example',
});
const key =
  (over: Parameters<typeof credential>[1] = {}, keyKind = 'admin') =>
  () => ({
    identities: [org],
    credentials: [
      credential(org, {
        type: 'api-key',
        externalId: 'key_admin_bootstrap',
        name: 'bootstrap-admin',
        createdAt: ago(150),
        lastUsedAt: null,
        lastUsedKnown: true,
        attributes: { aiService: 'openai', keyKind },
        ...over,
      }),
    ],
  });

ruleTable(rule, [
  {
    name: 'admin key never used, created 150 days ago: flagged',
    data: key(),
    expect: 'fail',
    evidence: { ageDays: 150, lastUsedAt: null },
  },
  {
    name: 'never used, created exactly 30 days ago: fine',
    data: key({ createdAt: ago(30) }),
    expect: 'pass',
  },
  {
    name: 'never used, created a minute past 30 days: flagged',
    data: key({ createdAt: ago(30, 1) }),
    expect: 'fail',
  },
  {
    name: 'last used exactly 30 days ago: fine',
    data: key({ lastUsedAt: ago(30) }),
    expect: 'pass',
  },
  {
    name: 'last used a minute past 30 days: flagged',
    data: key({ lastUsedAt: ago(30, 1) }),
    expect: 'fail',
    evidence: { daysSinceLastUse: 30 },
  },
  {
    name: 'last use unknown: not evaluated',
    data: key({ lastUsedKnown: false }),
    expect: 'not-evaluated',
  },
  { name: 'a project key is not an admin key', data: key({}, 'user'), expect: 'pass' },
  { name: 'a deleted key: fine', data: key({ status: 'inactive' }), expect: 'pass' },
]);

describe('admin AI keys are reported once', () => {
  it('credential-never-used and credential-unused leave admin AI keys to this rule', () => {
    expect(runRule(credentialNeverUsed, key()())).toEqual([]);
    expect(runRule(credentialUnused, key({ lastUsedAt: ago(200) })())).toEqual([]);
    // …but still judge the organization's other keys.
    expect(runRule(credentialNeverUsed, key({}, 'user')())).toHaveLength(1);
  });
});
