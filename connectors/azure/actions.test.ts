/**
 * Playbook actions with the real Graph pipeline and @azure/keyvault-secrets against the
 * stand-in: the refs come from a real scan, so the attributes the scan records are enough.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestContext } from '../../src/connector/testing.js';
import { UserError, type CredentialRef } from '../../src/connector/index.js';
import { deliveryOf } from '../../fixtures/sink-delivery.js';
import type { Credential, ScopeInventory } from '../../src/model/index.js';
import { actions } from './actions.js';
import { connector } from './index.js';
import { startAzureStandIn, type AzureStandIn } from './stand-in/index.js';
import { AZURE_DEMO_SCANNER, buildAzureDemoEstate } from './stand-in/index.js';
import { COMPANY } from '../../fixtures/demo/company.js';

const NOW = new Date('2026-11-01T12:00:00Z');
let standIn: AzureStandIn;
let inventory: ScopeInventory;

function ctx(env: Record<string, string> = {}) {
  return makeTestContext({
    now: NOW,
    options: {
      tenantId: COMPANY.azureTenantId,
      authorityHost: standIn.url,
      graphEndpoint: standIn.url,
      armEndpoint: standIn.url,
      caFile: standIn.caFile,
      keyVaultUrls: standIn.vaultUrls,
      retry: { maxRetries: 2, retryDelayMs: 1, maxRetryDelayMs: 5 },
    },
    env: {
      AZURE_CLIENT_ID: AZURE_DEMO_SCANNER.clientId,
      AZURE_CLIENT_SECRET: AZURE_DEMO_SCANNER.secret,
      ...env,
    },
  });
}

function refFor(credentialName: string): CredentialRef {
  const c = inventory.credentials.find((x) => x.name === credentialName);
  if (!c) throw new Error(`no credential ${credentialName}`);
  const identity = inventory.identities.find((i) => i.externalId === c.identityExternalId)!;
  return {
    scope: inventory.scope,
    identityExternalId: identity.externalId,
    identityName: identity.name,
    credentialExternalId: c.externalId,
    type: c.type,
    attributes: c.attributes,
  };
}

beforeAll(async () => {
  standIn = await startAzureStandIn({ estate: buildAzureDemoEstate(NOW), now: () => NOW });
  const [result] = await (async () => {
    const out = [];
    for await (const r of connector.discover(ctx())) out.push(r);
    return out;
  })();
  if (result?.kind !== 'inventory') throw new Error('scan failed');
  inventory = result;
});
afterAll(() => standIn.close());

describe('azure actions', () => {
  it('offers create and delete for client secrets only, never deactivate', () => {
    expect(actions.capabilities('client-secret')).toMatchObject({
      create: true,
      delete: true,
      deactivate: false,
      reactivate: false,
    });
    expect(actions.capabilities('certificate')).toMatchObject({ create: false, delete: false });
    expect(actions.capabilities('federated-credential').delete).toBe(false);
  });

  it('rotates an application secret: addPassword, the new secret signs in, removePassword retires the old one', async () => {
    const old = refFor('rotation-2026');
    const { credential, secret, result } = await actions.create(ctx(), old);
    const app = standIn.estate.applications.find((a) => a.displayName === 'payments-api')!;
    expect(secret.values).toMatchObject({
      AZURE_CLIENT_ID: app.appId,
      AZURE_TENANT_ID: COMPANY.azureTenantId,
    });
    expect(secret.values.AZURE_CLIENT_SECRET).toMatch(/.{30,}/);
    expect(credential).toMatchObject({
      type: 'client-secret',
      status: 'active',
      identityExternalId: app.id,
    });
    expect(credential.expiresAt).toBe(new Date(NOW.getTime() + 180 * 86_400_000).toISOString());
    expect(JSON.stringify({ credential, result })).not.toContain(secret.values.AZURE_CLIENT_SECRET);
    expect(app.passwordCredentials.map((p) => p.keyId)).toContain(credential.externalId);

    // The new secret really authenticates: scan as payments-api with it.
    const asApp = ctx({
      AZURE_CLIENT_ID: app.appId,
      AZURE_CLIENT_SECRET: secret.values.AZURE_CLIENT_SECRET!,
    });
    const token = standIn.requests.length;
    const described = await actions.describe(asApp, {
      ...old,
      credentialExternalId: credential.externalId,
    });
    expect(described).toMatchObject({ externalId: credential.externalId, status: 'active' });
    expect(
      standIn.requests.slice(token).some((r) => r.path.endsWith('/token') && r.status === 200),
    ).toBe(true);

    const siblings = await actions.listSiblings(ctx(), old);
    expect(siblings.map((s: Credential) => s.name)).toEqual(
      expect.arrayContaining(['prod-2023', credential.name]),
    );
    expect(siblings.some((s) => s.externalId === old.credentialExternalId)).toBe(false);

    const del = await actions.delete(ctx(), old);
    expect(del.requestId).toBeTruthy();
    expect(await actions.describe(ctx(), old)).toBeNull();
    expect(app.passwordCredentials.some((p) => p.keyId === old.credentialExternalId)).toBe(false);
  });

  it('handles a secret held by the service principal through /servicePrincipals', async () => {
    const ref = refFor('sp-legacy');
    const sp = standIn.estate.servicePrincipals.find((s) => s.displayName === 'directory-sync')!;
    const { credential } = await actions.create(ctx(), ref);
    expect(sp.passwordCredentials.map((p) => p.keyId)).toContain(credential.externalId);
    await actions.delete(ctx(), ref);
    expect(sp.passwordCredentials.map((p) => p.keyId)).toEqual([credential.externalId]);
    expect(
      standIn.requests.some((r) => r.path === `/v1.0/servicePrincipals/${sp.id}/removePassword`),
    ).toBe(true);
  });

  it('refuses to deactivate, with a user-facing reason', async () => {
    await expect(actions.deactivate(ctx(), refFor('prod-2023'))).rejects.toBeInstanceOf(UserError);
    await expect(actions.delete(ctx(), refFor('CN=payments-api'))).rejects.toBeInstanceOf(
      UserError,
    );
  });

  it('delivers a new secret to Key Vault and verifies the version from metadata', async () => {
    const sink = actions.sinks['azure-key-vault']!(
      ctx(),
      'orbital-deploy-kv/payments-api-credentials',
    );
    expect(sink.describe()).toBe(
      `azure-key-vault:${standIn.vaultUrls['orbital-deploy-kv']}/secrets/payments-api-credentials`,
    );
    const values = {
      AZURE_CLIENT_ID: 'app',
      AZURE_CLIENT_SECRET: 'new-secret-value',
      AZURE_TENANT_ID: COMPANY.azureTenantId,
    };
    const d = deliveryOf(values);
    const receipt = await sink.put({ values }, d);
    expect(receipt.version).toMatch(/^[0-9a-f]{32}$/);
    const stored = standIn.vaults.get('orbital-deploy-kv')!.get('payments-api-credentials')!;
    expect(JSON.parse(stored[0]!.value)).toEqual(values);
    expect(stored[0]!.contentType).toBe('application/json');
    expect(stored[0]!.tags['nhi-delivery']).toBe(d.token);
    expect(await sink.verify(receipt, d)).toEqual({ ok: true });
    expect(await sink.verify({ ...receipt, version: '0'.repeat(32) }, d)).toMatchObject({
      ok: false,
    });
    // Another delivery's token on the same version is not this delivery.
    expect(await sink.verify(receipt, deliveryOf(values))).toMatchObject({ ok: false });

    const byUrl = actions.sinks['azure-key-vault']!(
      ctx(),
      `${standIn.vaultUrls['orbital-payments-kv']}/secrets/ci`,
    );
    const d2 = deliveryOf(values);
    const second = await byUrl.put({ values }, d2);
    expect(await byUrl.verify(second, d2)).toEqual({ ok: true });
  });

  it('rejects a malformed Key Vault target before touching the network', () => {
    expect(() => actions.sinks['azure-key-vault']!(ctx(), 'no-secret-name')).toThrow(UserError);
  });

  it('proves a new secret with a client-credentials sign-in, and refuses a wrong one', async () => {
    const old = refFor('rotation-2026');
    const { credential, secret } = await actions.create(ctx(), old);
    const mine = { ...old, credentialExternalId: credential.externalId };
    expect(await actions.prove!(ctx(), mine, secret)).toEqual({
      principal: `app ${secret.values.AZURE_CLIENT_ID} in tenant ${COMPANY.azureTenantId}`,
    });
    const wrong = { values: { ...secret.values, AZURE_CLIENT_SECRET: 'not-the-secret' } };
    await expect(actions.prove!(ctx(), mine, wrong)).rejects.toThrow(/AADSTS7000215/);
  });
});
