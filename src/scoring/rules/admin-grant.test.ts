import { adminGrant as rule } from './admin-grant.js';
import { ruleTable } from '../test-table.js';
import { awsGrant, credential, gap, grant, identity } from '../testing.js';

const i = identity();
const role = identity({ id: 'i-role', kind: 'role', name: 'deployer' });
const azureSp = identity({
  id: 'i-sp',
  provider: 'azure',
  scopeId: 'tenant-1',
  kind: 'service-principal',
  externalId: 'sp-1',
  name: 'github-deployer',
});
const rbac = (permission: string, scopeLevel: string, scope: string) =>
  grant(azureSp, {
    permission,
    resource: scope,
    privilege: 'admin',
    source: '/providers/Microsoft.Authorization/roleDefinitions/x',
    attributes: { kind: 'azure-rbac', scopeLevel, roleType: 'BuiltInRole' },
  });
const sa = identity({
  id: 'i-sa',
  provider: 'gcp',
  scopeId: 'proj-1',
  kind: 'service-account',
  externalId: 'ci@proj-1.iam.gserviceaccount.com',
  name: 'ci',
});
const binding = (role: string) =>
  grant(sa, {
    permission: role,
    resource: 'projects/proj-1',
    privilege: 'admin',
    source: 'project IAM policy (projects/proj-1)',
    attributes: { level: 'project', basicRole: true, customRole: false, condition: null },
  });

ruleTable(rule, [
  {
    name: 'AWS * on * (AdministratorAccess): admin, CIS 1.16, the statement named',
    data: () => ({
      identities: [i],
      grants: [
        awsGrant(i, { actions: ['*'], source: 'arn:aws:iam::aws:policy/AdministratorAccess' }),
      ],
    }),
    expect: 'fail',
    cis: 'CIS AWS Foundations 3.0 1.16',
    evidence: {
      allows: ['* on *'],
      grants: [{ source: 'arn:aws:iam::aws:policy/AdministratorAccess' }],
    },
  },
  {
    name: 'AWS *:* written out: admin',
    data: () => ({ identities: [i], grants: [awsGrant(i, { actions: ['*:*'] })] }),
    expect: 'fail',
  },
  {
    name: 'AWS * on one bucket only: not admin',
    data: () => ({
      identities: [i],
      grants: [awsGrant(i, { actions: ['*'], resources: ['arn:aws:s3:::orbital-logs/*'] })],
    }),
    expect: 'pass',
  },
  {
    name: 'AWS * on a mix of "*" and one bucket (statements merged): not evaluated, not guessed',
    data: () => ({
      identities: [i],
      grants: [awsGrant(i, { actions: ['*'], resources: ['*', 'arn:aws:s3:::orbital-logs/*'] })],
    }),
    expect: 'not-evaluated',
  },
  {
    name: 'AWS Allow + NotAction s3:* on *: everything else, IAM included, is admin',
    data: () => ({ identities: [i], grants: [awsGrant(i, { notActions: ['s3:*'] })] }),
    expect: 'fail',
    evidence: { allows: ['every action except s3:* (NotAction) on *'] },
  },
  {
    name: 'AWS Allow + NotAction iam:*,organizations:*,account:* (PowerUserAccess): not admin',
    data: () => ({
      identities: [i],
      grants: [awsGrant(i, { notActions: ['iam:*', 'organizations:*', 'account:*'] })],
    }),
    expect: 'pass',
  },
  {
    name: 'AWS ecs:Describe* + ecs:UpdateService: not admin',
    data: () => ({
      identities: [i],
      grants: [awsGrant(i, { actions: ['ecs:Describe*', 'ecs:UpdateService'] })],
    }),
    expect: 'pass',
  },
  {
    name: 'AWS service wildcard s3:* is not full admin (service-wildcard reports it)',
    data: () => ({ identities: [i], grants: [awsGrant(i, { actions: ['s3:*'] })] }),
    expect: 'pass',
  },
  {
    name: 'AWS iam:* is permission management, not full admin',
    data: () => ({ identities: [i], grants: [awsGrant(i, { actions: ['iam:*'] })] }),
    expect: 'pass',
  },
  {
    name: 'AWS grant whose actions were not recorded: not evaluated',
    data: () => ({
      identities: [i],
      grants: [grant(i, { permission: 'AdministratorAccess', privilege: 'admin' })],
    }),
    expect: 'not-evaluated',
  },
  {
    name: 'ignorePermissions: an accepted break-glass policy is not counted',
    data: () => ({
      identities: [role],
      grants: [awsGrant(role, { actions: ['*'], source: 'inline:break-glass' })],
    }),
    policy: {
      rules: { 'admin-grant': { options: { ignorePermissions: ['*'] } } },
      exceptions: [],
    },
    expect: 'pass',
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
    name: 'service-linked role (policy owned by AWS): skipped',
    data: () => {
      const slr = identity({ id: 'i-slr', kind: 'role', attributes: { serviceLinked: true } });
      return { identities: [slr], grants: [awsGrant(slr, { actions: ['*'] })] };
    },
    expect: 'pass',
  },
  {
    name: 'Azure Owner at subscription scope: admin',
    data: () => ({
      identities: [azureSp],
      grants: [rbac('Owner', 'subscription', '/subscriptions/s-1')],
    }),
    expect: 'fail',
    cis: null,
  },
  {
    name: 'Azure Owner at management-group scope: admin',
    data: () => ({
      identities: [azureSp],
      grants: [
        rbac('Owner', 'managementGroup', '/providers/Microsoft.Management/managementGroups/mg'),
      ],
    }),
    expect: 'fail',
  },
  {
    name: 'Azure Owner on one resource group: narrow, not reported',
    data: () => ({
      identities: [azureSp],
      grants: [rbac('Owner', 'resourceGroup', '/subscriptions/s-1/resourceGroups/rg')],
    }),
    expect: 'pass',
  },
  {
    name: 'Azure Contributor at subscription: not full admin (no role assignments)',
    data: () => ({
      identities: [azureSp],
      grants: [rbac('Contributor', 'subscription', '/subscriptions/s-1')],
    }),
    expect: 'pass',
  },
  {
    name: 'GCP roles/owner at project level: admin, CIS GCP 1.5',
    data: () => ({ identities: [sa], grants: [binding('roles/owner')] }),
    expect: 'fail',
    cis: 'CIS GCP Foundations 3.0 1.5',
  },
  {
    name: 'GCP roles/editor at project level: admin (basic role)',
    data: () => ({ identities: [sa], grants: [binding('roles/editor')] }),
    expect: 'fail',
  },
  {
    name: 'GCP roles/viewer: not admin',
    data: () => ({ identities: [sa], grants: [binding('roles/viewer')] }),
    expect: 'pass',
  },
  {
    name: 'GitHub classic PAT with admin:org: admin, the token is the subject',
    data: () => {
      const u = identity({ id: 'i-gh', provider: 'github', scopeId: 'acme', kind: 'github-user' });
      const c = credential(u, { id: 'c-pat', type: 'classic-pat', externalId: 'pat-1' });
      return {
        identities: [u],
        credentials: [c],
        grants: [
          grant(u, {
            credentialId: 'c-pat',
            credentialExternalId: 'pat-1',
            permission: 'scope:admin:org',
            resource: 'org:acme',
            privilege: 'admin',
          }),
        ],
      };
    },
    expect: 'fail',
    subject: 'c-pat',
  },
  {
    name: 'GitHub classic PAT with read:org: not admin',
    data: () => {
      const u = identity({ id: 'i-gh', provider: 'github', scopeId: 'acme', kind: 'github-user' });
      const c = credential(u, { id: 'c-pat', type: 'classic-pat', externalId: 'pat-1' });
      return {
        identities: [u],
        credentials: [c],
        grants: [
          grant(u, {
            credentialId: 'c-pat',
            permission: 'scope:read:org',
            resource: 'org:acme',
            privilege: 'read',
          }),
        ],
      };
    },
    expect: 'pass',
  },
]);
