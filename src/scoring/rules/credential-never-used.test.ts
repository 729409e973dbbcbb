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
    name: 'AWS key 30 days old, never used (younger than the 45-day CIS window): not a finding',
    data: one({ createdAt: ago(30) }),
    expect: 'pass',
  },
  {
    name: 'AWS exactly at the 45-day window: not flagged',
    data: one({ createdAt: ago(45) }),
    expect: 'pass',
  },
  {
    name: 'AWS window plus a minute: flagged (CIS AWS 1.12 audits never-used keys by creation date)',
    data: one({ createdAt: ago(45, 1) }),
    expect: 'fail',
    evidence: { ageDays: 45, graceDays: 45, lastUsedAt: null },
  },
  {
    name: 'GCP key 179 days old, never used (Prowler window 180): not flagged',
    data: () => {
      const sa = identity({ provider: 'gcp', kind: 'service-account' });
      return {
        identities: [sa],
        credentials: [
          credential(sa, { type: 'service-account-key', lastUsedAt: null, createdAt: ago(179) }),
        ],
      };
    },
    expect: 'pass',
  },
  {
    name: 'GCP key 180 days and a minute old, never used: flagged',
    data: () => {
      const sa = identity({ provider: 'gcp', kind: 'service-account' });
      return {
        identities: [sa],
        credentials: [
          credential(sa, { type: 'service-account-key', lastUsedAt: null, createdAt: ago(180, 1) }),
        ],
      };
    },
    expect: 'fail',
    evidence: { graceDays: 180 },
  },
  {
    name: 'a shorter grace in the policy applies',
    data: one({ createdAt: ago(8) }),
    policy: { rules: { 'credential-never-used': { options: { graceDays: 7 } } }, exceptions: [] },
    expect: 'fail',
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
