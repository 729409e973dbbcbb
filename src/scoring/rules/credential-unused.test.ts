import { credentialUnused as rule } from './credential-unused.js';
import { ruleTable } from '../test-table.js';
import { ago, credential, gap, identity } from '../testing.js';

const aws = identity();
const az = identity({
  id: 'i-2',
  provider: 'azure',
  scopeId: 'tenant-1',
  scopeName: 'orbital',
  kind: 'application',
  externalId: 'app-1',
  name: 'billing-app',
});
const gh = identity({
  id: 'i-3',
  provider: 'github',
  scopeId: 'orbital-freight',
  scopeName: 'orbital-freight',
  kind: 'repository',
  externalId: 'orbital-freight/api',
  name: 'api',
});
const gcp = identity({
  id: 'i-4',
  provider: 'gcp',
  scopeId: 'orbital-prod',
  scopeName: 'orbital-prod',
  kind: 'service-account',
  externalId: 'etl@orbital-prod.iam.gserviceaccount.com',
  name: 'etl',
});
const claude = identity({
  id: 'i-5',
  provider: 'anthropic',
  scopeId: 'org-1',
  scopeName: 'orbital',
  kind: 'service-account',
  externalId: 'sa-1',
  name: 'evals',
});
const BASIS = 'derived from the Messages usage report';
const one =
  (i: ReturnType<typeof identity>, lastUsedAt: string | null, extra = {}) =>
  () => ({
    identities: [i],
    credentials: [credential(i, { createdAt: ago(500), lastUsedAt, ...extra })],
  });

ruleTable(rule, [
  { name: 'AWS: exactly 45 days unused: not flagged', data: one(aws, ago(45)), expect: 'pass' },
  {
    name: 'AWS: 45 days and a minute: flagged',
    data: one(aws, ago(45, 1)),
    expect: 'fail',
    evidence: { daysSinceLastUse: 45, unusedDays: 45 },
  },
  { name: 'Azure: exactly 30 days: not flagged', data: one(az, ago(30)), expect: 'pass' },
  {
    name: 'Azure: 30 days and a minute: flagged',
    data: one(az, ago(30, 1), { type: 'client-secret' }),
    expect: 'fail',
    evidence: { unusedDays: 30 },
  },
  {
    name: 'GCP: exactly 180 days: not flagged',
    data: one(gcp, ago(180), { type: 'service-account-key' }),
    expect: 'pass',
  },
  {
    name: 'GCP: 180 days and a minute: flagged',
    data: one(gcp, ago(180, 1), { type: 'service-account-key' }),
    expect: 'fail',
    evidence: { unusedDays: 180 },
  },
  {
    name: 'GitHub: exactly 90 days: not flagged',
    data: one(gh, ago(90), { type: 'deploy-key' }),
    expect: 'pass',
  },
  {
    name: 'GitHub: 90 days and a minute: flagged',
    data: one(gh, ago(90, 1), { type: 'deploy-key' }),
    expect: 'fail',
    evidence: { unusedDays: 90 },
  },
  { name: 'never used is left to credential-never-used', data: one(aws, null), expect: 'pass' },
  {
    name: 'disabled credential: not flagged',
    data: one(aws, ago(400), { status: 'inactive' }),
    expect: 'pass',
  },
  {
    name: 'usage unknown: not evaluated',
    data: one(aws, null, { lastUsedKnown: false }),
    expect: 'not-evaluated',
  },
  {
    name: 'usage unknown with a coverage gap: the gap and its fix are the evidence',
    data: () => ({
      ...one(aws, null, { lastUsedKnown: false })(),
      gaps: [gap(aws, 'credential-report')],
    }),
    expect: 'not-evaluated',
    evidence: { gap: { signal: 'credential-report', fix: 'grant the read permission' } },
  },
  {
    name: 'Anthropic: no use in a 180-day usage window is at least 180 days unused: flagged',
    data: one(claude, null, {
      type: 'api-key',
      lastUsedKnown: false,
      attributes: { noUseSince: ago(180), lastUsedBasis: BASIS },
    }),
    expect: 'fail',
    evidence: { daysSinceLastUse: 180, unusedDays: 90, lastUsedBasis: BASIS },
  },
  {
    name: 'Anthropic: no use in a 30-day window says nothing about day 90: not evaluated',
    data: one(claude, null, {
      type: 'api-key',
      lastUsedKnown: false,
      attributes: { noUseSince: ago(30), lastUsedBasis: BASIS },
    }),
    expect: 'not-evaluated',
  },
  {
    name: 'user policy overrides the provider default (60 days, 59 days unused passes)',
    data: one(aws, ago(59)),
    policy: { rules: { 'credential-unused': { options: { unusedDays: 60 } } }, exceptions: [] },
    expect: 'pass',
  },
  {
    name: 'per-scope override beats the rule-level one',
    data: one(aws, ago(20, 1)),
    policy: {
      rules: {
        'credential-unused': {
          options: { unusedDays: 60 },
          scopes: { 'orbital-*': { options: { unusedDays: 20 } } },
        },
      },
      exceptions: [],
    },
    expect: 'fail',
    evidence: { unusedDays: 20 },
  },
]);
