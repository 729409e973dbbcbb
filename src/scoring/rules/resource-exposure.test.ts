import { expect } from 'vitest';
import { resourceExposure as rule } from './resource-exposure.js';
import { ruleTable } from '../test-table.js';
import { awsGrant, grant, identity } from '../testing.js';

const i = identity({ id: 'i-role', kind: 'role', name: 'ops' });
const sa = identity({
  id: 'i-sa',
  provider: 'gcp',
  scopeId: 'p',
  kind: 'service-account',
  name: 'ci',
});

ruleTable(rule, [
  {
    name: 'AWS s3:PutBucketPolicy on *: resource exposure',
    data: () => ({ identities: [i], grants: [awsGrant(i, { actions: ['s3:PutBucketPolicy'] })] }),
    expect: 'fail',
    evidence: { allows: ['s3:PutBucketPolicy'] },
  },
  {
    name: 'AWS s3:* on *: includes the policy writes',
    data: () => ({ identities: [i], grants: [awsGrant(i, { actions: ['s3:*'] })] }),
    expect: 'fail',
    evidence: { allows: expect.arrayContaining(['s3:PutBucketPolicy (via s3:*)']) },
  },
  {
    name: 'AWS s3:PutBucketPolicy on its own bucket: narrow',
    data: () => ({
      identities: [i],
      grants: [
        awsGrant(i, { actions: ['s3:PutBucketPolicy'], resources: ['arn:aws:s3:::ops-logs'] }),
      ],
    }),
    expect: 'pass',
  },
  {
    name: 'AWS s3:PutObject on * (data write, not a policy): not exposure',
    data: () => ({ identities: [i], grants: [awsGrant(i, { actions: ['s3:PutObject'] })] }),
    expect: 'pass',
  },
  {
    name: 'AWS ec2:ModifySnapshotAttribute on *: can share snapshots',
    data: () => ({
      identities: [i],
      grants: [awsGrant(i, { actions: ['ec2:ModifySnapshotAttribute'] })],
    }),
    expect: 'fail',
  },
  {
    name: 'GCP roles/storage.admin at project level: bucket setIamPolicy',
    data: () => ({
      identities: [sa],
      grants: [
        grant(sa, {
          permission: 'roles/storage.admin',
          resource: 'projects/p',
          attributes: { level: 'project' },
        }),
      ],
    }),
    expect: 'fail',
  },
  {
    name: 'GCP roles/compute.admin: no resource policy to expose in the list',
    data: () => ({
      identities: [sa],
      grants: [
        grant(sa, {
          permission: 'roles/logging.admin',
          resource: 'projects/p',
          attributes: { level: 'project' },
        }),
      ],
    }),
    expect: 'pass',
  },
]);
