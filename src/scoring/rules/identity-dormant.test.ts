import { identityDormant as rule } from './identity-dormant.js';
import { ruleTable } from '../test-table.js';
import { ago, identity } from '../testing.js';

const one = (over: Parameters<typeof identity>[0]) => () => ({
  identities: [identity({ kind: 'role', ...over })],
});
ruleTable(rule, [
  {
    name: 'used exactly 90 days ago: not dormant',
    data: one({ lastUsedAt: ago(90) }),
    expect: 'pass',
  },
  {
    name: '90 days and a minute: dormant',
    data: one({ lastUsedAt: ago(90, 1) }),
    expect: 'fail',
    evidence: { daysSinceLastUse: 90, dormantDays: 90 },
  },
  {
    name: 'never used, created exactly 90 days ago: not yet',
    data: one({ lastUsedAt: null, createdAt: ago(90) }),
    expect: 'pass',
  },
  {
    name: 'never used, created 90 days and a minute ago: dormant',
    data: one({ lastUsedAt: null, createdAt: ago(90, 1) }),
    expect: 'fail',
    evidence: { lastUsedAt: null, ageDays: 90 },
  },
  {
    name: 'service-linked role: skipped',
    data: one({ lastUsedAt: ago(300), attributes: { serviceLinked: true } }),
    expect: 'pass',
  },
  {
    name: 'a repository is not an identity that signs in',
    data: one({ kind: 'repository', lastUsedAt: ago(300) }),
    expect: 'pass',
  },
  {
    name: 'usage unknown: not evaluated',
    data: one({ lastUsedKnown: false, lastUsedAt: null }),
    expect: 'not-evaluated',
  },
]);
