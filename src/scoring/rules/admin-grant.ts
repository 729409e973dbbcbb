import { z } from 'zod';
import { defineRule } from '../types.js';
import { NARROW_GRANT } from './_fixes.js';
import { ignorePermissionsOption, privilegeRule } from './_privilege.js';

export const adminGrant = defineRule(
  privilegeRule({
    id: 'admin-grant',
    privilegeClass: 'admin',
    verb: 'has full administrator access',
    title: 'Full administrator access',
    description:
      'The identity (or credential) controls everything in its scope: AWS `*` on `*`, or ' +
      'Allow + NotAction that still leaves IAM permission management; Azure Owner at ' +
      'subscription or management-group scope; GCP basic roles Owner or Editor; GitHub ' +
      '`admin:org`, `admin:enterprise`, `site_admin` or an admin-level permission. A leaked ' +
      'credential is a full compromise of the account, subscription, project or organization. ' +
      'Read-only wildcards (`Get*`, `List*`, `Describe*`) are never admin. Inline and attached ' +
      'policies both count.',
    help:
      'Replace the grant with one that lists only the actions the identity uses (last-accessed ' +
      'data and IAM Access Analyzer policy generation show them), scoped to its resources.',
    severity: 'critical',
    owasp: 'NHI5',
    cis: { aws: 'CIS AWS Foundations 3.0 1.16', gcp: 'CIS GCP Foundations 3.0 1.5' },
    defaultsFrom: null,
    fix: NARROW_GRANT,
    options: z.object({ ignorePermissions: ignorePermissionsOption }),
    providerDefaults: {},
  }),
);
