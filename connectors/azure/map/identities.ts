/**
 * Directory objects -> identities. An app registration and its service principal in the same
 * tenant are ONE identity (kind 'application', keyed by the application's object id): secrets
 * live on the application, permissions and sign-ins on the service principal, and users think
 * of both as "the app". Service principals without an app here (managed identities,
 * third-party apps) are identities of their own.
 */
import type { Identity } from '../../../src/connector/index.js';
import type {
  GraphApplication,
  GraphOrganization,
  GraphOwner,
  GraphServicePrincipal,
} from '../schema.js';
import { appOwnerCandidates } from '../owners.js';
import { usageOf } from './usage.js';

/** Microsoft's own tenants: their first-party service principals are platform plumbing. */
const MICROSOFT_TENANTS = new Set([
  'f8cdef31-a31e-4b4a-93e4-5f571e91255a',
  '72f988bf-86f1-41af-91ab-2d7cd011db47',
]);

export function isMicrosoftFirstParty(sp: { appOwnerOrganizationId?: string | null }): boolean {
  return MICROSOFT_TENANTS.has(sp.appOwnerOrganizationId ?? '');
}

function ownerName(o: GraphOwner): string {
  return o.userPrincipalName ?? o.displayName ?? o.appId ?? o.id;
}

/** Entra tags are strings; `key:value` ones become key/value pairs. */
export function tagsOf(tags: string[] | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of tags ?? []) {
    const i = t.indexOf(':');
    if (i > 0) out[t.slice(0, i)] = t.slice(i + 1);
    else out[t] = '';
  }
  return out;
}

/** appId -> last sign-in; null = the report was not read. */
type SpUsage = Map<string, string | null> | null;

export function applicationIdentity(
  app: GraphApplication,
  sp: GraphServicePrincipal | undefined,
  usage: SpUsage,
): Identity {
  const owners = app.owners?.map(ownerName).sort() ?? null;
  return {
    externalId: app.id,
    name: app.displayName ?? app.appId,
    kind: 'application',
    owner: owners?.[0] ?? null,
    createdAt: app.createdDateTime ?? null,
    // The app's tags, over its service principal's (both are "the app" to people).
    tags: { ...tagsOf(sp?.tags), ...tagsOf(app.tags) },
    ...usageOf(usage, app.appId),
    attributes: {
      appId: app.appId,
      servicePrincipalId: sp?.id ?? null,
      signInAudience: app.signInAudience ?? null,
      multiTenant: Boolean(app.signInAudience && app.signInAudience !== 'AzureADMyOrg'),
      owners,
      ownersKnown: owners !== null,
      accountEnabled: sp?.accountEnabled ?? null,
      ...(app.owners?.length ? { ownerCandidates: appOwnerCandidates(app.owners) } : {}),
    },
  };
}

export function servicePrincipalIdentity(
  sp: GraphServicePrincipal,
  tenantId: string,
  usage: SpUsage,
): Identity {
  const managed = sp.servicePrincipalType === 'ManagedIdentity';
  const resourceId =
    (sp.alternativeNames ?? []).find((n) => n.startsWith('/subscriptions/')) ?? null;
  return {
    externalId: sp.id,
    name: sp.displayName ?? sp.appId,
    kind: managed ? 'managed-identity' : 'service-principal',
    // A managed identity belongs to the Azure resource it was created for.
    owner: managed ? resourceId : null,
    // Graph v1.0 does not expose when a service principal was created.
    createdAt: null,
    tags: tagsOf(sp.tags),
    ...usageOf(usage, sp.appId),
    attributes: {
      appId: sp.appId,
      servicePrincipalId: sp.id,
      servicePrincipalType: sp.servicePrincipalType ?? null,
      appOwnerOrganizationId: sp.appOwnerOrganizationId ?? null,
      external:
        !managed && Boolean(sp.appOwnerOrganizationId) && sp.appOwnerOrganizationId !== tenantId,
      firstParty: isMicrosoftFirstParty(sp),
      managedIdentityType: managed
        ? (sp.alternativeNames ?? []).includes('isExplicit=True')
          ? 'user-assigned'
          : 'system-assigned'
        : null,
      resourceId,
      accountEnabled: sp.accountEnabled ?? null,
    },
  };
}

/** Tenant display: the default verified domain, else the display name, else the id. */
export function tenantName(org: GraphOrganization | null, tenantId: string): string {
  const domains = org?.verifiedDomains ?? [];
  const domain = domains.find((d) => d.isDefault)?.name ?? domains.find((d) => d.isInitial)?.name;
  return domain ?? org?.displayName ?? tenantId;
}
