import { z } from 'zod';
import { defineRule } from '../types.js';
import { NARROW_GRANT } from './_fixes.js';
import { ignorePermissionsOption, privilegeRule } from './_privilege.js';

export const resourceExposure = defineRule(
  privilegeRule({
    id: 'resource-exposure',
    privilegeClass: 'resource-exposure',
    verb: 'can share or publish resources',
    title: 'Can change resource policies on every resource',
    description:
      'The identity can rewrite resource-based policies or share resources on every resource ' +
      "(Cloudsplaining's resource exposure): AWS `s3:PutBucketPolicy`, `s3:PutBucketAcl`, " +
      '`kms:PutKeyPolicy`, `secretsmanager:PutResourcePolicy`, `lambda:AddPermission`, ' +
      '`ec2:ModifySnapshotAttribute`, `ram:CreateResourceShare`… on `*`; Azure Contributor or ' +
      'Storage Account Contributor at subscription scope, Graph policy write permissions; GCP ' +
      'service admin roles that include setIamPolicy (storage, secretmanager, bigquery, kms…). ' +
      'One call makes a bucket, key or snapshot public or shares it with another account.',
    help: 'Remove the policy-changing actions, or scope them to the resources the identity manages.',
    severity: 'high',
    owasp: 'NHI5',
    cis: {},
    defaultsFrom: null,
    fix: NARROW_GRANT,
    options: z.object({ ignorePermissions: ignorePermissionsOption }),
    providerDefaults: {},
  }),
);
