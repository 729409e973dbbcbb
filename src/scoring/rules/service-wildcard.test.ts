import { serviceWildcard as rule } from './service-wildcard.js';
import { ruleTable } from '../test-table.js';
import { awsGrant, credential, grant, identity } from '../testing.js';

const i = identity({ id: 'i-role', kind: 'role', name: 'app' });
const sa = identity({
  id: 'i-sa',
  provider: 'gcp',
  scopeId: 'p',
  kind: 'service-account',
  name: 'ci',
});

ruleTable(rule, [
  {
    name: 'AWS s3:* on *: service wildcard',
    data: () => ({ identities: [i], grants: [awsGrant(i, { actions: ['s3:*'] })] }),
    expect: 'fail',
    evidence: { allows: ['s3:*'] },
  },
  {
    name: 'AWS dynamodb:* on one table: narrow',
    data: () => ({
      identities: [i],
      grants: [
        awsGrant(i, {
          actions: ['dynamodb:*'],
          resources: ['arn:aws:dynamodb:eu-west-1:111122223333:table/orders'],
        }),
      ],
    }),
    expect: 'pass',
  },
  {
    name: 'AWS s3:Get* (read-only wildcard): not a service wildcard',
    data: () => ({ identities: [i], grants: [awsGrant(i, { actions: ['s3:Get*', 's3:List*'] })] }),
    expect: 'pass',
  },
  {
    name: 'AWS PowerUserAccess (NotAction iam:*, organizations:*, account:*): every other service',
    data: () => ({
      identities: [i],
      grants: [awsGrant(i, { notActions: ['iam:*', 'organizations:*', 'account:*'] })],
    }),
    expect: 'fail',
    evidence: { allows: ['every action except iam:*, organizations:*, account:*'] },
  },
  {
    name: 'AWS full admin: reported by admin-grant only',
    data: () => ({ identities: [i], grants: [awsGrant(i, { actions: ['*'] })] }),
    expect: 'pass',
  },
  {
    name: 'GCP roles/run.admin at project level: every run permission, CIS GCP 1.5',
    data: () => ({
      identities: [sa],
      grants: [
        grant(sa, {
          permission: 'roles/run.admin',
          resource: 'projects/p',
          attributes: { level: 'project' },
        }),
      ],
    }),
    expect: 'fail',
    cis: 'CIS GCP Foundations 3.0 1.5',
  },
  {
    name: 'GCP roles/run.developer: not a service admin role',
    data: () => ({
      identities: [sa],
      grants: [
        grant(sa, {
          permission: 'roles/run.developer',
          resource: 'projects/p',
          attributes: { level: 'project' },
        }),
      ],
    }),
    expect: 'pass',
  },
  {
    name: 'GitHub classic token with repo scope: every private repository',
    data: () => {
      const u = identity({ id: 'i-gh', provider: 'github', scopeId: 'acme', kind: 'github-user' });
      const c = credential(u, { id: 'c-pat', type: 'classic-pat', externalId: 'pat-1' });
      return {
        identities: [u],
        credentials: [c],
        grants: [
          grant(u, { credentialId: 'c-pat', permission: 'scope:repo', resource: 'org:acme' }),
        ],
      };
    },
    expect: 'fail',
    subject: 'c-pat',
  },
]);
