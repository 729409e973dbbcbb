import { privilegeEscalation as rule } from './privilege-escalation.js';
import { ruleTable } from '../test-table.js';
import { awsGrant, credential, grant, identity } from '../testing.js';

const i = identity({ id: 'i-role', kind: 'role', name: 'deployer' });
const sp = identity({
  id: 'i-sp',
  provider: 'azure',
  scopeId: 't',
  kind: 'service-principal',
  name: 'automation',
});
const sa = identity({
  id: 'i-sa',
  provider: 'gcp',
  scopeId: 'p',
  kind: 'service-account',
  name: 'ci',
});
const gcpRole = (role: string, level = 'project') =>
  grant(sa, { permission: role, resource: 'projects/p', attributes: { level } });

ruleTable(rule, [
  {
    name: 'AWS iam:PassRole on * with lambda:CreateFunction + InvokeFunction: escalation, path named',
    data: () => ({
      identities: [i],
      grants: [
        awsGrant(i, { actions: ['iam:PassRole'] }),
        awsGrant(i, { actions: ['lambda:CreateFunction', 'lambda:InvokeFunction'] }),
      ],
    }),
    expect: 'fail',
    evidence: {
      paths: ['PassRole+Lambda'],
      allows: ['iam:PassRole', 'lambda:CreateFunction', 'lambda:InvokeFunction'],
    },
  },
  {
    name: 'AWS iam:PassRole on * with ec2:RunInstances (via ec2:Run*): escalation',
    data: () => ({
      identities: [i],
      grants: [awsGrant(i, { actions: ['iam:PassRole'] }), awsGrant(i, { actions: ['ec2:Run*'] })],
    }),
    expect: 'fail',
    evidence: { paths: ['PassRole+EC2'] },
  },
  {
    name: 'AWS iam:PassRole on * alone (no compute service): no path',
    data: () => ({ identities: [i], grants: [awsGrant(i, { actions: ['iam:PassRole'] })] }),
    expect: 'pass',
  },
  {
    name: 'AWS iam:PassRole on one role with a compute service: narrow, no path',
    data: () => ({
      identities: [i],
      grants: [
        awsGrant(i, {
          actions: ['iam:PassRole'],
          resources: ['arn:aws:iam::111122223333:role/app-runtime'],
        }),
        awsGrant(i, { actions: ['lambda:CreateFunction', 'lambda:InvokeFunction'] }),
      ],
    }),
    expect: 'pass',
  },
  {
    name: 'AWS iam:PassRole on every role (role/*) with ecs task + service: escalation',
    data: () => ({
      identities: [i],
      grants: [
        awsGrant(i, { actions: ['iam:PassRole'], resources: ['arn:aws:iam::111122223333:role/*'] }),
        awsGrant(i, { actions: ['ecs:RegisterTaskDefinition', 'ecs:CreateService'] }),
      ],
    }),
    expect: 'fail',
    evidence: { paths: ['PassRole+ECSService'] },
  },
  {
    name: 'AWS iam:CreateAccessKey on every user: escalation',
    data: () => ({ identities: [i], grants: [awsGrant(i, { actions: ['iam:CreateAccessKey'] })] }),
    expect: 'fail',
    evidence: { paths: ['CreateAccessKey'] },
  },
  {
    name: 'AWS iam:CreateAccessKey on the caller only (${aws:username}): not escalation',
    data: () => ({
      identities: [i],
      grants: [
        awsGrant(i, {
          actions: ['iam:CreateAccessKey'],
          resources: ['arn:aws:iam::111122223333:user/${aws:username}'],
        }),
      ],
    }),
    expect: 'pass',
  },
  {
    name: 'AWS iam:UpdateLoginProfile on *: escalation',
    data: () => ({
      identities: [i],
      grants: [awsGrant(i, { actions: ['iam:UpdateLoginProfile'] })],
    }),
    expect: 'fail',
  },
  {
    name: 'AWS sts:AssumeRole on *: escalation',
    data: () => ({ identities: [i], grants: [awsGrant(i, { actions: ['sts:AssumeRole'] })] }),
    expect: 'fail',
    evidence: { paths: ['AssumeAnyRole'] },
  },
  {
    name: 'AWS sts:AssumeRole on one role: narrow',
    data: () => ({
      identities: [i],
      grants: [
        awsGrant(i, {
          actions: ['sts:AssumeRole'],
          resources: ['arn:aws:iam::222233334444:role/deploy'],
        }),
      ],
    }),
    expect: 'pass',
  },
  {
    name: 'AWS ecs:Describe* + ecs:UpdateService: no path',
    data: () => ({
      identities: [i],
      grants: [awsGrant(i, { actions: ['ecs:Describe*', 'ecs:UpdateService'] })],
    }),
    expect: 'pass',
  },
  {
    name: 'AWS lambda:UpdateFunctionCode on * (existing function with a role): escalation, as Prowler',
    data: () => ({
      identities: [i],
      grants: [awsGrant(i, { actions: ['lambda:UpdateFunctionCode'] })],
    }),
    expect: 'fail',
    evidence: { paths: ['UpdateLambdaCode'], needsExistingResource: ['UpdateLambdaCode'] },
  },
  {
    name: 'existingResourcePaths: false drops paths through existing compute',
    data: () => ({
      identities: [i],
      grants: [awsGrant(i, { actions: ['lambda:UpdateFunctionCode'] })],
    }),
    policy: {
      rules: { 'privilege-escalation': { options: { existingResourcePaths: false } } },
      exceptions: [],
    },
    expect: 'pass',
  },
  {
    name: 'AWS PassRole and compute in one policy that mixes "*" and specific resources: not evaluated',
    data: () => ({
      identities: [i],
      grants: [
        awsGrant(i, {
          actions: ['iam:PassRole', 'iam:ListRoles'],
          resources: ['*', 'arn:aws:iam::111122223333:role/app'],
        }),
      ],
    }),
    expect: 'not-evaluated',
  },
  {
    name: 'Azure Contributor at subscription: run command / managed identities',
    data: () => ({
      identities: [sp],
      grants: [
        grant(sp, {
          permission: 'Contributor',
          resource: '/subscriptions/s',
          attributes: { kind: 'azure-rbac', scopeLevel: 'subscription', roleType: 'BuiltInRole' },
        }),
      ],
    }),
    expect: 'fail',
  },
  {
    name: 'Azure Graph Application.ReadWrite.All (application): escalation',
    data: () => ({
      identities: [sp],
      grants: [
        grant(sp, {
          permission: 'Application.ReadWrite.All',
          resource: 'Microsoft Graph',
          attributes: {
            kind: 'application-permission',
            resourceAppId: '00000003-0000-0000-c000-000000000000',
          },
        }),
      ],
    }),
    expect: 'fail',
  },
  {
    name: 'Azure custom role at subscription: actions not recorded, not evaluated',
    data: () => ({
      identities: [sp],
      grants: [
        grant(sp, {
          permission: 'Deployer (custom)',
          privilege: 'admin',
          resource: '/subscriptions/s',
          attributes: { kind: 'azure-rbac', scopeLevel: 'subscription', roleType: 'CustomRole' },
        }),
      ],
    }),
    expect: 'not-evaluated',
  },
  {
    name: 'GCP Service Account Token Creator at project level: escalation, CIS GCP 1.6',
    data: () => ({ identities: [sa], grants: [gcpRole('roles/iam.serviceAccountTokenCreator')] }),
    expect: 'fail',
    cis: 'CIS GCP Foundations 3.0 1.6',
  },
  {
    name: 'GCP Service Account Key Admin at folder level: escalation',
    data: () => ({
      identities: [sa],
      grants: [gcpRole('roles/iam.serviceAccountKeyAdmin', 'folder')],
    }),
    expect: 'fail',
  },
  {
    name: 'GCP Service Account User at project level: escalation',
    data: () => ({ identities: [sa], grants: [gcpRole('roles/iam.serviceAccountUser')] }),
    expect: 'fail',
  },
  {
    name: 'GCP custom role: permissions not recorded, not evaluated',
    data: () => ({
      identities: [sa],
      grants: [
        grant(sa, {
          permission: 'projects/p/roles/deployer',
          privilege: 'unknown',
          attributes: { level: 'project', customRole: true },
        }),
      ],
    }),
    expect: 'not-evaluated',
  },
  {
    name: 'GitHub fine-grained PAT with workflows write: escalation on the token',
    data: () => {
      const u = identity({ id: 'i-gh', provider: 'github', scopeId: 'acme', kind: 'github-user' });
      const c = credential(u, { id: 'c-fg', type: 'fine-grained-pat', externalId: 'fg-1' });
      return {
        identities: [u],
        credentials: [c],
        grants: [
          grant(u, {
            credentialId: 'c-fg',
            permission: 'repository:workflows',
            resource: 'acme/*',
            attributes: { level: 'write' },
          }),
        ],
      };
    },
    expect: 'fail',
    subject: 'c-fg',
  },
  {
    name: 'GitHub fine-grained PAT with workflows read: nothing',
    data: () => {
      const u = identity({ id: 'i-gh', provider: 'github', scopeId: 'acme', kind: 'github-user' });
      const c = credential(u, { id: 'c-fg', type: 'fine-grained-pat', externalId: 'fg-1' });
      return {
        identities: [u],
        credentials: [c],
        grants: [
          grant(u, {
            credentialId: 'c-fg',
            permission: 'repository:workflows',
            resource: 'acme/*',
            attributes: { level: 'read' },
          }),
        ],
      };
    },
    expect: 'pass',
  },
]);
