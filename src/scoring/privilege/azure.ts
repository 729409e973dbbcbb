/**
 * Azure grants: RBAC role assignments (`attributes.kind = 'azure-rbac'`, role name in
 * `permission`, `attributes.scopeLevel`) and Microsoft Graph application permissions
 * (`attributes.kind = 'application-permission'`). Delegated permissions act only within what the
 * signed-in user may do and are not judged here.
 *
 * Built-in roles count at subscription, management-group or root scope; a role on a resource
 * group or a resource is the narrow grant these rules ask for. Custom roles are undetermined:
 * the connector does not record their actions yet.
 */
import type { StoredGrant } from '../../model/index.js';
import {
  ALL_CLASSES,
  hitCollector,
  type PrivilegeClass,
  type SubjectPrivileges,
  type Undetermined,
} from './types.js';

const BROAD_SCOPES = new Set(['root', 'managementGroup', 'subscription']);

/** What each built-in role allows at a broad scope, with the actions that make it so. */
const ROLES: Record<string, [PrivilegeClass, string][]> = {
  Owner: [['admin', 'Owner: every action, including role assignments (Microsoft.Authorization/*)']],
  Contributor: [
    [
      'privilege-escalation',
      'Contributor: Microsoft.Compute/virtualMachines/runCommand/action and Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action (act as any managed identity)',
    ],
    ['service-wildcard', 'Contributor: every action except Microsoft.Authorization writes'],
    [
      'data-exfiltration',
      'Contributor: Microsoft.Storage/storageAccounts/listKeys/action, Microsoft.Web/sites/config/list/action',
    ],
    [
      'resource-exposure',
      'Contributor: Microsoft.Storage/storageAccounts/write (public access, network rules), Microsoft.Network/*/write',
    ],
  ],
  'User Access Administrator': [
    ['permissions-management', 'User Access Administrator: Microsoft.Authorization/*'],
  ],
  'Role Based Access Control Administrator': [
    [
      'permissions-management',
      'Role Based Access Control Administrator: Microsoft.Authorization/roleAssignments/write',
    ],
  ],
  'Key Vault Contributor': [
    [
      'permissions-management',
      'Key Vault Contributor: Microsoft.KeyVault/vaults/write (vault access policies)',
    ],
  ],
  'Virtual Machine Contributor': [
    [
      'privilege-escalation',
      'Virtual Machine Contributor: Microsoft.Compute/virtualMachines/runCommand/action',
    ],
  ],
  'Managed Identity Operator': [
    [
      'privilege-escalation',
      'Managed Identity Operator: Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action',
    ],
  ],
  'Key Vault Administrator': [
    [
      'data-exfiltration',
      'Key Vault Administrator: Microsoft.KeyVault/vaults/secrets/getSecret/action',
    ],
  ],
  'Key Vault Secrets Officer': [
    [
      'data-exfiltration',
      'Key Vault Secrets Officer: Microsoft.KeyVault/vaults/secrets/getSecret/action',
    ],
  ],
  'Key Vault Secrets User': [
    [
      'data-exfiltration',
      'Key Vault Secrets User: Microsoft.KeyVault/vaults/secrets/getSecret/action',
    ],
  ],
  'Storage Account Contributor': [
    [
      'data-exfiltration',
      'Storage Account Contributor: Microsoft.Storage/storageAccounts/listKeys/action',
    ],
    ['resource-exposure', 'Storage Account Contributor: Microsoft.Storage/storageAccounts/write'],
  ],
  'Storage Blob Data Owner': [
    [
      'data-exfiltration',
      'Storage Blob Data Owner: Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read',
    ],
  ],
  'Storage Blob Data Contributor': [
    [
      'data-exfiltration',
      'Storage Blob Data Contributor: Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read',
    ],
  ],
  'Storage Blob Data Reader': [
    [
      'data-exfiltration',
      'Storage Blob Data Reader: Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read',
    ],
  ],
};

const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';

/** Graph application permissions that change who holds which role or permission. */
const GRAPH_PERMISSIONS_MANAGEMENT = new Set([
  'RoleManagement.ReadWrite.Directory',
  'RoleManagement.ReadWrite.All',
  'AppRoleAssignment.ReadWrite.All',
  'RoleAssignmentSchedule.ReadWrite.Directory',
  'RoleEligibilitySchedule.ReadWrite.Directory',
  'PrivilegedAccess.ReadWrite.AzureAD',
  'PrivilegedAccess.ReadWrite.AzureADGroup',
  'PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup',
  'PrivilegedEligibilitySchedule.ReadWrite.AzureADGroup',
  'Policy.ReadWrite.PermissionGrant',
  'DelegatedPermissionGrant.ReadWrite.All',
]);

/** Graph application permissions that let the app act as other identities. */
const GRAPH_ESCALATION: Record<string, string> = {
  'Application.ReadWrite.All':
    'add a secret to any app registration or service principal and sign in as it',
  'UserAuthenticationMethod.ReadWrite.All': 'reset any user’s authentication methods',
  'Domain.ReadWrite.All': 'federate a domain and forge sign-ins',
  'Directory.ReadWrite.All': 'add members to any group, including groups that hold roles',
  'Group.ReadWrite.All': 'add members to any group, including groups that hold roles',
  'GroupMember.ReadWrite.All': 'add members to any group, including groups that hold roles',
};

/** Graph application permissions that weaken tenant-wide sign-in protections. */
const GRAPH_EXPOSURE = new Set([
  'Policy.ReadWrite.ConditionalAccess',
  'Policy.ReadWrite.AuthenticationMethod',
  'Policy.ReadWrite.CrossTenantAccess',
]);

/** Content of every mailbox, drive, site, chat… */
const GRAPH_DATA =
  /^(Mail|Files|Sites|Notes|Chat|ChannelMessage|Calendars|Contacts|OnlineMeetingTranscript|OnlineMeetingRecording)\.(Read|ReadWrite|ReadBasic)(\.All)?$|^Sites\.FullControl\.All$/;

function isGraph(g: StoredGrant): boolean {
  const app = g.attributes.resourceAppId;
  return app === GRAPH_APP_ID || (app === undefined && g.resource === 'Microsoft Graph');
}

export function analyseAzure(grants: readonly StoredGrant[]): SubjectPrivileges {
  const found = hitCollector();
  const undetermined: Undetermined[] = [];
  const hit = found.add;
  for (const g of grants) {
    const kind = g.attributes.kind;
    if (kind === 'azure-rbac') {
      const level = String(g.attributes.scopeLevel ?? '');
      if (!BROAD_SCOPES.has(level)) continue;
      const where = `${level} ${g.resource}`;
      const known = ROLES[g.permission];
      if (known) {
        for (const [cls, what] of known) hit(cls, `${what} at ${where}`, g);
      } else if (g.attributes.roleType !== 'BuiltInRole' && g.privilege !== 'read') {
        undetermined.push({
          classes: ALL_CLASSES,
          grant: g,
          reason: `custom role ${g.permission} at ${where}: the Azure connector does not record a custom role's actions`,
        });
      }
      continue;
    }
    if (kind !== 'application-permission' || !isGraph(g)) continue;
    const p = g.permission;
    if (GRAPH_PERMISSIONS_MANAGEMENT.has(p))
      hit('permissions-management', `Microsoft Graph ${p}`, g);
    if (GRAPH_ESCALATION[p])
      hit('privilege-escalation', `Microsoft Graph ${p}: ${GRAPH_ESCALATION[p]}`, g);
    if (GRAPH_EXPOSURE.has(p)) hit('resource-exposure', `Microsoft Graph ${p}`, g);
    if (GRAPH_DATA.test(p))
      hit('data-exfiltration', `Microsoft Graph ${p} (every user's content)`, g);
    if (p.endsWith('.ReadWrite.All') && !GRAPH_PERMISSIONS_MANAGEMENT.has(p))
      hit('service-wildcard', `Microsoft Graph ${p} (tenant-wide write)`, g);
  }
  return { hits: found.hits(), undetermined };
}
