import { credentialExpired as rule } from './credential-expired.js';
import { ruleTable } from '../test-table.js';
import { ahead, ago, credential, identity } from '../testing.js';

const i = identity();
const one = (extra: Parameters<typeof credential>[1]) => () => ({
  identities: [i],
  credentials: [credential(i, { type: 'client-secret', ...extra })],
});

ruleTable(rule, [
  {
    name: 'expires exactly now: flagged',
    data: one({ expiresAt: ago(0) }),
    expect: 'fail',
    evidence: { daysSinceExpiry: 0 },
  },
  { name: 'expires in a minute: not yet', data: one({ expiresAt: ahead(0, 1) }), expect: 'pass' },
  {
    name: 'expired 40 days ago: flagged',
    data: one({ expiresAt: ago(40) }),
    expect: 'fail',
    evidence: { daysSinceExpiry: 40 },
  },
  {
    name: 'status expired without a date (AWS): flagged',
    data: one({ status: 'expired', expiresAt: null }),
    expect: 'fail',
    evidence: { status: 'expired', expiresAt: null },
  },
  { name: 'no expiry and active: not flagged', data: one({ expiresAt: null }), expect: 'pass' },
]);
