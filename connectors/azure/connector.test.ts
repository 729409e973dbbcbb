/**
 * The connector end to end with the REAL @azure/identity, @azure/arm-authorization and Graph
 * pipeline against the HTTPS stand-in loaded with the Orbital Freight demo estate.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeTestContext } from '../../src/connector/testing.js';
import type { ScopeInventory, ScopeResult } from '../../src/model/index.js';
import { connector } from './index.js';
import { startAzureStandIn, type AzureStandIn } from './stand-in/index.js';
import {
  AZURE_DEMO_SCANNER,
  AZURE_DEMO_SUBSCRIPTIONS,
  buildAzureDemoEstate,
} from './stand-in/index.js';
import { COMPANY } from '../../fixtures/demo/company.js';

const NOW = new Date('2026-11-01T12:00:00Z');
const estate = buildAzureDemoEstate(NOW);

let standIn: AzureStandIn;
/** One clean scan shared by the read-only assertions (keeps the suite fast on 2 cores). */
let baseline: ScopeInventory;
let baselineRequests: AzureStandIn['requests'];

function ctxFor(
  s: AzureStandIn,
  extra: { options?: Record<string, unknown>; env?: Record<string, string> } = {},
) {
  return makeTestContext({
    now: NOW,
    options: {
      tenantId: COMPANY.azureTenantId,
      authorityHost: s.url,
      graphEndpoint: s.url,
      armEndpoint: s.url,
      caFile: s.caFile,
      retry: { maxRetries: 3, retryDelayMs: 1, maxRetryDelayMs: 5 },
      ...extra.options,
    },
    env: {
      AZURE_CLIENT_ID: AZURE_DEMO_SCANNER.clientId,
      AZURE_CLIENT_SECRET: AZURE_DEMO_SCANNER.secret,
      ...extra.env,
    },
  });
}

async function scan(s: AzureStandIn, extra?: Parameters<typeof ctxFor>[1]): Promise<ScopeResult[]> {
  const out: ScopeResult[] = [];
  for await (const r of connector.discover(ctxFor(s, extra))) out.push(r);
  return out;
}

async function scanOne(
  s: AzureStandIn,
  extra?: Parameters<typeof ctxFor>[1],
): Promise<ScopeInventory> {
  const [result] = await scan(s, extra);
  if (result?.kind !== 'inventory')
    throw new Error(`expected inventory, got ${JSON.stringify(result)}`);
  return result;
}

beforeAll(async () => {
  // Small pages so every Graph and ARM listing spans several pages.
  standIn = await startAzureStandIn({ estate, maxPageSize: 3, now: () => NOW });
  baseline = await scanOne(standIn);
  baselineRequests = [...standIn.requests];
});
afterAll(() => standIn.close());
beforeEach(() => standIn.faults.clear());

describe('azure connector against the stand-in', () => {
  it('signs in through the credential chain and inventories the tenant across pages', async () => {
    const inv = baseline;
    expect(inv.scope).toEqual({
      provider: 'azure',
      id: COMPANY.azureTenantId,
      name: COMPANY.azureTenantDomain,
      kind: 'tenant',
    });
    // Token endpoint reached through MSAL's OpenID discovery on the configured authority.
    expect(
      baselineRequests.some((r) => r.path.endsWith('/oauth2/v2.0/token') && r.status === 200),
    ).toBe(true);
    const appPages = baselineRequests.filter((r) => r.path === '/v1.0/applications');
    expect(appPages.length).toBe(Math.ceil(estate.applications.length / 3));
    expect(inv.identities.filter((i) => i.kind === 'application')).toHaveLength(
      estate.applications.length,
    );
    expect(inv.credentials.length).toBeGreaterThanOrEqual(20);
    expect(inv.apiCalls).toBeGreaterThan(estate.applications.length);
    expect(inv.gaps).toEqual([]);
  });

  it('records secrets with expiry, status, hint and per-credential last use', async () => {
    const inv = baseline;
    const byName = (n: string) => inv.credentials.find((c) => c.name === n)!;
    expect(byName('prod-2023')).toMatchObject({
      type: 'client-secret',
      status: 'active',
      expiresAt: '2299-12-31T00:00:00Z',
      lastUsedKnown: true,
    });
    expect(byName('sync-2024').status).toBe('expired');
    expect(byName('reporting-new')).toMatchObject({ lastUsedKnown: true, lastUsedAt: null });
    expect(byName('reporting').lastUsedAt).toBe(
      new Date(NOW.getTime() - 210 * 86_400_000).toISOString(),
    );
    expect(byName('CN=logistics-sync')).toMatchObject({ type: 'certificate', status: 'active' });
    const fics = inv.credentials.filter((c) => c.type === 'federated-credential');
    expect(fics.map((c) => c.attributes.subject)).toContain(
      'repo:orbital-freight/infrastructure:ref:refs/heads/main',
    );
    expect(
      fics.every((c) => c.lastUsedKnown === false && c.attributes.githubActions === true),
    ).toBe(true);
    // The SP's own secret belongs to the same identity as the app's secrets.
    const spSecret = byName('sp-legacy');
    const app = inv.identities.find((i) => i.name === 'directory-sync')!;
    expect(spSecret).toMatchObject({
      identityExternalId: app.externalId,
      attributes: { origin: 'servicePrincipal' },
    });
  });

  it('resolves application permissions, delegated scopes and RBAC roles to privileges', async () => {
    const inv = baseline;
    const grantsOf = (name: string) => {
      const id = inv.identities.find((i) => i.name === name)!.externalId;
      return inv.grants.filter((g) => g.identityExternalId === id);
    };
    expect(grantsOf('directory-sync')).toContainEqual(
      expect.objectContaining({
        permission: 'Directory.ReadWrite.All',
        resource: 'Microsoft Graph',
        privilege: 'admin',
      }),
    );
    expect(grantsOf('payments-api')).toContainEqual(
      expect.objectContaining({ permission: 'Mail.Send', privilege: 'write' }),
    );
    expect(grantsOf('github-deployer')).toContainEqual(
      expect.objectContaining({
        permission: 'Owner',
        resource: `/subscriptions/${AZURE_DEMO_SUBSCRIPTIONS.prod.id}`,
        privilege: 'admin',
      }),
    );
    expect(grantsOf('payments-api')).toContainEqual(
      expect.objectContaining({ permission: 'Contributor', privilege: 'write' }),
    );
    expect(
      grantsOf('security-scanner')
        .filter((g) => g.permission === 'Reader')
        .map((g) => g.privilege),
    ).toEqual(['read', 'read']);
    expect(grantsOf('legacy-reporting')).toContainEqual(
      expect.objectContaining({
        permission: 'Directory.AccessAsUser.All',
        privilege: 'admin',
        attributes: expect.objectContaining({ kind: 'delegated-permission' }),
      }),
    );
    const mi = inv.identities.find((i) => i.name === 'mi-orders-aks')!;
    expect(mi).toMatchObject({
      kind: 'managed-identity',
      attributes: { managedIdentityType: 'user-assigned' },
    });
    expect(grantsOf('mi-orders-aks')).toContainEqual(
      expect.objectContaining({ permission: 'Contributor', privilege: 'admin' }),
    );
    // A human's Owner assignment is not an NHI grant.
    expect(inv.grants.some((g) => g.identityExternalId.includes('amara'))).toBe(false);
    expect(inv.identities.some((i) => i.name === 'Microsoft Graph')).toBe(false);
  });

  it('reports owners, and null when an app has none', async () => {
    const inv = baseline;
    expect(inv.identities.find((i) => i.name === 'legacy-reporting')).toMatchObject({
      owner: null,
      attributes: { owners: [] },
    });
    expect(inv.identities.find((i) => i.name === 'directory-sync')?.owner).toBe(
      `amara.okafor@${COMPANY.domain}`,
    );
  });

  it('retries Graph 429 responses honouring Retry-After', async () => {
    standIn.faults.add({
      path: '/v1.0/servicePrincipals',
      status: 429,
      times: 2,
      retryAfter: 0,
    });
    standIn.requests.length = 0;
    const inv = await scanOne(standIn);
    const sp = standIn.requests.filter((r) => r.path === '/v1.0/servicePrincipals');
    expect(sp.slice(0, 3).map((r) => r.status)).toEqual([429, 429, 200]);
    expect(inv.identities.some((i) => i.kind === 'managed-identity')).toBe(true);
  });

  it('retries ARM 429 responses too, so throttling leaves no gap', async () => {
    standIn.faults.add({
      path: '/providers/Microsoft.Authorization/roleAssignments',
      status: 429,
      times: 2,
    });
    const inv = await scanOne(standIn);
    expect(inv.gaps).toEqual([]);
    expect(inv.grants.filter((g) => g.attributes.kind === 'azure-rbac')).toHaveLength(
      baseline.grants.filter((g) => g.attributes.kind === 'azure-rbac').length,
    );
  });

  it('turns missing beta sign-in reports into gaps with unknown (not "never") last use', async () => {
    const noReports = await startAzureStandIn({
      estate: { ...estate, signInReports: { ...estate.signInReports, available: false } },
    });
    try {
      const inv = await scanOne(noReports);
      expect(inv.gaps.map((g) => g.signal).sort()).toEqual([
        'credential-sign-in-activity',
        'sp-sign-in-activity',
      ]);
      expect(inv.gaps[0]?.fix).toMatch(/AuditLog\.Read\.All.*P1/);
      expect(inv.credentials.every((c) => !c.lastUsedKnown && c.lastUsedAt === null)).toBe(true);
      expect(inv.identities.every((i) => !i.lastUsedKnown)).toBe(true);
    } finally {
      await noReports.close();
    }
    standIn.faults.add({
      path: '/beta/reports/appCredentialSignInActivities',
      status: 404,
      times: Infinity,
    });
    const inv = await scanOne(standIn);
    expect(inv.gaps.map((g) => g.signal)).toEqual(['credential-sign-in-activity']);
    expect(inv.identities.find((i) => i.name === 'payments-api')?.lastUsedKnown).toBe(true);
  });

  it('records an unreadable subscription as a gap and keeps the other one', async () => {
    const { nonprod, prod } = AZURE_DEMO_SUBSCRIPTIONS;
    standIn.faults.add({
      path: `/subscriptions/${nonprod.id}/providers/Microsoft.Authorization/roleAssignments`,
      status: 403,
      times: Infinity,
    });
    const inv = await scanOne(standIn);
    expect(inv.gaps).toEqual([
      expect.objectContaining({
        signal: 'azure-rbac',
        code: 'AuthorizationFailed',
        message: expect.stringContaining(nonprod.id),
      }),
    ]);
    expect(inv.grants.some((g) => g.resource.startsWith(`/subscriptions/${prod.id}`))).toBe(true);
    expect(inv.grants.some((g) => g.resource.startsWith(`/subscriptions/${nonprod.id}`))).toBe(
      false,
    );
  });

  it('scans only the listed subscriptions when told to', async () => {
    const inv = await scanOne(standIn, {
      options: { subscriptions: [AZURE_DEMO_SUBSCRIPTIONS.nonprod.id] },
    });
    const rbac = inv.grants.filter((g) => g.attributes.kind === 'azure-rbac');
    expect(rbac.length).toBeGreaterThan(0);
    expect(
      rbac.every((g) =>
        g.resource.startsWith(`/subscriptions/${AZURE_DEMO_SUBSCRIPTIONS.nonprod.id}`),
      ),
    ).toBe(true);
  });

  it('fails a tenant it cannot sign in to, without the secret, and still scans the others', async () => {
    const results = await scan(standIn, {
      options: { tenants: ['0000dead-0000-4000-8000-000000000000'] },
    });
    expect(results.map((r) => r.kind)).toEqual(['inventory', 'failure']);
    const wrong = await scan(standIn, { env: { AZURE_CLIENT_SECRET: 'wrong-secret-value' } });
    expect(wrong[0]).toMatchObject({
      kind: 'failure',
      error: expect.stringContaining('AADSTS7000215'),
    });
    expect(JSON.stringify(wrong)).not.toContain('wrong-secret-value');
  });

  it('trusts the stand-in only through caFile (in-process, no NODE_EXTRA_CA_CERTS)', async () => {
    const [result] = await scan(standIn, { options: { caFile: undefined } });
    expect(result).toMatchObject({ kind: 'failure', error: expect.stringContaining('caFile') });
  });

  it('fails the scope (rather than reporting everything deleted) when apps cannot be listed', async () => {
    standIn.faults.add({ path: '/v1.0/applications', status: 403, times: Infinity });
    const [result] = await scan(standIn);
    expect(result).toMatchObject({
      kind: 'failure',
      code: 'Authorization_RequestDenied',
      error: expect.stringContaining('Application.Read.All'),
    });
  });

  it('never puts a secret in its output', () => {
    const inv = baseline;
    const text = JSON.stringify(inv);
    expect(text).not.toContain(AZURE_DEMO_SCANNER.secret);
    expect(text).not.toMatch(/secretText|access_token/);
  });

  it('starts a demo whose options and env scan Orbital Freight', async () => {
    const demo = await connector.startDemo(NOW);
    try {
      const ctx = makeTestContext({ now: NOW, options: demo.options, env: demo.env });
      const results: ScopeResult[] = [];
      for await (const r of connector.discover(ctx)) results.push(r);
      expect(results).toHaveLength(1);
      expect(results[0]).toMatchObject({
        kind: 'inventory',
        scope: { name: COMPANY.azureTenantDomain },
      });
      const report = await connector.doctor(ctx);
      expect(report.authenticated).toBe(true);
      // The demo scanner is read-only: its scan checks pass, its playbook checks say what is missing.
      const scanChecks = report.checks.filter((c) => !c.name.startsWith('playbook: '));
      expect(scanChecks.every((c) => c.ok)).toBe(true);
      expect(report.checks.some((c) => c.name.startsWith('playbook: ') && !c.ok)).toBe(true);
    } finally {
      await demo.close();
    }
  });
});
