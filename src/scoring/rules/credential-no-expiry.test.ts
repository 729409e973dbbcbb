import { credentialNoExpiry as rule } from './credential-no-expiry.js';
import { ruleTable } from '../test-table.js';
import { ahead, credential, identity } from '../testing.js';

const i = identity({
  provider: 'azure',
  scopeId: 'tenant-1',
  scopeName: 'orbital',
  kind: 'application',
  externalId: 'app-1',
  name: 'billing',
});
const one = (extra: Parameters<typeof credential>[1]) => () => ({
  identities: [i],
  credentials: [credential(i, { type: 'client-secret', externalId: 'key-1', ...extra })],
});

ruleTable(rule, [
  {
    name: 'client secret without expiry: flagged',
    data: one({ expiresAt: null }),
    expect: 'fail',
    evidence: { expiresAt: null },
  },
  {
    name: 'expiry exactly 365 days away: not flagged',
    data: one({ expiresAt: ahead(365) }),
    expect: 'pass',
  },
  {
    name: 'expiry 365 days and a minute away: flagged',
    data: one({ expiresAt: ahead(365, 1) }),
    expect: 'fail',
    evidence: { daysToExpiry: 365, maxDaysToExpiry: 365 },
  },
  {
    name: 'GCP key valid until 9999: flagged',
    data: one({ type: 'service-account-key', expiresAt: '9999-12-31T23:59:59Z' }),
    expect: 'fail',
  },
  {
    name: 'AWS access keys cannot expire: not this rule',
    data: one({ type: 'access-key', expiresAt: null }),
    expect: 'pass',
  },
  {
    name: 'expired credential: left to credential-expired',
    data: one({ status: 'expired', expiresAt: null }),
    expect: 'pass',
  },
]);
