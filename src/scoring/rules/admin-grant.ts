import { z } from 'zod';
import { defineRule } from '../types.js';
import { globMatch } from '../glob.js';
import { fail, notEvaluated } from './_helpers.js';
import { grantSubjects, grantSummary } from './_grants.js';

const GRANT_HOLDERS = new Set([
  'user',
  'role',
  'group',
  'application',
  'service-principal',
  'managed-identity',
  'service-account',
]);

export const adminGrant = defineRule({
  id: 'admin-grant',
  title: 'Admin or wildcard permissions',
  description:
    'The identity (or credential) holds an administrator grant, or a permission with a wildcard ' +
    'that can write (`*`, `s3:*`, `iam:*`; read-only wildcards such as `s3:Get*` only with includeReadOnlyWildcards). Inline and attached policies both count. A machine identity rarely ' +
    'needs more than a short list of actions; a leak of an admin credential is a full compromise.',
  help:
    'Replace the grant with a policy listing only the actions actually used (`nhi trim`, which ' +
    'uses last-accessed data where the provider has it).',
  severity: 'high',
  owasp: 'NHI5',
  cis: { aws: 'CIS AWS Foundations 3.0 1.16', gcp: 'CIS GCP Foundations 3.0 1.5' },
  playbook: 'trim-permissions',
  signals: [
    'authorization-details',
    'managed-policies',
    'project-iam-policy',
    'organization-iam-policy',
    'folder-iam-policy',
    'azure-rbac',
  ],
  options: z.object({
    ignorePermissions: z
      .array(z.string())
      .default([])
      .describe('Permission patterns (glob) never counted as admin, e.g. "logs:*"'),
    includeReadOnlyWildcards: z
      .boolean()
      .default(false)
      .describe('Also flag wildcards whose privilege is read-only, such as s3:Get*'),
  }),
  providerDefaults: {},
  *evaluate(ctx) {
    // Where permissions could not be read, identities that should hold grants are "not evaluated".
    for (const identity of ctx.identities) {
      if (!GRANT_HOLDERS.has(identity.kind) || ctx.grantsOf(identity).length > 0) continue;
      if (ctx.gap(identity))
        yield notEvaluated(ctx, identity, undefined, 'permissions could not be read');
    }
    for (const { identity, credential, grants } of grantSubjects(ctx)) {
      // Service-linked roles' policies belong to the provider and cannot be trimmed.
      if (identity.attributes.serviceLinked === true) continue;
      const { ignorePermissions, includeReadOnlyWildcards } = ctx.options(identity);
      // A read-only wildcard (`s3:Get*`, `ec2:Describe*`) is broad but not admin: opt-in only.
      const broad = grants.filter(
        (g) =>
          (g.privilege === 'admin' ||
            (g.permission.includes('*') && (g.privilege !== 'read' || includeReadOnlyWildcards))) &&
          !ignorePermissions.some((p) => globMatch(p, g.permission)),
      );
      if (broad.length === 0) continue;
      const names = [...new Set(broad.map((g) => g.permission))].sort();
      yield fail(
        identity,
        credential,
        `${credential ? `${credential.type} ${credential.externalId} of ` : ''}${identity.name} has admin/wildcard permissions: ${names.slice(0, 5).join(', ')}${names.length > 5 ? ` and ${names.length - 5} more` : ''}`,
        { grants: broad.map(grantSummary), count: broad.length },
      );
    }
  },
});
