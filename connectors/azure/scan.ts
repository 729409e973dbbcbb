/**
 * One tenant's scan: which calls, in which order, and what a refusal means. Listing
 * applications or service principals decides what exists, so their failure fails the scope
 * (the catalog must not think everything was deleted); a denied call elsewhere is a coverage
 * gap naming the permission that closes it, and anything else (a garbage answer, a timeout, a
 * foreign link) fails the scope too. Independent listings run side by side, every request
 * under one limit of `concurrency` in flight.
 */
import type { z } from 'zod';
import {
  GapCollector,
  UserError,
  defineSignals,
  errorMessage,
  isApiError,
  type ConnectorContext,
  type Scope,
  type ScopeResult,
  type SignalId,
} from '../../src/connector/index.js';
import { createAzureClient, type AzureClient } from './client.js';
import { applyResourceTags } from './owners.js';
import { ScopeCalls } from './scan-calls.js';
import { PROVIDER, resolveSettings, type AzureSettings } from './options.js';
import {
  appRoleAssignmentSchema,
  applicationSchema,
  cognitiveAccountSchema,
  credentialSignInActivitySchema,
  federatedCredentialSchema,
  oauth2GrantSchema,
  organizationSchema,
  parseList,
  parseOne,
  tagsResourceSchema,
  roleAssignmentSchema,
  roleDefinitionSchema,
  servicePrincipalSchema,
  spSignInActivitySchema,
  subscriptionSchema,
} from './schema.js';
import type { RbacData } from './map/grants.js';
import { isMicrosoftFirstParty, tenantName } from './map/identities.js';
import { buildTenantRecords, type AiAccounts } from './map/tenant.js';
import { credentialUsageMap, spUsageMap } from './map/usage.js';

const APP_SELECT =
  'id,appId,displayName,createdDateTime,signInAudience,passwordCredentials,keyCredentials,tags';
const SP_SELECT =
  'id,appId,displayName,servicePrincipalType,appOwnerOrganizationId,accountEnabled,alternativeNames,passwordCredentials,keyCredentials,appRoles,tags';
const OWNER_EXPAND = 'owners($select=id,displayName,userPrincipalName,appId,accountEnabled)';

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
  {
    signal: 'ai-accounts',
    description:
      'Azure OpenAI / AI Services (Cognitive Services) accounts and whether their shared keys are enabled',
    fix: `${FIX.reader} (Microsoft.CognitiveServices/accounts/read)`,
    hides: ['identities', 'credentials'],
  },
  {
    signal: 'resource-tags',
    description:
      'owner/team tags of the Azure resources managed identities belong to (Tags API, one call per managed identity)',
    fix: `${FIX.reader} (Microsoft.Resources/tags/read)`,
    hides: [],
  },
]);

type Signal = SignalId<typeof SIGNALS>;

export async function* discover(ctx: ConnectorContext): AsyncIterable<ScopeResult> {
  const settings = resolveSettings(ctx.options, ctx.env);
  const tenants: Array<string | undefined> = settings.tenants.length
    ? settings.tenants
    : [undefined];
  for (const tenant of tenants) {
    if (ctx.signal.aborted) return;
    yield await scanTenant(ctx, settings, tenant);
  }
}

export async function scanTenant(
  ctx: ConnectorContext,
  settings: AzureSettings,
  configuredTenant: string | undefined,
): Promise<ScopeResult> {
  const { client, source } = createAzureClient(ctx, settings, configuredTenant);
  const scope: Scope = {
    provider: PROVIDER,
    id: configuredTenant ?? 'unknown-tenant',
    name: configuredTenant ?? 'unknown tenant',
    kind: 'tenant',
  };
  const gaps = new GapCollector<Signal>(SIGNALS);
  ctx.log.debug(`scanning tenant ${scope.id} with ${source}`);
  try {
    if (!configuredTenant) {
      const tid = await client.tenantOfToken();
      if (!tid)
        throw new UserError(
          'azure: no tenant configured and the token names none: set tenantId or AZURE_TENANT_ID',
        );
      scope.id = tid;
      scope.name = tid;
    }
    const scan = new TenantScan(ctx, client, settings, scope.id, gaps);
    const { org, ...data } = await scan.run();
    scope.name = tenantName(org, scope.id);
    const records = buildTenantRecords({ tenantId: scope.id, ...data }, ctx.now());
    await applyResourceTags(records.identities, (ids) => scan.resourceTags(ids));
    return {
      kind: 'inventory',
      scope,
      ...records,
      gaps: gaps.list(),
      apiCalls: client.apiCalls,
      // What could not be listed must not look removed to the catalog.
      incomplete: gaps.incomplete(),
    };
  } catch (err) {
    if (ctx.signal.aborted || (err as { isUserError?: boolean }).isUserError) throw err;
    return {
      kind: 'failure',
      scope,
      error: errorMessage(err),
      code: isApiError(err) ? err.code : null,
      apiCalls: client.apiCalls,
    };
  }
}

/** The calls of one tenant's scan, each through the shared limit. */
class TenantScan {
  private readonly calls: ScopeCalls<Signal>;
  constructor(
    private readonly ctx: ConnectorContext,
    private readonly client: AzureClient,
    private readonly settings: AzureSettings,
    private readonly tenantId: string,
    gaps: GapCollector<Signal>,
  ) {
    this.calls = new ScopeCalls(ctx, tenantId, gaps, settings.concurrency);
  }

  /** Every item of a Graph collection, parsed; not limited (callers hold a slot). */
  private items<S extends z.ZodType>(schema: S, path: string, beta = false, batched = false) {
    return (
      batched
        ? this.client.graphListBatched(path)
        : this.client.graphList(path, beta ? 'beta' : 'v1.0')
    ).then((i) => parseList(schema, i, `GET ${beta ? '/beta' : ''}${path.split('?')[0]}`));
  }

  /**
   * One object's Graph listing (its federated credentials, its app role assignments): its first
   * page read inside a JSON batch with the others of its group, unless batching is off.
   */
  private itemsOf<S extends z.ZodType>(schema: S, path: string) {
    return this.items(schema, path, false, this.settings.graphBatchSize > 1);
  }

  /** A whole Graph listing as one slot of the limit. */
  private listed<S extends z.ZodType>(schema: S, path: string, beta = false) {
    return this.calls.limit(() => this.items(schema, path, beta));
  }

  /** ARM tags of each resource (Tags API); a resource without tags or gone answers none. */
  resourceTags(ids: string[]): Promise<Map<string, Record<string, string>>> {
    return this.calls.perItem('resource-tags', ids, async (id) => {
      try {
        const { json } = await this.client.armRest.request(
          'GET',
          `${id}/providers/Microsoft.Resources/tags/default?api-version=2021-04-01`,
        );
        return parseOne(tagsResourceSchema, json, `GET ${id}/providers/Microsoft.Resources/tags`)
          .properties.tags;
      } catch (e) {
        if (isApiError(e) && e.kind === 'not-found') return {};
        throw e;
      }
    });
  }

  async run() {
    this.calls.progress('directory');
    const org = this.calls.optional('tenant-details', () =>
      this.listed(organizationSchema, '/organization?$select=id,displayName,verifiedDomains'),
    );
    const applications = this.calls.essential('applications', FIX.appRead, () =>
      this.listed(
        applicationSchema,
        `/applications?$select=${APP_SELECT}&$expand=${OWNER_EXPAND}&$top=999`,
      ),
    );
    const servicePrincipals = this.calls.essential('service principals', FIX.appRead, () =>
      this.listed(servicePrincipalSchema, `/servicePrincipals?$select=${SP_SELECT}&$top=999`),
    );
    const oauth2Grants = this.calls.optional('delegated-grants', () =>
      this.listed(oauth2GrantSchema, '/oauth2PermissionGrants'),
    );
    // The beta reports page at 100 unless asked for more: the pages are a chain of round trips.
    const spUsage = this.calls.signInReport('sp-sign-in-activity', async () =>
      spUsageMap(
        await this.listed(
          spSignInActivitySchema,
          '/reports/servicePrincipalSignInActivities?$top=999',
          true,
        ),
      ),
    );
    const credentialUsage = this.calls.signInReport('credential-sign-in-activity', async () =>
      credentialUsageMap(
        await this.listed(
          credentialSignInActivitySchema,
          '/reports/appCredentialSignInActivities?$top=999',
          true,
        ),
      ),
    );
    const subscriptions = this.resources();
    const federated = applications.then((apps) =>
      this.calls.perItem(
        'federated-credentials',
        apps.map((a) => a.id),
        (id) =>
          this.itemsOf(
            federatedCredentialSchema,
            `/applications/${id}/federatedIdentityCredentials`,
          ),
        this.settings.graphBatchSize,
      ),
    );
    // Only SPs that can become identities: Microsoft first-party SPs hold no grants of ours.
    const appRoleAssignments = servicePrincipals.then((sps) =>
      this.calls.perItem(
        'app-role-assignments',
        sps.filter((sp) => !isMicrosoftFirstParty(sp)).map((sp) => sp.id),
        (id) =>
          this.itemsOf(
            appRoleAssignmentSchema,
            `/servicePrincipals/${id}/appRoleAssignments?$top=999`,
          ),
        this.settings.graphBatchSize,
      ),
    );
    // All at once, so a failure anywhere is handled here (and fails the scope) wherever it is.
    const [o, apps, sps, fed, assignments, grants, spUsed, keyUsed, resources] = await Promise.all([
      org,
      applications,
      servicePrincipals,
      federated,
      appRoleAssignments,
      oauth2Grants,
      spUsage,
      credentialUsage,
      subscriptions,
    ]);
    return {
      org: o?.[0] ?? null,
      applications: apps,
      servicePrincipals: sps,
      federated: fed,
      appRoleAssignments: assignments,
      oauth2Grants: grants ?? [],
      usage: { servicePrincipals: spUsed, credentials: keyUsed },
      ...resources,
    };
  }

  /** Subscriptions, then per subscription its role assignments and AI accounts. */
  private async resources(): Promise<{ rbac: RbacData[]; aiAccounts: AiAccounts[] }> {
    const none = { rbac: [], aiAccounts: [] };
    let subscriptions: Array<{ id: string; name: string }>;
    if (this.settings.subscriptions) {
      subscriptions = this.settings.subscriptions.map((id) => ({ id, name: id }));
    } else {
      const listed = await this.calls.optional('azure-rbac', () =>
        this.calls.limit(async () =>
          parseList(
            subscriptionSchema,
            await this.client.listSubscriptions(),
            'GET /subscriptions',
          ),
        ),
      );
      if (!listed) {
        this.calls.gaps.add('ai-accounts', { message: 'subscriptions could not be listed' });
        return none;
      }
      subscriptions = listed
        .filter((s) => !s.tenantId || s.tenantId === this.tenantId)
        .map((s) => ({ id: s.subscriptionId, name: s.displayName ?? s.subscriptionId }));
      if (subscriptions.length === 0) {
        const message =
          'no subscriptions are visible to the scanning principal; Azure role assignments and AI accounts were not evaluated';
        this.calls.gaps.add('azure-rbac', { message });
        this.calls.gaps.add('ai-accounts', { message });
        return none;
      }
    }
    this.calls.progress('azure resources', 0, subscriptions.length);
    const results = await Promise.all(
      subscriptions.map(async (sub) => {
        const subject = `${sub.name} (${sub.id})`;
        const [rbac, accounts] = await Promise.all([
          this.calls.optional(
            'azure-rbac',
            () => this.rbacOf(sub),
            `subscription ${subject} not evaluated: `,
          ),
          this.calls.optional(
            'ai-accounts',
            () =>
              this.calls.limit(async () =>
                parseList(
                  cognitiveAccountSchema,
                  await this.client.listCognitiveAccounts(sub.id),
                  `Cognitive Services accounts of /subscriptions/${sub.id}`,
                ),
              ),
            `AI accounts of subscription ${subject} not listed: `,
          ),
        ]);
        return { rbac, ai: accounts ? { subscription: sub, accounts } : null };
      }),
    );
    return {
      rbac: results.flatMap((r) => (r.rbac ? [r.rbac] : [])),
      aiAccounts: results.flatMap((r) => (r.ai ? [r.ai] : [])),
    };
  }

  private async rbacOf(sub: { id: string; name: string }): Promise<RbacData> {
    const [definitions, assignments] = await Promise.all([
      this.calls.limit(() => this.client.listRoleDefinitions(sub.id)),
      this.calls.limit(() => this.client.listRoleAssignments(sub.id)),
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
  }
}
