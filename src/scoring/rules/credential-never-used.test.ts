import { credentialNeverUsed as rule } from './credential-never-used.js';
import { ruleTable } from '../test-table.js';
import { ago, credential, identity } from '../testing.js';

const i = identity();
const one = (extra: Parameters<typeof credential>[1]) => () => ({
  identities: [i],
  credentials: [credential(i, { lastUsedAt: null, ...extra })],
});

ruleTable(rule, [
  { name: 'created yesterday, never used: fine', data: one({ createdAt: ago(1) }), expect: 'pass' },
  {
    name: 'exactly at the 7-day grace: not flagged',
    data: one({ createdAt: ago(7) }),
    expect: 'pass',
  },
  {
    name: 'grace plus a minute: flagged',
    data: one({ createdAt: ago(7, 1) }),
    expect: 'fail',
    evidence: { ageDays: 7, graceDays: 7, lastUsedAt: null },
  },
  {
    name: '200 days old and never used: flagged',
    data: one({ createdAt: ago(200) }),
    expect: 'fail',
    evidence: { ageDays: 200 },
  },
  {
    name: 'used once: not this rule',
    data: one({ createdAt: ago(200), lastUsedAt: ago(150) }),
    expect: 'pass',
  },
  {
    name: 'usage unknown: not evaluated (not "never used")',
    data: one({ createdAt: ago(200), lastUsedKnown: false }),
    expect: 'not-evaluated',
  },
  {
    name: 'creation date unknown: not evaluated',
    data: one({ createdAt: null }),
    expect: 'not-evaluated',
    evidence: { missing: 'creation date unknown' },
  },
]);
