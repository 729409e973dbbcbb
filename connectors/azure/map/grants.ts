/**
 * Permissions -> grants: Graph application permissions (app role assignments), delegated
 * permission grants (one grant per scope) and Azure RBAC role assignments, each resolved to a
 * name and a privilege. Grants of principals that are not identities here are skipped.
 */
import type { Grant, UsageSignal } from '../../../src/connector/index.js';
import { PRINCIPAL_USAGE } from '../../../src/model/index.js';
import type {
  ArmRoleAssignment,
  ArmRoleDefinition,
  GraphAppRoleAssignment,
  GraphOAuth2Grant,
  GraphServicePrincipal,
} from '../schema.js';
import { graphPermissionPrivilege, rbacPrivilege, scopeLevel } from './privilege.js';
import { UNKNOWN_USE } from './usage.js';

/*
 * Azure reports use per service principal (its last sign-in), not per assignment: each
 * application permission and role assignment carries its principal's last sign-in, marked with
 * PRINCIPAL_USAGE. A principal idle for the window used none of them; one that signed in
 * may have used any, and the unused-grant rule leaves those not evaluated. Exactly the evidence
 * `nhi trim` acts on (connectors/azure/trim.ts), so the finding and the trim agree. Delegated
 * permissions stay unknown: trim does not touch them.
 */

const DEFAULT_ACCESS_ROLE = '00000000-0000-0000-0000-000000000000';

/** Service principal object id -> the identity it belongs to (the app's, when merged). */
export type IdentityOfSp = ReadonlyMap<string, string>;

export function appRoleGrant(
  a: GraphAppRoleAssignment,
  identityExternalId: string,
  resource: GraphServicePrincipal | undefined,
  use: UsageSignal = UNKNOWN_USE,
): Grant {
  const role = resource?.appRoles?.find((r) => r.id === a.appRoleId);
  const isDefault = a.appRoleId === DEFAULT_ACCESS_ROLE;
  return {
    externalId: a.id,
    identityExternalId,
    credentialExternalId: null,
    permission: role?.value ?? (isDefault ? 'default-access' : a.appRoleId),
    resource: a.resourceDisplayName ?? resource?.displayName ?? a.resourceId,
    privilege: role?.value ? graphPermissionPrivilege(role.value) : isDefault ? 'read' : 'unknown',
    source: `appRoleAssignment:${a.resourceDisplayName ?? a.resourceId}`,
    grantedAt: a.createdDateTime ?? null,
    ...use,
    attributes: {
      ...(use.lastUsedKnown ? PRINCIPAL_USAGE : {}),
      kind: 'application-permission',
      resourceId: a.resourceId,
      resourceAppId: resource?.appId ?? null,
      appRoleId: a.appRoleId,
    },
  };
}

export function delegatedGrants(
  g: GraphOAuth2Grant,
  identityExternalId: string,
  resource: GraphServicePrincipal | undefined,
): Grant[] {
  return (g.scope ?? '')
    .split(/\s+/)
    .filter(Boolean)
    .map((scope) => ({
      externalId: `${g.id}|${scope}`,
      identityExternalId,
      credentialExternalId: null,
      permission: scope,
      resource: resource?.displayName ?? g.resourceId,
      privilege: graphPermissionPrivilege(scope),
      source: 'oauth2PermissionGrant',
      grantedAt: null,
      ...UNKNOWN_USE,
      attributes: {
        kind: 'delegated-permission',
        consentType: g.consentType ?? null,
        principalId: g.principalId ?? null,
        resourceId: g.resourceId,
      },
    }));
}

export interface RbacData {
  subscriptionId: string;
  subscriptionName: string;
  assignments: ArmRoleAssignment[];
  definitions: ArmRoleDefinition[];
}

/**
 * Role assignments of the identities in `identityOfSp`, once each (an assignment on a
 * management group shows up under every subscription below it). Users, groups and deleted
 * principals are not identities here and are skipped.
 */
export function rbacGrants(
  subscriptions: readonly RbacData[],
  identityOfSp: IdentityOfSp,
  useOfSp: (spId: string) => UsageSignal = () => UNKNOWN_USE,
): Grant[] {
  const grants: Grant[] = [];
  const seen = new Set<string>();
  for (const sub of subscriptions) {
    const defs = new Map(sub.definitions.map((d) => [d.name.toLowerCase(), d]));
    for (const a of sub.assignments) {
      const identityExternalId = identityOfSp.get(a.principalId);
      if (!identityExternalId || seen.has(a.id.toLowerCase())) continue;
      seen.add(a.id.toLowerCase());
      const defGuid = a.roleDefinitionId.split('/').at(-1)?.toLowerCase() ?? '';
      const def = defs.get(defGuid) ?? null;
      const roleName = def?.roleName ?? null;
      const use = useOfSp(a.principalId);
      grants.push({
        externalId: a.id,
        identityExternalId,
        credentialExternalId: null,
        permission: roleName ?? defGuid,
        resource: a.scope,
        privilege: rbacPrivilege(roleName, def, a.scope),
        source: a.roleDefinitionId,
        grantedAt: a.createdOn ?? null,
        ...use,
        attributes: {
          ...(use.lastUsedKnown ? PRINCIPAL_USAGE : {}),
          kind: 'azure-rbac',
          subscriptionId: sub.subscriptionId,
          subscriptionName: sub.subscriptionName,
          scopeLevel: scopeLevel(a.scope),
          roleType: def?.roleType ?? null,
          condition: a.condition ?? null,
        },
      });
    }
  }
  return grants;
}
