import { adminGrant as rule } from './admin-grant.js';
import { ruleTable } from '../test-table.js';
import { credential, gap, grant, identity } from '../testing.js';

const i = identity();
ruleTable(rule, [
  {
    name: 'read-only, specific permission: fine',
    data: () => ({ identities: [i], grants: [grant(i)] }),
    expect: 'pass',
  },
  {
    name: 'AdministratorAccess (privilege admin): flagged with the grant as evidence',
    data: () => ({
      identities: [i],
      grants: [
        grant(i, {
          permission: 'AdministratorAccess',
          privilege: 'admin',
          source: 'arn:aws:iam::aws:policy/AdministratorAccess',
        }),
      ],
    }),
    expect: 'fail',
    evidence: {
      count: 1,
      grants: [
        {
          permission: 'AdministratorAccess',
          source: 'arn:aws:iam::aws:policy/AdministratorAccess',
        },
      ],
    },
  },
  {
    name: 'service wildcard s3:* (write privilege): flagged',
    data: () => ({
      identities: [i],
      grants: [grant(i, { permission: 's3:*', privilege: 'write' })],
    }),
    expect: 'fail',
  },
  {
    name: 'wildcard resource alone is not admin',
    data: () => ({
      identities: [i],
      grants: [grant(i, { permission: 's3:GetObject', resource: '*' })],
    }),
    expect: 'pass',
  },
  {
    name: 'ignored pattern: not flagged',
    data: () => ({ identities: [i], grants: [grant(i, { permission: 'logs:*' })] }),
    policy: {
      rules: { 'admin-grant': { options: { ignorePermissions: ['logs:*'] } } },
      exceptions: [],
    },
    expect: 'pass',
  },
  {
    name: 'admin grant on one token: the credential is the subject',
    data: () => {
      const c = credential(i, { id: 'c-pat', type: 'classic-pat', externalId: 'pat-1' });
      return {
        identities: [i],
        credentials: [c],
        grants: [
          grant(i, {
            credentialId: 'c-pat',
            credentialExternalId: 'pat-1',
            permission: 'admin:org',
            privilege: 'admin',
          }),
        ],
      };
    },
    expect: 'fail',
    subject: 'c-pat',
  },
  {
    name: 'policies unreadable (authorization-details gap): not evaluated',
    data: () => ({ identities: [i], gaps: [gap(i, 'authorization-details')] }),
    expect: 'not-evaluated',
  },
  {
    name: 'no grants and no gap: nothing to say',
    data: () => ({ identities: [i] }),
    expect: 'pass',
  },
  {
    name: 'read-only wildcard (s3:Get*, privilege read): not admin by default',
    data: () => ({
      identities: [i],
      grants: [grant(i, { permission: 's3:Get*', privilege: 'read' })],
    }),
    expect: 'pass',
  },
  {
    name: 'read-only wildcard with includeReadOnlyWildcards: flagged',
    data: () => ({
      identities: [i],
      grants: [grant(i, { permission: 's3:Get*', privilege: 'read' })],
    }),
    policy: {
      rules: { 'admin-grant': { options: { includeReadOnlyWildcards: true } } },
      exceptions: [],
    },
    expect: 'fail',
  },
  {
    name: 'service-linked role (policy owned by AWS): skipped',
    data: () => {
      const slr = identity({ id: 'i-slr', kind: 'role', attributes: { serviceLinked: true } });
      return {
        identities: [slr],
        grants: [grant(slr, { permission: 'support:*', privilege: 'write' })],
      };
    },
    expect: 'pass',
  },
]);
