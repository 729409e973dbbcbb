import { cloudKeyInCi as rule } from './cloud-key-in-ci.js';
import { ruleTable } from '../test-table.js';
import { credential, gap, identity } from '../testing.js';

const repo = identity({
  provider: 'github',
  scopeId: 'orbital-freight',
  scopeName: 'orbital-freight',
  kind: 'repository',
  externalId: 'orbital-freight/api',
  name: 'orbital-freight/api',
});
const secret =
  (
    name: string,
    attributes: Record<string, unknown> = {},
    type: 'actions-secret' | 'webhook-secret' = 'actions-secret',
  ) =>
  () => ({
    identities: [repo],
    credentials: [
      credential(repo, { type, name, externalId: `orbital-freight/api/${name}`, attributes }),
    ],
  });

ruleTable(rule, [
  {
    name: 'connector marked it: flagged',
    data: secret('DEPLOY_CREDS', { storesCloudKey: 'aws' }),
    expect: 'fail',
    evidence: { storesCloudKey: 'aws' },
  },
  {
    name: 'name looks like an AWS secret key: flagged',
    data: secret('prod_aws_secret_access_key'),
    expect: 'fail',
    evidence: { matchedPattern: '*AWS_SECRET_ACCESS_KEY*' },
  },
  { name: 'ordinary secret: fine', data: secret('NPM_TOKEN'), expect: 'pass' },
  {
    name: 'connector says it is not a cloud key: trusted over the name',
    data: secret('AWS_SECRET_ACCESS_KEY', { storesCloudKey: false }),
    expect: 'pass',
  },
  {
    name: 'webhook secret is not a CI secret',
    data: secret('AWS_SECRET_ACCESS_KEY', {}, 'webhook-secret'),
    expect: 'pass',
  },
  {
    name: 'repository secrets unreadable (gap): the repository is not evaluated',
    data: () => ({ identities: [repo], gaps: [gap(repo, 'repo-actions-secrets')] }),
    expect: 'not-evaluated',
  },
  {
    name: 'an organization-level gap says nothing about repository secrets',
    data: () => ({ identities: [repo], gaps: [gap(repo, 'org-actions-secrets')] }),
    expect: 'pass',
  },
]);
