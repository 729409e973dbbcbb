/**
 * `nhi doctor` for Azure: which credential signs in and to which tenant, what the scan can
 * read (apps, sign-in reports, subscriptions, AI accounts), and which playbooks the token's
 * own claims allow (Graph has no permission-check API).
 */
import {
  errorMessage,
  type ConnectorContext,
  type DoctorCheck,
  type DoctorReport,
} from '../../src/connector/index.js';
import { createAzureClient, type AzureClient } from './client.js';
import { PROVIDER, resolveSettings } from './options.js';
import { subscriptionSchema, parseList } from './schema.js';

const APP_WRITE = ['Application.ReadWrite.All', 'Application.ReadWrite.OwnedBy'];
const SECRET_PLAYBOOKS = [
  'playbook: revoke app secrets (removePassword)',
  'playbook: rotate app secrets (addPassword, removePassword)',
];

/**
 * Graph has no permission-check API, so the token's own claims say what it may do: `roles` for
 * an app-only token, `scp` for a user's. Key Vault data-plane rights show only when used.
 */
async function playbookChecks(client: AzureClient): Promise<DoctorCheck[]> {
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

export async function doctor(ctx: ConnectorContext): Promise<DoctorReport> {
  const settings = resolveSettings(ctx.options, ctx.env);
  const { client, source } = createAzureClient(ctx, settings, settings.tenants[0]);
  const checks: DoctorCheck[] = [];
  const probe = async (name: string, fn: () => Promise<string>) => {
    try {
      checks.push({ name, ok: true, detail: await fn() });
    } catch (err) {
      checks.push({ name, ok: false, detail: errorMessage(err) });
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
    let first: string | null = null;
    await probe('Azure RBAC Reader', async () => {
      const subs = parseList(
        subscriptionSchema,
        await client.listSubscriptions(),
        'GET /subscriptions',
      );
      if (subs.length === 0) throw new Error('no subscriptions visible');
      first = subs[0]!.subscriptionId;
      return `${subs.length} subscription(s) visible`;
    });
    if (first) {
      const sub: string = first;
      await probe('AI accounts (Cognitive Services)', async () => {
        const accounts = await client.listCognitiveAccounts(sub);
        return `${accounts.length} account(s) readable in subscription ${sub}`;
      });
    }
    checks.push(...(await playbookChecks(client)));
  }
  return {
    provider: PROVIDER,
    authenticated,
    identity: ctx.env.AZURE_CLIENT_ID ?? tenant,
    checks,
  };
}
