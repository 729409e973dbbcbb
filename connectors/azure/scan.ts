/**
 * One tenant's scan: which calls, in which order, and what a refusal means. Listing
 * applications or service principals is essential (without them the catalog would think
 * everything was deleted), so their failure fails the scope; every other refusal becomes a
 * CoverageGap naming the permission or licence that closes it.
 */
import pLimit from 'p-limit';
import { defineSignals } from '../../src/connector/index.js';
import type {
  ConnectorContext,
  CoverageGap,
  Scope,
  ScopeResult,
} from '../../src/connector/index.js';
import { AzureApiError, createAzureClient, isAccessDenied, type AzureClient } from './client.js';
import type { AzureSettings } from './config.js';
import {
  appRoleAssignmentSchema,
  applicationSchema,
  buildTenantRecords,
  credentialSignInActivitySchema,
  credentialUsageMap,
  federatedCredentialSchema,
  isMicrosoftFirstParty,
  oauth2GrantSchema,
  organizationSchema,
  parseList,
  roleAssignmentSchema,
  roleDefinitionSchema,
  servicePrincipalSchema,
  spSignInActivitySchema,
  spUsageMap,
  subscriptionSchema,
  tenantName,
  type GraphAppRoleAssignment,
  type GraphFederatedCredential,
  type RbacData,
  type TenantData,
} from './map.js';

const APP_SELECT =
  'id,appId,displayName,createdDateTime,signInAudience,passwordCredentials,keyCredentials,tags';
const SP_SELECT =
  'id,appId,displayName,servicePrincipalType,appOwnerOrganizationId,accountEnabled,alternativeNames,passwordCredentials,keyCredentials,appRoles,tags';
const OWNER_EXPAND = 'owners($select=id,displayName,userPrincipalName,appId)';

const FIX = {
  auditLog:
    'grant the Graph application permission AuditLog.Read.All (the sign-in reports also need Microsoft Entra ID P1 or P2)',
  appRead: 'grant the Graph application permission Application.Read.All',
  directory: 'grant the Graph application permission Directory.Read.All',
  reader: 'assign the Azure RBAC role Reader on the subscription (or a management group above it)',
} as const;

/** Every signal an Entra/Azure scan can leave a gap in, with its fix and what it hides. */
export const SIGNALS = defineSignals([
  {
    signal: 'tenant-details',
    description: 'the tenant name and verified domains',
    fix: FIX.directory,
    hides: [],
  },
  {
    signal: 'federated-credentials',
    description: 'federated identity credentials of app registrations',
    fix: FIX.appRead,
    hides: ['credentials'],
  },
  {
    signal: 'app-role-assignments',
    description: 'application permissions granted to service principals',
    fix: FIX.directory,
    hides: ['grants'],
  },
  {
    signal: 'delegated-grants',
    description: 'delegated (OAuth2) permission grants',
    fix: FIX.directory,
    hides: ['grants'],
  },
  {
    signal: 'sp-sign-in-activity',
    description: 'last sign-in of each service principal',
    fix: FIX.auditLog,
    hides: [],
  },
  {
    signal: 'credential-sign-in-activity',
    description: 'last use of each client secret and certificate',
    fix: FIX.auditLog,
    hides: [],
  },
  {
    signal: 'azure-rbac',
    description: 'Azure RBAC role assignments on subscriptions',
    fix: FIX.reader,
    hides: ['grants'],
  },
]);

export async function scanTenant(
  ctx: ConnectorContext,
  settings: AzureSettings,
  configuredTenant: string | undefined,
): Promise<ScopeResult> {
  const { client, source } = createAzureClient(ctx, settings, configuredTenant);
  const scope: Scope = {
    provider: 'azure',
    id: configuredTenant ?? 'unknown-tenant',
    name: configuredTenant ?? 'unknown tenant',
    kind: 'tenant',
  };
  const gaps: CoverageGap[] = [];
  ctx.log.debug(`azure: scanning tenant ${scope.id} with ${source}`);
  try {
    if (!configuredTenant) {
      const tid = await client.tenantOfToken();
      if (!tid)
        throw new AzureApiError(
          'auth',
          null,
          null,
          'no tenant configured and the token carries none: set tenantId or AZURE_TENANT_ID',
        );
      scope.id = tid;
      scope.name = tid;
    }
    const tenantId = scope.id;
    const progress = (phase: string, done?: number, total?: number) =>
      ctx.progress({
        scope: tenantId,
        phase,
        ...(done !== undefined ? { done } : {}),
        ...(total !== undefined ? { total } : {}),
      });

    progress('tenant');
    const org = await optional(gaps, 'tenant-details', FIX.directory, async () => {
      const list = await client.graphList('/organization?$select=id,displayName,verifiedDomains');
      return parseList(organizationSchema, list, 'GET /organization')[0] ?? null;
    });
    scope.name = tenantName(org ?? null, tenantId);

    progress('applications');
    const applications = parseList(
      applicationSchema,
      await essential('applications', () =>
        client.graphList(`/applications?$select=${APP_SELECT}&$expand=${OWNER_EXPAND}&$top=999`),
      ),
      'GET /applications',
    );
    progress('service principals');
    const servicePrincipals = parseList(
      servicePrincipalSchema,
      await essential('service principals', () =>
        client.graphList(`/servicePrincipals?$select=${SP_SELECT}&$top=999`),
      ),
      'GET /servicePrincipals',
    );

    const limit = pLimit(settings.concurrency);
    const federated = await perItem(
      ctx,
      tenantId,
      limit,
      gaps,
      'federated-credentials',
      FIX.appRead,
      applications.map((a) => a.id),
      async (id) =>
        parseList(
          federatedCredentialSchema,
          await client.graphList(`/applications/${id}/federatedIdentityCredentials`),
          `GET /applications/${id}/federatedIdentityCredentials`,
        ),
    );
    // Only SPs that can become identities: Microsoft first-party SPs hold no grants of ours.
    const ownSps = servicePrincipals.filter((sp) => !isMicrosoftFirstParty(sp));
    progress('app role assignments', 0, ownSps.length);
    const appRoleAssignments = await perItem<GraphAppRoleAssignment[]>(
      ctx,
      tenantId,
      limit,
      gaps,
      'app-role-assignments',
      FIX.directory,
      ownSps.map((sp) => sp.id),
      async (id) =>
        parseList(
          appRoleAssignmentSchema,
          await client.graphList(`/servicePrincipals/${id}/appRoleAssignments?$top=999`),
          `GET /servicePrincipals/${id}/appRoleAssignments`,
        ),
    );
    progress('delegated grants');
    const oauth2Grants =
      (await optional(gaps, 'delegated-grants', FIX.directory, async () =>
        parseList(
          oauth2GrantSchema,
          await client.graphList('/oauth2PermissionGrants'),
          'GET /oauth2PermissionGrants',
        ),
      )) ?? [];

    progress('sign-in activity');
    const spUsage = await signInReport(gaps, 'sp-sign-in-activity', async () =>
      spUsageMap(
        parseList(
          spSignInActivitySchema,
          await client.graphList('/reports/servicePrincipalSignInActivities', 'beta'),
          'GET /beta/reports/servicePrincipalSignInActivities',
        ),
      ),
    );
    const credentialUsage = await signInReport(gaps, 'credential-sign-in-activity', async () =>
      credentialUsageMap(
        parseList(
          credentialSignInActivitySchema,
          await client.graphList('/reports/appCredentialSignInActivities', 'beta'),
          'GET /beta/reports/appCredentialSignInActivities',
        ),
      ),
    );

    progress('azure rbac');
    const rbac = await scanRbac(client, settings, tenantId, gaps, limit);

    const data: TenantData = {
      tenantId,
      applications,
      servicePrincipals,
      federated: federated as Map<string, GraphFederatedCredential[]>,
      appRoleAssignments,
      oauth2Grants,
      usage: { servicePrincipals: spUsage, credentials: credentialUsage },
      rbac,
    };
    const records = buildTenantRecords(data, ctx.now());
    // What could not be listed must not look removed to the catalog.
    const grantSignals = ['app-role-assignments', 'delegated-grants', 'azure-rbac'];
    const incomplete: ('credentials' | 'grants')[] = [];
    if (gaps.some((g) => grantSignals.includes(g.signal))) incomplete.push('grants');
    if (gaps.some((g) => g.signal === 'federated-credentials')) incomplete.push('credentials');
    return { kind: 'inventory', scope, ...records, gaps, apiCalls: client.apiCalls, incomplete };
  } catch (err) {
    const e = err as Error & { code?: string | null };
    return {
      kind: 'failure',
      scope,
      error: e.message,
      code:
        err instanceof AzureApiError
          ? (err.code ?? (err.status ? String(err.status) : null))
          : null,
      apiCalls: client.apiCalls,
    };
  }
}

async function essential<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isAccessDenied(err)) {
      throw new AzureApiError(
        err.api,
        err.status,
        err.code,
        `cannot list ${what} (${err.message}); ${FIX.appRead}`,
      );
    }
    throw err;
  }
}

/** Runs a call whose refusal is a gap; other errors (throttled past retries, 5xx) fail the scope. */
async function optional<T>(
  gaps: CoverageGap[],
  signal: string,
  fix: string,
  fn: () => Promise<T>,
): Promise<T | null> {
  try {
    return await fn();
  } catch (err) {
    if (!isAccessDenied(err)) throw err;
    gaps.push({ signal, message: err.message, code: err.code ?? String(err.status), fix });
    return null;
  }
}

/** The beta reports: 403 (permission or licence), 404 or 400 (beta not offered here) -> gap. */
async function signInReport(
  gaps: CoverageGap[],
  signal: string,
  fn: () => Promise<Map<string, string | null>>,
) {
  try {
    return await fn();
  } catch (err) {
    if (
      !(err instanceof AzureApiError) ||
      !(err.status === 400 || err.status === 403 || err.status === 404)
    )
      throw err;
    gaps.push({
      signal,
      message: `last use unknown: ${err.message}`,
      code: err.code ?? String(err.status),
      fix: FIX.auditLog,
    });
    return null;
  }
}

/** Per-item calls under the concurrency limit; the first refusal records one gap for all. */
async function perItem<T>(
  ctx: ConnectorContext,
  scopeId: string,
  limit: ReturnType<typeof pLimit>,
  gaps: CoverageGap[],
  signal: string,
  fix: string,
  ids: string[],
  fn: (id: string) => Promise<T>,
): Promise<Map<string, T>> {
  const out = new Map<string, T>();
  let denied: AzureApiError | null = null;
  let done = 0;
  await Promise.all(
    ids.map((id) =>
      limit(async () => {
        if (denied) return;
        try {
          out.set(id, await fn(id));
        } catch (err) {
          if (!isAccessDenied(err)) throw err;
          denied ??= err;
        }
        done += 1;
        if (done % 50 === 0)
          ctx.progress({ scope: scopeId, phase: signal, done, total: ids.length });
      }),
    ),
  );
  if (denied) {
    const d = denied as AzureApiError;
    gaps.push({
      signal,
      message: `${d.message} (${ids.length - out.size} of ${ids.length} not read)`,
      code: d.code ?? String(d.status),
      fix,
    });
  }
  return out;
}

async function scanRbac(
  client: AzureClient,
  settings: AzureSettings,
  tenantId: string,
  gaps: CoverageGap[],
  limit: ReturnType<typeof pLimit>,
): Promise<RbacData[]> {
  let subscriptions: Array<{ id: string; name: string }>;
  if (settings.subscriptions) {
    subscriptions = settings.subscriptions.map((id) => ({ id, name: id }));
  } else {
    const listed = await optional(gaps, 'azure-rbac', FIX.reader, async () =>
      parseList(subscriptionSchema, await client.listSubscriptions(), 'GET /subscriptions'),
    );
    if (!listed) return [];
    subscriptions = listed
      .filter((s) => !s.tenantId || s.tenantId === tenantId)
      .map((s) => ({ id: s.subscriptionId, name: s.displayName ?? s.subscriptionId }));
    if (subscriptions.length === 0) {
      gaps.push({
        signal: 'azure-rbac',
        message:
          'no subscriptions are visible to the scanning principal; Azure role assignments were not evaluated',
        code: null,
        fix: FIX.reader,
      });
      return [];
    }
  }
  const results = await Promise.all(
    subscriptions.map((sub) =>
      limit(async (): Promise<RbacData | null> => {
        try {
          const [definitions, assignments] = await Promise.all([
            client.listRoleDefinitions(sub.id),
            client.listRoleAssignments(sub.id),
          ]);
          return {
            subscriptionId: sub.id,
            subscriptionName: sub.name,
            definitions: parseList(
              roleDefinitionSchema,
              definitions,
              `roleDefinitions of /subscriptions/${sub.id}`,
            ),
            assignments: parseList(
              roleAssignmentSchema,
              assignments,
              `roleAssignments of /subscriptions/${sub.id}`,
            ),
          };
        } catch (err) {
          // One unreadable subscription is a gap; the tenant and the other subscriptions go on.
          if (!(err instanceof AzureApiError) || err.api === 'auth') throw err;
          gaps.push({
            signal: 'azure-rbac',
            message: `subscription ${sub.name} (${sub.id}) not evaluated: ${err.message}`,
            code: err.code ?? (err.status ? String(err.status) : null),
            fix: FIX.reader,
          });
          return null;
        }
      }),
    ),
  );
  return results.filter((r): r is RbacData => r !== null);
}
