/**
 * Raw Graph / ARM payloads -> model records. Pure: parsing (zod, with errors that name the
 * payload and field), privilege classification and the tenant inventory assembly.
 *
 * Modelling choice: an app registration and its service principal in the same tenant are ONE
 * identity (kind 'application', keyed by the application object id). Secrets live on the
 * application, permissions and sign-ins on the service principal; users think of both as
 * "the app", and rules need the secret and its privileges on the same identity.
 */
import { z } from 'zod';
import type {
  Credential,
  CredentialStatus,
  Grant,
  Identity,
  Privilege,
} from '../../src/model/index.js';
import type {
  AppCredentialSignInActivity,
  ServicePrincipalSignInActivity,
  SignInActivity,
} from '@microsoft/microsoft-graph-types-beta';
import type {
  Application,
  AppRoleAssignment,
  FederatedIdentityCredential,
  OAuth2PermissionGrant,
  Organization,
  PasswordCredential,
  ServicePrincipal,
} from '@microsoft/microsoft-graph-types';

export class AzurePayloadError extends Error {
  override name = 'AzurePayloadError';
}

const str = z.string();
/** Field names are checked against the Graph typings, so a typo cannot silently parse nothing. */
type GraphShape<T> = Partial<Record<keyof T | '@odata.type', z.ZodType>>;
const optStr = z.string().nullish();

const passwordCredential = z.object({
  keyId: str,
  displayName: optStr,
  hint: optStr,
  startDateTime: optStr,
  endDateTime: optStr,
} satisfies GraphShape<PasswordCredential>);
const keyCredential = passwordCredential.omit({ hint: true }).extend({
  type: optStr,
  usage: optStr,
  customKeyIdentifier: optStr,
});
const owner = z.object({
  '@odata.type': optStr,
  id: str,
  displayName: optStr,
  userPrincipalName: optStr,
  appId: optStr,
});

export const applicationSchema = z.object({
  id: str,
  appId: str,
  displayName: optStr,
  createdDateTime: optStr,
  signInAudience: optStr,
  passwordCredentials: z.array(passwordCredential).nullish(),
  keyCredentials: z.array(keyCredential).nullish(),
  /** Absent when owners were not expanded; [] when the app has none. */
  owners: z.array(owner).optional(),
  tags: z.array(str).nullish(),
} satisfies GraphShape<Application>);

export const servicePrincipalSchema = z.object({
  id: str,
  appId: str,
  displayName: optStr,
  servicePrincipalType: optStr,
  appOwnerOrganizationId: optStr,
  accountEnabled: z.boolean().nullish(),
  alternativeNames: z.array(str).nullish(),
  passwordCredentials: z.array(passwordCredential).nullish(),
  keyCredentials: z.array(keyCredential).nullish(),
  appRoles: z.array(z.object({ id: str, value: optStr, displayName: optStr })).nullish(),
  tags: z.array(str).nullish(),
} satisfies GraphShape<ServicePrincipal>);

export const federatedCredentialSchema = z.object({
  id: str,
  name: str,
  issuer: str,
  subject: optStr,
  audiences: z.array(str).nullish(),
  description: optStr,
} satisfies GraphShape<FederatedIdentityCredential>);

export const appRoleAssignmentSchema = z.object({
  id: str,
  appRoleId: str,
  principalId: str,
  resourceId: str,
  resourceDisplayName: optStr,
  createdDateTime: optStr,
} satisfies GraphShape<AppRoleAssignment>);

export const oauth2GrantSchema = z.object({
  id: str,
  clientId: str,
  consentType: optStr,
  principalId: optStr,
  resourceId: str,
  scope: optStr,
} satisfies GraphShape<OAuth2PermissionGrant>);

const signInActivity = z
  .object({
    lastSignInDateTime: optStr,
    lastNonInteractiveSignInDateTime: optStr,
    lastSuccessfulSignInDateTime: optStr,
  } satisfies GraphShape<SignInActivity>)
  .nullish();

export const spSignInActivitySchema = z.object({
  appId: str,
  lastSignInActivity: signInActivity,
} satisfies GraphShape<ServicePrincipalSignInActivity>);

export const credentialSignInActivitySchema = z.object({
  keyId: str,
  appId: optStr,
  credentialOrigin: optStr,
  signInActivity: signInActivity,
} satisfies GraphShape<AppCredentialSignInActivity>);

export const organizationSchema = z.object({
  id: str,
  displayName: optStr,
  verifiedDomains: z
    .array(
      z.object({
        name: optStr,
        isDefault: z.boolean().nullish(),
        isInitial: z.boolean().nullish(),
      }),
    )
    .nullish(),
} satisfies GraphShape<Organization>);

export const subscriptionSchema = z.object({
  subscriptionId: str,
  displayName: optStr,
  state: optStr,
  tenantId: optStr,
});

export const roleAssignmentSchema = z.object({
  id: str,
  scope: str,
  roleDefinitionId: str,
  principalId: str,
  principalType: optStr,
  createdOn: optStr,
  condition: optStr,
});

export const roleDefinitionSchema = z.object({
  id: str,
  name: str,
  roleName: optStr,
  roleType: optStr,
  permissions: z
    .array(
      z.object({
        actions: z.array(str).nullish(),
        notActions: z.array(str).nullish(),
        dataActions: z.array(str).nullish(),
      }),
    )
    .nullish(),
});

export type GraphApplication = z.infer<typeof applicationSchema>;
export type GraphServicePrincipal = z.infer<typeof servicePrincipalSchema>;
export type GraphFederatedCredential = z.infer<typeof federatedCredentialSchema>;
export type GraphAppRoleAssignment = z.infer<typeof appRoleAssignmentSchema>;
export type GraphOAuth2Grant = z.infer<typeof oauth2GrantSchema>;
export type GraphPasswordCredential = z.infer<typeof passwordCredential>;
export type GraphKeyCredential = z.infer<typeof keyCredential>;
export type ArmRoleAssignment = z.infer<typeof roleAssignmentSchema>;
export type ArmRoleDefinition = z.infer<typeof roleDefinitionSchema>;
export type ArmSubscription = z.infer<typeof subscriptionSchema>;

/** Parses every item, naming the payload, index and field of the first bad one. */
export function parseList<T extends z.ZodType>(
  schema: T,
  items: unknown[],
  where: string,
): Array<z.infer<T>> {
  return items.map((item, i) => parseOne(schema, item, `${where}[${i}]`));
}

export function parseOne<T extends z.ZodType>(schema: T, item: unknown, where: string): z.infer<T> {
  const result = schema.safeParse(item);
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = issue?.path.length ? `.${issue.path.join('.')}` : '';
    throw new AzurePayloadError(
      `unexpected Azure payload in ${where}${field}: ${issue?.message ?? 'invalid'}`,
    );
  }
  return result.data;
}

/* ----- privilege ----- */

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

/* ----- records ----- */

/** Microsoft's own tenants: their first-party service principals are platform plumbing. */
const MICROSOFT_TENANTS = new Set([
  'f8cdef31-a31e-4b4a-93e4-5f571e91255a',
  '72f988bf-86f1-41af-91ab-2d7cd011db47',
]);

export function isMicrosoftFirstParty(sp: { appOwnerOrganizationId?: string | null }): boolean {
  return MICROSOFT_TENANTS.has(sp.appOwnerOrganizationId ?? '');
}
const DEFAULT_ACCESS_ROLE = '00000000-0000-0000-0000-000000000000';
const GITHUB_ACTIONS_ISSUER = 'https://token.actions.githubusercontent.com';

/** Per-tenant usage data; null = the report could not be read, so usage is unknown. */
export interface UsageReports {
  servicePrincipals: Map<string, string | null> | null;
  credentials: Map<string, string | null> | null;
}

export interface RbacData {
  subscriptionId: string;
  subscriptionName: string;
  assignments: ArmRoleAssignment[];
  definitions: ArmRoleDefinition[];
}

export interface TenantData {
  tenantId: string;
  applications: GraphApplication[];
  servicePrincipals: GraphServicePrincipal[];
  /** App object id -> federated credentials; an app missing from the map was not read. */
  federated: Map<string, GraphFederatedCredential[]>;
  /** SP object id -> its application permissions. */
  appRoleAssignments: Map<string, GraphAppRoleAssignment[]>;
  oauth2Grants: GraphOAuth2Grant[];
  usage: UsageReports;
  rbac: RbacData[];
}

export interface TenantRecords {
  identities: Identity[];
  credentials: Credential[];
  grants: Grant[];
}

export function latestSignIn(activity: z.infer<typeof signInActivity>): string | null {
  const dates = [
    activity?.lastSignInDateTime,
    activity?.lastNonInteractiveSignInDateTime,
    activity?.lastSuccessfulSignInDateTime,
  ].filter((d): d is string => typeof d === 'string' && d.length > 0);
  return dates.sort().at(-1) ?? null;
}

export function spUsageMap(
  items: Array<z.infer<typeof spSignInActivitySchema>>,
): Map<string, string | null> {
  return new Map(items.map((i) => [i.appId, latestSignIn(i.lastSignInActivity)]));
}

export function credentialUsageMap(
  items: Array<z.infer<typeof credentialSignInActivitySchema>>,
): Map<string, string | null> {
  const out = new Map<string, string | null>();
  for (const i of items) {
    // The report has one row per credential and resource; keep the latest use.
    const at = latestSignIn(i.signInActivity);
    const prev = out.get(i.keyId) ?? null;
    out.set(i.keyId, prev && (!at || prev > at) ? prev : at);
  }
  return out;
}

function usage(map: Map<string, string | null> | null, key: string) {
  return map
    ? { lastUsedAt: map.get(key) ?? null, lastUsedKnown: true }
    : { lastUsedAt: null, lastUsedKnown: false };
}

export function credentialStatus(
  start: string | null | undefined,
  end: string | null | undefined,
  now: Date,
): CredentialStatus {
  if (end && Date.parse(end) <= now.getTime()) return 'expired';
  if (start && Date.parse(start) > now.getTime()) return 'inactive';
  return 'active';
}

function ownerName(o: z.infer<typeof owner>): string {
  return o.userPrincipalName ?? o.displayName ?? o.appId ?? o.id;
}

function tagsOf(tags: string[] | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of tags ?? []) {
    const i = t.indexOf(':');
    if (i > 0) out[t.slice(0, i)] = t.slice(i + 1);
    else out[t] = '';
  }
  return out;
}

export interface SecretOwnerRef {
  origin: 'application' | 'servicePrincipal';
  objectId: string;
  appId: string;
}

export function mapPasswordCredential(
  p: GraphPasswordCredential,
  identityExternalId: string,
  ref: SecretOwnerRef,
  now: Date,
  credentialUsage: Map<string, string | null> | null,
): Credential {
  return {
    externalId: p.keyId,
    identityExternalId,
    type: 'client-secret',
    name: p.displayName ?? null,
    status: credentialStatus(p.startDateTime, p.endDateTime, now),
    createdAt: p.startDateTime ?? null,
    expiresAt: p.endDateTime ?? null,
    ...usage(credentialUsage, p.keyId),
    attributes: { ...ref, hint: p.hint ?? null },
  };
}

function mapKeyCredential(
  k: GraphKeyCredential,
  identityExternalId: string,
  ref: SecretOwnerRef,
  now: Date,
  credentialUsage: Map<string, string | null> | null,
): Credential {
  return {
    externalId: k.keyId,
    identityExternalId,
    type: 'certificate',
    name: k.displayName ?? null,
    status: credentialStatus(k.startDateTime, k.endDateTime, now),
    createdAt: k.startDateTime ?? null,
    expiresAt: k.endDateTime ?? null,
    ...usage(credentialUsage, k.keyId),
    attributes: {
      ...ref,
      keyType: k.type ?? null,
      usage: k.usage ?? null,
      thumbprint: k.customKeyIdentifier ?? null,
    },
  };
}

function mapFederated(
  f: GraphFederatedCredential,
  identityExternalId: string,
  ref: SecretOwnerRef,
): Credential {
  return {
    externalId: f.id,
    identityExternalId,
    type: 'federated-credential',
    name: f.name,
    status: 'active',
    createdAt: null,
    expiresAt: null,
    // The sign-in reports are keyed by password/certificate keyId; federation has no such row.
    lastUsedAt: null,
    lastUsedKnown: false,
    attributes: {
      ...ref,
      issuer: f.issuer,
      subject: f.subject ?? null,
      audiences: f.audiences ?? [],
      githubActions: f.issuer === GITHUB_ACTIONS_ISSUER,
    },
  };
}

function credentialsOf(
  holder: {
    passwordCredentials?: GraphPasswordCredential[] | null;
    keyCredentials?: GraphKeyCredential[] | null;
  },
  identityExternalId: string,
  ref: SecretOwnerRef,
  now: Date,
  data: TenantData,
): Credential[] {
  return [
    ...(holder.passwordCredentials ?? []).map((p) =>
      mapPasswordCredential(p, identityExternalId, ref, now, data.usage.credentials),
    ),
    ...(holder.keyCredentials ?? []).map((k) =>
      mapKeyCredential(k, identityExternalId, ref, now, data.usage.credentials),
    ),
  ];
}

export function buildTenantRecords(data: TenantData, now: Date): TenantRecords {
  const identities: Identity[] = [];
  const credentials: Credential[] = [];
  const grants: Grant[] = [];
  const spByAppId = new Map(data.servicePrincipals.map((sp) => [sp.appId, sp]));
  const spById = new Map(data.servicePrincipals.map((sp) => [sp.id, sp]));
  /** SP object id -> identity external id (the app's object id when merged). */
  const identityOfSp = new Map<string, string>();

  for (const app of data.applications) {
    const sp = spByAppId.get(app.appId);
    if (sp) identityOfSp.set(sp.id, app.id);
    const owners = app.owners?.map(ownerName).sort() ?? null;
    identities.push({
      externalId: app.id,
      name: app.displayName ?? app.appId,
      kind: 'application',
      owner: owners?.[0] ?? null,
      createdAt: app.createdDateTime ?? null,
      tags: tagsOf(app.tags),
      ...usage(data.usage.servicePrincipals, app.appId),
      attributes: {
        appId: app.appId,
        servicePrincipalId: sp?.id ?? null,
        signInAudience: app.signInAudience ?? null,
        multiTenant: Boolean(app.signInAudience && app.signInAudience !== 'AzureADMyOrg'),
        owners,
        ownersKnown: owners !== null,
        accountEnabled: sp?.accountEnabled ?? null,
      },
    });
    const appRef: SecretOwnerRef = { origin: 'application', objectId: app.id, appId: app.appId };
    credentials.push(...credentialsOf(app, app.id, appRef, now, data));
    for (const f of data.federated.get(app.id) ?? [])
      credentials.push(mapFederated(f, app.id, appRef));
    if (sp) {
      credentials.push(
        ...credentialsOf(
          sp,
          app.id,
          { origin: 'servicePrincipal', objectId: sp.id, appId: sp.appId },
          now,
          data,
        ),
      );
    }
  }

  for (const sp of data.servicePrincipals) {
    if (identityOfSp.has(sp.id)) continue;
    const own = (sp.passwordCredentials?.length ?? 0) + (sp.keyCredentials?.length ?? 0);
    const firstParty = isMicrosoftFirstParty(sp);
    const hasGrants = (data.appRoleAssignments.get(sp.id)?.length ?? 0) > 0;
    // Microsoft's first-party apps are plumbing, not this organisation's identities.
    if (firstParty && own === 0 && !hasGrants) continue;
    identityOfSp.set(sp.id, sp.id);
    const managed = sp.servicePrincipalType === 'ManagedIdentity';
    const resourceId =
      (sp.alternativeNames ?? []).find((n) => n.startsWith('/subscriptions/')) ?? null;
    identities.push({
      externalId: sp.id,
      name: sp.displayName ?? sp.appId,
      kind: managed ? 'managed-identity' : 'service-principal',
      // A managed identity belongs to the Azure resource it was created for.
      owner: managed ? resourceId : null,
      // Graph v1.0 does not expose when a service principal was created.
      createdAt: null,
      tags: tagsOf(sp.tags),
      ...usage(data.usage.servicePrincipals, sp.appId),
      attributes: {
        appId: sp.appId,
        servicePrincipalId: sp.id,
        servicePrincipalType: sp.servicePrincipalType ?? null,
        appOwnerOrganizationId: sp.appOwnerOrganizationId ?? null,
        external:
          !managed &&
          Boolean(sp.appOwnerOrganizationId) &&
          sp.appOwnerOrganizationId !== data.tenantId,
        firstParty,
        managedIdentityType: managed
          ? (sp.alternativeNames ?? []).includes('isExplicit=True')
            ? 'user-assigned'
            : 'system-assigned'
          : null,
        resourceId,
        accountEnabled: sp.accountEnabled ?? null,
      },
    });
    credentials.push(
      ...credentialsOf(
        sp,
        sp.id,
        { origin: 'servicePrincipal', objectId: sp.id, appId: sp.appId },
        now,
        data,
      ),
    );
  }

  const noUsage = { lastUsedAt: null, lastUsedKnown: false };

  for (const [spId, assignments] of data.appRoleAssignments) {
    const identityExternalId = identityOfSp.get(spId);
    if (!identityExternalId) continue;
    for (const a of assignments) {
      const resource = spById.get(a.resourceId);
      const role = resource?.appRoles?.find((r) => r.id === a.appRoleId);
      const permission =
        role?.value ?? (a.appRoleId === DEFAULT_ACCESS_ROLE ? 'default-access' : a.appRoleId);
      grants.push({
        externalId: a.id,
        identityExternalId,
        credentialExternalId: null,
        permission,
        resource: a.resourceDisplayName ?? resource?.displayName ?? a.resourceId,
        privilege: role?.value
          ? graphPermissionPrivilege(role.value)
          : a.appRoleId === DEFAULT_ACCESS_ROLE
            ? 'read'
            : 'unknown',
        source: `appRoleAssignment:${a.resourceDisplayName ?? a.resourceId}`,
        grantedAt: a.createdDateTime ?? null,
        ...noUsage,
        attributes: {
          kind: 'application-permission',
          resourceId: a.resourceId,
          resourceAppId: resource?.appId ?? null,
          appRoleId: a.appRoleId,
        },
      });
    }
  }

  for (const g of data.oauth2Grants) {
    const identityExternalId = identityOfSp.get(g.clientId);
    if (!identityExternalId) continue;
    const resource = spById.get(g.resourceId);
    for (const scope of (g.scope ?? '').split(/\s+/).filter(Boolean)) {
      grants.push({
        externalId: `${g.id}|${scope}`,
        identityExternalId,
        credentialExternalId: null,
        permission: scope,
        resource: resource?.displayName ?? g.resourceId,
        privilege: graphPermissionPrivilege(scope),
        source: 'oauth2PermissionGrant',
        grantedAt: null,
        ...noUsage,
        attributes: {
          kind: 'delegated-permission',
          consentType: g.consentType ?? null,
          principalId: g.principalId ?? null,
          resourceId: g.resourceId,
        },
      });
    }
  }

  const seen = new Set<string>();
  for (const sub of data.rbac) {
    const defs = new Map(sub.definitions.map((d) => [d.name.toLowerCase(), d]));
    for (const a of sub.assignments) {
      const identityExternalId = identityOfSp.get(a.principalId);
      // Users and groups are out of scope; an unknown SP id is usually a deleted principal.
      if (!identityExternalId || seen.has(a.id.toLowerCase())) continue;
      seen.add(a.id.toLowerCase());
      const defGuid = a.roleDefinitionId.split('/').at(-1)?.toLowerCase() ?? '';
      const def = defs.get(defGuid) ?? null;
      const roleName = def?.roleName ?? null;
      grants.push({
        externalId: a.id,
        identityExternalId,
        credentialExternalId: null,
        permission: roleName ?? defGuid,
        resource: a.scope,
        privilege: rbacPrivilege(roleName, def, a.scope),
        source: a.roleDefinitionId,
        grantedAt: a.createdOn ?? null,
        ...noUsage,
        attributes: {
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

  return { identities, credentials, grants };
}

/** Tenant display: the default verified domain, else the display name, else the id. */
export function tenantName(
  org: z.infer<typeof organizationSchema> | null,
  tenantId: string,
): string {
  const domains = org?.verifiedDomains ?? [];
  const domain = domains.find((d) => d.isDefault)?.name ?? domains.find((d) => d.isInitial)?.name;
  return domain ?? org?.displayName ?? tenantId;
}
