/** The Azure trim world: a demo service principal holding RBAC and app role assignments. */
import type { StoredIdentity } from '../src/connector/index.js';
import type { AzureStandIn } from '../connectors/azure/stand-in/index.js';

type Estate = AzureStandIn['estate'];
export const NOW = new Date('2026-11-01T12:00:00Z');
export const ago = (d: number, now = NOW) => new Date(now.getTime() - d * 86_400_000).toISOString();

/** A service principal of the demo estate holding both kinds of assignment. */
function pick(estate: Estate) {
  const rbac = estate.subscriptions.flatMap((x) => x.roleAssignments);
  const sp = estate.servicePrincipals.find(
    (p) =>
      rbac.some((a) => a.principalId === p.id) &&
      estate.appRoleAssignments.some((a) => a.principalId === p.id),
  )!;
  return { sp, rbac: rbac.filter((a) => a.principalId === sp.id) };
}

/**
 * Makes its assignments 300 days old and its last sign-in `lastSignIn`; the identity, scope and
 * subject to plan the trim with.
 */
export function setup(estate: Estate, lastSignIn: string | null, now = NOW) {
  const { sp, rbac } = pick(estate);
  for (const a of rbac) a.createdOn = ago(300, now);
  for (const a of estate.appRoleAssignments)
    if (a.principalId === sp.id) a.createdDateTime = ago(300, now);
  estate.signInReports.servicePrincipals = [
    ...estate.signInReports.servicePrincipals.filter((r) => r.appId !== sp.appId),
    { appId: sp.appId!, lastSignInDateTime: lastSignIn },
  ] as typeof estate.signInReports.servicePrincipals;
  const identity: StoredIdentity = {
    id: 'i-sp',
    provider: 'azure',
    scopeId: estate.tenant.id,
    scopeName: 'tenant',
    firstSeenRun: 1,
    lastSeenRun: 1,
    removedRun: null,
    externalId: sp.id!,
    name: sp.displayName ?? 'sp',
    kind: 'service-principal',
    owner: null,
    createdAt: null,
    lastUsedAt: lastSignIn,
    lastUsedKnown: true,
    tags: {},
    attributes: { appId: sp.appId, servicePrincipalId: sp.id },
  };
  const scope = {
    provider: 'azure' as const,
    id: estate.tenant.id,
    name: 'tenant',
    kind: 'tenant' as const,
  };
  const subject = {
    scope,
    identityExternalId: sp.id!,
    identityName: identity.name,
    identityKind: identity.kind,
    attributes: identity.attributes,
  };
  return { sp, identity, scope, subject };
}

/** The service principal's assignments as `scope|role` and `resource|app role`. */
export const assignments = (estate: Estate, spId: string) => ({
  rbac: estate.subscriptions
    .flatMap((x) => x.roleAssignments)
    .filter((a) => a.principalId === spId)
    .map((a) => `${a.scope.toLowerCase()}|${a.roleDefinitionName}`)
    .sort(),
  appRoles: estate.appRoleAssignments
    .filter((a) => a.principalId === spId)
    .map((a) => `${a.resourceId}|${a.appRoleId}`)
    .sort(),
});
