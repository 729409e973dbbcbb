import { expect } from 'vitest';
import { permissionsManagement as rule } from './permissions-management.js';
import { ruleTable } from '../test-table.js';
import { awsGrant, grant, identity } from '../testing.js';

const i = identity({ id: 'i-role', kind: 'role', name: 'deployer' });
const sp = identity({
  id: 'i-sp',
  provider: 'azure',
  scopeId: 't',
  kind: 'service-principal',
  name: 'automation',
});
const rbac = (role: string, scopeLevel: string) =>
  grant(sp, {
    permission: role,
    resource:
      scopeLevel === 'subscription' ? '/subscriptions/s' : '/subscriptions/s/resourceGroups/rg',
    attributes: { kind: 'azure-rbac', scopeLevel, roleType: 'BuiltInRole' },
  });
const graphApp = (permission: string) =>
  grant(sp, {
    permission,
    resource: 'Microsoft Graph',
    attributes: {
      kind: 'application-permission',
      resourceAppId: '00000003-0000-0000-c000-000000000000',
    },
  });
const sa = identity({
  id: 'i-sa',
  provider: 'gcp',
  scopeId: 'p',
  kind: 'service-account',
  name: 'ci',
});

ruleTable(rule, [
  {
    name: 'AWS iam:* on *: permission management, named',
    data: () => ({ identities: [i], grants: [awsGrant(i, { actions: ['iam:*'] })] }),
    expect: 'fail',
    evidence: {
      allows: expect.arrayContaining([
        'iam:PutRolePolicy (via iam:*)',
        'iam:AttachRolePolicy (via iam:*)',
      ]),
    },
  },
  {
    name: 'AWS iam:Put*Policy on *: permission management',
    data: () => ({ identities: [i], grants: [awsGrant(i, { actions: ['iam:Put*Policy'] })] }),
    expect: 'fail',
    evidence: { allows: expect.arrayContaining(['iam:PutUserPolicy (via iam:Put*Policy)']) },
  },
  {
    name: 'AWS iam:CreatePolicyVersion on *: permission management',
    data: () => ({
      identities: [i],
      grants: [awsGrant(i, { actions: ['iam:CreatePolicyVersion'] })],
    }),
    expect: 'fail',
    evidence: { allows: ['iam:CreatePolicyVersion'] },
  },
  {
    name: 'AWS iam:AttachRolePolicy on its own roles only: narrow, not reported',
    data: () => ({
      identities: [i],
      grants: [
        awsGrant(i, {
          actions: ['iam:AttachRolePolicy'],
          resources: ['arn:aws:iam::111122223333:role/app-*'],
        }),
      ],
    }),
    expect: 'pass',
  },
  {
    name: 'AWS iam:AttachRolePolicy on every role (role/*): permission management',
    data: () => ({
      identities: [i],
      grants: [
        awsGrant(i, {
          actions: ['iam:AttachRolePolicy'],
          resources: ['arn:aws:iam::111122223333:role/*'],
        }),
      ],
    }),
    expect: 'fail',
  },
  {
    name: 'AWS iam:Get* / iam:List* (read-only wildcards): nothing',
    data: () => ({
      identities: [i],
      grants: [awsGrant(i, { actions: ['iam:Get*', 'iam:List*'] })],
    }),
    expect: 'pass',
  },
  {
    name: 'AWS full admin: reported by admin-grant, not again here',
    data: () => ({ identities: [i], grants: [awsGrant(i, { actions: ['*'] })] }),
    expect: 'pass',
  },
  {
    name: 'Azure User Access Administrator at subscription: permission management',
    data: () => ({ identities: [sp], grants: [rbac('User Access Administrator', 'subscription')] }),
    expect: 'fail',
  },
  {
    name: 'Azure User Access Administrator on one resource group: narrow',
    data: () => ({
      identities: [sp],
      grants: [rbac('User Access Administrator', 'resourceGroup')],
    }),
    expect: 'pass',
  },
  {
    name: 'Azure Graph RoleManagement.ReadWrite.Directory (application): permission management',
    data: () => ({ identities: [sp], grants: [graphApp('RoleManagement.ReadWrite.Directory')] }),
    expect: 'fail',
  },
  {
    name: 'Azure Graph AppRoleAssignment.ReadWrite.All (application): permission management',
    data: () => ({ identities: [sp], grants: [graphApp('AppRoleAssignment.ReadWrite.All')] }),
    expect: 'fail',
  },
  {
    name: 'Azure Graph RoleManagement.ReadWrite.Directory delegated: bounded by the signed-in user, not judged',
    data: () => ({
      identities: [sp],
      grants: [
        grant(sp, {
          permission: 'RoleManagement.ReadWrite.Directory',
          attributes: { kind: 'delegated-permission' },
        }),
      ],
    }),
    expect: 'pass',
  },
  {
    name: 'GCP projectIamAdmin at project level: permission management',
    data: () => ({
      identities: [sa],
      grants: [
        grant(sa, {
          permission: 'roles/resourcemanager.projectIamAdmin',
          attributes: { level: 'project' },
        }),
      ],
    }),
    expect: 'fail',
  },
]);
