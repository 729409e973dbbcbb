import { dataExfiltration as rule } from './data-exfiltration.js';
import { ruleTable } from '../test-table.js';
import { awsGrant, grant, identity } from '../testing.js';

const i = identity({ id: 'i-role', kind: 'role', name: 'reporting' });
const sp = identity({
  id: 'i-sp',
  provider: 'azure',
  scopeId: 't',
  kind: 'service-principal',
  name: 'sync',
});

ruleTable(rule, [
  {
    name: 'AWS s3:GetObject on *: data exfiltration',
    data: () => ({ identities: [i], grants: [awsGrant(i, { actions: ['s3:GetObject'] })] }),
    expect: 'fail',
    evidence: { allows: ['s3:GetObject'] },
  },
  {
    name: 'AWS s3:Get* on * (read-only wildcard) reaches s3:GetObject: data exfiltration',
    data: () => ({ identities: [i], grants: [awsGrant(i, { actions: ['s3:Get*'] })] }),
    expect: 'fail',
    evidence: { allows: ['s3:GetObject (via s3:Get*)'] },
  },
  {
    name: 'AWS s3:GetObject on one bucket: narrow',
    data: () => ({
      identities: [i],
      grants: [awsGrant(i, { actions: ['s3:GetObject'], resources: ['arn:aws:s3:::reports/*'] })],
    }),
    expect: 'pass',
  },
  {
    name: 'AWS secretsmanager:GetSecretValue on *: data exfiltration',
    data: () => ({
      identities: [i],
      grants: [awsGrant(i, { actions: ['secretsmanager:GetSecretValue'] })],
    }),
    expect: 'fail',
  },
  {
    name: 'AWS secretsmanager:ListSecrets / DescribeSecret: metadata only',
    data: () => ({
      identities: [i],
      grants: [
        awsGrant(i, { actions: ['secretsmanager:ListSecrets', 'secretsmanager:DescribeSecret'] }),
      ],
    }),
    expect: 'pass',
  },
  {
    name: 'AWS kms:Decrypt on *: data exfiltration',
    data: () => ({ identities: [i], grants: [awsGrant(i, { actions: ['kms:Decrypt'] })] }),
    expect: 'fail',
  },
  {
    name: 'Azure Graph Files.Read.All (application): every user’s files',
    data: () => ({
      identities: [sp],
      grants: [
        grant(sp, {
          permission: 'Files.Read.All',
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
    name: 'Azure Graph User.Read.All (application): directory metadata, not content',
    data: () => ({
      identities: [sp],
      grants: [
        grant(sp, {
          permission: 'User.Read.All',
          resource: 'Microsoft Graph',
          attributes: {
            kind: 'application-permission',
            resourceAppId: '00000003-0000-0000-c000-000000000000',
          },
        }),
      ],
    }),
    expect: 'pass',
  },
]);
