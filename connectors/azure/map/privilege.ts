/** How much a Graph permission or an Azure RBAC role allows: admin, write, read or unknown. */
import type { Privilege } from '../../../src/connector/index.js';
import type { ArmRoleDefinition } from '../schema.js';

/** Graph permissions that amount to tenant takeover (grant yourself anything, own every app). */
const GRAPH_ADMIN = new Set([
  'Directory.ReadWrite.All',
  'Directory.AccessAsUser.All',
  'RoleManagement.ReadWrite.Directory',
  'RoleManagement.ReadWrite.All',
  'RoleAssignmentSchedule.ReadWrite.Directory',
  'RoleEligibilitySchedule.ReadWrite.Directory',
  'AppRoleAssignment.ReadWrite.All',
  'Application.ReadWrite.All',
  'PrivilegedAccess.ReadWrite.AzureAD',
  'PrivilegedAccess.ReadWrite.AzureADGroup',
  'PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup',
  'Policy.ReadWrite.ConditionalAccess',
  'Policy.ReadWrite.AuthenticationMethod',
  'Policy.ReadWrite.PermissionGrant',
  'UserAuthenticationMethod.ReadWrite.All',
  'Domain.ReadWrite.All',
  'Group.ReadWrite.All',
  'GroupMember.ReadWrite.All',
  'Organization.ReadWrite.All',
  'Sites.FullControl.All',
  'full_access_as_app',
]);

export function graphPermissionPrivilege(permission: string): Privilege {
  if (GRAPH_ADMIN.has(permission)) return 'admin';
  if (
    /ReadWrite|FullControl|\.Write|\.Send|Send\.|\.Manage|Manage\.|\.Create|\.Delete|AccessAsUser|impersonation/i.test(
      permission,
    )
  ) {
    return 'write';
  }
  return 'read';
}

const ADMIN_ROLE_NAMES = new Set([
  'Owner',
  'Contributor',
  'User Access Administrator',
  'Role Based Access Control Administrator',
]);
const READ_ONLY_ACTION = /(\/read|\/(get|list|read)[A-Za-z]*\/action)$/i;

/**
 * Azure RBAC: full control (`*`) or the right to hand out roles (Microsoft.Authorization
 * writes) at subscription scope or above is admin; the same below a subscription is write.
 */
export function rbacPrivilege(
  roleName: string | null,
  definition: ArmRoleDefinition | null,
  scope: string,
): Privilege {
  const atSubscriptionOrAbove =
    scopeLevel(scope) !== 'resourceGroup' && scopeLevel(scope) !== 'resource';
  if (!definition) {
    if (roleName && ADMIN_ROLE_NAMES.has(roleName))
      return atSubscriptionOrAbove ? 'admin' : 'write';
    return 'unknown';
  }
  const actions = (definition.permissions ?? []).flatMap((p) => p.actions ?? []);
  const dataActions = (definition.permissions ?? []).flatMap((p) => p.dataActions ?? []);
  const all = [...actions, ...dataActions];
  if (all.length === 0) return 'unknown';
  const fullControl = actions.includes('*');
  const grantsRoles = actions.some((a) =>
    /^Microsoft\.Authorization\/(\*|roleAssignments\/(\*|write))$/i.test(a),
  );
  if (fullControl || grantsRoles) return atSubscriptionOrAbove ? 'admin' : 'write';
  if (all.every((a) => READ_ONLY_ACTION.test(a))) return 'read';
  return 'write';
}

export function scopeLevel(
  scope: string,
): 'root' | 'managementGroup' | 'subscription' | 'resourceGroup' | 'resource' {
  if (scope === '/' || scope === '') return 'root';
  if (/^\/providers\/Microsoft\.Management\/managementGroups\//i.test(scope))
    return 'managementGroup';
  if (/^\/subscriptions\/[^/]+\/?$/i.test(scope)) return 'subscription';
  if (/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/?$/i.test(scope)) return 'resourceGroup';
  return 'resource';
}
