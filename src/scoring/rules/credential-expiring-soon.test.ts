import { credentialExpiringSoon as rule } from './credential-expiring-soon.js';
import { ruleTable } from '../test-table.js';
import { ahead, ago, credential, identity } from '../testing.js';

const i = identity();
const one = (expiresAt: string | null) => () => ({
  identities: [i],
  credentials: [credential(i, { type: 'client-secret', expiresAt })],
});

ruleTable(rule, [
  {
    name: 'expires exactly 30 days from now: flagged',
    data: one(ahead(30)),
    expect: 'fail',
    evidence: { daysToExpiry: 30, withinDays: 30 },
  },
  { name: '30 days and a minute away: not yet', data: one(ahead(30, 1)), expect: 'pass' },
  {
    name: 'expires in a minute: flagged',
    data: one(ahead(0, 1)),
    expect: 'fail',
    evidence: { daysToExpiry: 0 },
  },
  { name: 'already expired: not this rule', data: one(ago(0, 1)), expect: 'pass' },
  { name: 'no expiry: not this rule', data: one(null), expect: 'pass' },
]);
