import { z } from 'zod';
import { defineRule } from '../types.js';
import { NARROW_GRANT } from './_fixes.js';
import { ignorePermissionsOption, privilegeRule } from './_privilege.js';

export const permissionsManagement = defineRule(
  privilegeRule({
    id: 'permissions-management',
    privilegeClass: 'permissions-management',
    verb: 'can change who may do what',
    title: 'Can change permissions',
    description:
      'The identity can rewrite permissions on every resource, and so make itself (or anyone) ' +
      'admin in one call: AWS `iam:Put*Policy`, `iam:Attach*Policy`, `iam:CreatePolicyVersion`, ' +
      '`iam:SetDefaultPolicyVersion`, `iam:AddUserToGroup`, `iam:UpdateAssumeRolePolicy` or ' +
      'permissions boundaries on `*` (`iam:*` includes them); Azure User Access Administrator or ' +
      'Role Based Access Control Administrator at subscription or management-group scope, ' +
      'Microsoft Graph RoleManagement.ReadWrite.Directory or AppRoleAssignment.ReadWrite.All; GCP ' +
      'projectIamAdmin, securityAdmin, roleAdmin, serviceAccountAdmin at project level or above; ' +
      'GitHub write access to organization administration, members or repository administration.',
    help:
      'Remove the permission-management actions or roles; let a reviewed pipeline (IaC with ' +
      'approvals) change permissions instead of a standing machine identity.',
    severity: 'high',
    owasp: 'NHI5',
    cis: {},
    defaultsFrom: null,
    fix: NARROW_GRANT,
    options: z.object({ ignorePermissions: ignorePermissionsOption }),
    providerDefaults: {},
  }),
);
