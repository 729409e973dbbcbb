/**
 * Azure / Microsoft Entra connector manifest: app registrations, service principals and
 * managed identities with their secrets, certificates and federated credentials (Graph),
 * application/delegated permissions, and Azure RBAC role assignments (ARM), one scope per
 * tenant. See README.md for permissions and options.
 */
import type {
  Connector,
  ConnectorContext,
  DemoHandle,
  DoctorCheck,
  DoctorReport,
  ScopeResult,
} from '../../src/connector/index.js';
import { AzureApiError, createAzureClient } from './client.js';
import { resolveSettings } from './config.js';
import { SIGNALS, scanTenant } from './scan.js';
import { options } from './options.js';

export const SCAN_PERMISSIONS = [
  'Microsoft Graph application permission Application.Read.All (app registrations, service principals, federated credentials)',
  'Microsoft Graph application permission Directory.Read.All (tenant details, owners, app role assignments, delegated grants)',
  'Microsoft Graph application permission AuditLog.Read.All + Microsoft Entra ID P1/P2 (sign-in activity: last use)',
  'Azure RBAC role Reader on each subscription, or on a management group above them (role assignments)',
];

async function* discover(ctx: ConnectorContext): AsyncIterable<ScopeResult> {
  const settings = resolveSettings(ctx.options, ctx.env);
  const tenants: Array<string | undefined> = settings.tenants.length
    ? settings.tenants
    : [undefined];
  for (const tenant of tenants) {
    if (ctx.signal.aborted) return;
    yield await scanTenant(ctx, settings, tenant);
  }
}

const APP_WRITE = ['Application.ReadWrite.All', 'Application.ReadWrite.OwnedBy'];
const SECRET_PLAYBOOKS = [
  'playbook: revoke app secrets (removePassword)',
  'playbook: rotate app secrets (addPassword, removePassword)',
];

/**
 * Graph has no permission-check API, so the token's own claims say what it may do: `roles` for
 * an app-only token, `scp` for a user's. Key Vault data-plane rights show only when used.
 */
async function playbookChecks(
  client: ReturnType<typeof createAzureClient>['client'],
): Promise<DoctorCheck[]> {
  const vault: DoctorCheck = {
    name: 'playbook: azure-key-vault sink',
    ok: false,
    detail:
      'unknown: checked at apply time (needs Key Vault Secrets Officer on the vault, or a set + list secret access policy)',
  };
  let claims: { roles: string[]; scopes: string[] } | null;
  try {
    claims = await client.graphTokenPermissions();
  } catch {
    claims = null; // the token probe above already reported why
  }
  if (!claims)
    return [
      ...SECRET_PLAYBOOKS.map((name) => ({
        name,
        ok: false,
        detail: `unknown: the Graph token carries no readable claims; needs ${APP_WRITE.join(' or ')}`,
      })),
      vault,
    ];
  const granted = APP_WRITE.filter((p) => claims.roles.includes(p));
  const delegated = claims.scopes.includes('Application.ReadWrite.All');
  const detail = granted.includes('Application.ReadWrite.All')
    ? 'application permission Application.ReadWrite.All granted'
    : granted.length
      ? 'application permission Application.ReadWrite.OwnedBy granted: only app registrations and service principals this app owns'
      : delegated
        ? 'delegated scope Application.ReadWrite.All (the signed-in user also needs a role such as Application Administrator)'
        : `missing Microsoft Graph application permission ${APP_WRITE.join(' or ')} (token roles: ${claims.roles.join(', ') || 'none'})`;
  return [
    ...SECRET_PLAYBOOKS.map((name) => ({ name, ok: granted.length > 0 || delegated, detail })),
    vault,
  ];
}

async function doctor(ctx: ConnectorContext): Promise<DoctorReport> {
  const settings = resolveSettings(ctx.options, ctx.env);
  const { client, source } = createAzureClient(ctx, settings, settings.tenants[0]);
  const checks: DoctorCheck[] = [];
  const probe = async (name: string, fn: () => Promise<string>) => {
    try {
      checks.push({ name, ok: true, detail: await fn() });
    } catch (err) {
      checks.push({ name, ok: false, detail: (err as Error).message });
    }
  };
  let tenant: string | null = null;
  await probe('token', async () => {
    // A token alone proves the credential chain; permissions are probed separately.
    const tid = await client.tenantOfToken();
    tenant = settings.tenants[0] ?? tid;
    return `${source}; tenant ${tenant ?? '?'}`;
  });
  // Permission probes only make sense once a token was obtained.
  const authenticated = checks[0]?.ok === true;
  if (authenticated) {
    await probe('Application.Read.All', async () => {
      await client.graphGet('/applications?$select=id&$top=1');
      return 'can list app registrations';
    });
    await probe('AuditLog.Read.All (sign-in activity)', async () => {
      await client.graphGet('/reports/servicePrincipalSignInActivities?$top=1', 'beta');
      return 'sign-in activity report readable';
    });
    await probe('Azure RBAC Reader', async () => {
      const subs = await client.listSubscriptions();
      if (subs.length === 0) throw new AzureApiError('arm', null, null, 'no subscriptions visible');
      return `${subs.length} subscription(s) visible`;
    });
    checks.push(...(await playbookChecks(client)));
  }
  return {
    provider: 'azure',
    authenticated,
    identity: ctx.env.AZURE_CLIENT_ID ?? tenant,
    checks,
  };
}

async function startDemo(clock: Date): Promise<DemoHandle> {
  // Loaded lazily: a real scan never needs the stand-in or the demo estate.
  const [{ startAzureStandIn }, { buildAzureDemoEstate, AZURE_DEMO_SCANNER }] = await Promise.all([
    import('./stand-in/index.js'),
    import('../../fixtures/demo/azure.js'),
  ]);
  const estate = buildAzureDemoEstate(clock);
  const standIn = await startAzureStandIn({ estate, now: () => clock });
  return {
    options: {
      tenantId: estate.tenant.id,
      authorityHost: standIn.url,
      graphEndpoint: standIn.url,
      armEndpoint: standIn.url,
      caFile: standIn.caFile,
      keyVaultUrls: standIn.vaultUrls,
    },
    env: {
      AZURE_TENANT_ID: estate.tenant.id,
      AZURE_CLIENT_ID: AZURE_DEMO_SCANNER.clientId,
      AZURE_CLIENT_SECRET: AZURE_DEMO_SCANNER.secret,
    },
    close: () => standIn.close(),
  };
}

export const connector: Connector = {
  id: 'azure',
  title: 'Microsoft Azure / Entra ID',
  options,
  signals: SIGNALS,
  scanPermissions: SCAN_PERMISSIONS,
  discover,
  doctor,
  startDemo,
};
