/** Playbook actions through the real @googleapis/iam client against the stand-in. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { UserError, type CredentialRef } from '../../src/connector/index.js';
import { makeTestContext } from '../../src/connector/testing.js';
import { actions, MAX_KEYS_PER_SERVICE_ACCOUNT } from './actions.js';
import { NEVER_EXPIRES, type GcpEstate, type StandInKey } from './stand-in/estate.js';
import { startGcpStandIn, type GcpStandIn } from './stand-in/server.js';

const NOW = new Date('2026-11-01T12:00:00Z');
const EMAIL = 'ci-deployer@of-staging.iam.gserviceaccount.com';
const OLD_KEY = 'a'.repeat(40);

const userKey = (keyId: string): StandInKey => ({
  keyId,
  keyType: 'USER_MANAGED',
  validAfterTime: '2026-03-01T00:00:00Z',
  validBeforeTime: NEVER_EXPIRES,
});

function estate(extraKeys = 0): GcpEstate {
  return {
    projects: [
      {
        projectId: 'of-staging',
        projectNumber: '729104835512',
        displayName: 'Staging',
        parent: 'organizations/1',
        createTime: '2024-01-01T00:00:00Z',
        bindings: [],
        serviceAccounts: [
          {
            accountId: 'ci-deployer',
            uniqueId: '111111111111111111111',
            keys: [
              userKey(OLD_KEY),
              ...Array.from({ length: extraKeys }, (_, i) => userKey(String(i).padStart(40, 'b'))),
              { ...userKey('c'.repeat(40)), keyType: 'SYSTEM_MANAGED' },
            ],
          },
        ],
      },
    ],
  };
}

const ref = (credentialExternalId = OLD_KEY): CredentialRef => ({
  scope: { provider: 'gcp', id: 'of-staging', name: 'Staging', kind: 'project' },
  identityExternalId: EMAIL,
  identityName: 'ci-deployer',
  credentialExternalId,
  type: 'service-account-key',
  attributes: {},
});

let s: GcpStandIn;
const ctx = () =>
  makeTestContext({
    now: NOW,
    options: {
      rootUrls: { iam: s.url, cloudresourcemanager: s.url, oauth2: s.url },
      retry: { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 2 },
    },
    env: { NHI_GCP_ACCESS_TOKEN: s.token },
  });
const storedKey = (keyId: string) =>
  s.estate.projects[0]!.serviceAccounts[0]!.keys.find((k) => k.keyId === keyId);

afterEach(async () => s.close());

describe('service-account key actions', () => {
  beforeEach(async () => {
    s = await startGcpStandIn({ estate: estate(), now: () => NOW });
  });

  it('declares what GCP can do with keys, including the 10-keys-per-SA limit', () => {
    expect(actions.capabilities('service-account-key')).toEqual({
      deactivate: true,
      reactivate: true,
      delete: true,
      create: true,
      maxPerIdentity: MAX_KEYS_PER_SERVICE_ACCOUNT,
    });
    expect(MAX_KEYS_PER_SERVICE_ACCOUNT).toBe(10);
    expect(actions.capabilities('api-key').deactivate).toBe(false);
    expect(actions.sinks).toEqual({});
  });

  it('disables and re-enables a key, and describe sees each state', async () => {
    await actions.deactivate(ctx(), ref());
    expect(storedKey(OLD_KEY)?.disabled).toBe(true);
    expect((await actions.describe(ctx(), ref()))?.status).toBe('inactive');
    await actions.reactivate(ctx(), ref());
    expect(storedKey(OLD_KEY)?.disabled).toBe(false);
    expect(await actions.describe(ctx(), ref())).toMatchObject({
      status: 'active',
      expiresAt: null,
      lastUsedKnown: false,
    });
    expect(s.requests.map((r) => `${r.method} ${r.path.split('/keys/')[1]}`)).toContain(
      `POST ${OLD_KEY}:disable`,
    );
  });

  it('retries a throttled disable', async () => {
    s.faults.add({ path: ':disable', status: 429, retryAfter: 0 });
    await actions.deactivate(ctx(), ref());
    expect(storedKey(OLD_KEY)?.disabled).toBe(true);
    expect(s.requests.filter((r) => r.path.endsWith(':disable')).map((r) => r.status)).toEqual([
      429, 200,
    ]);
  });

  it('creates a key whose credentials file exists only in the returned secret', async () => {
    const { credential, secret } = await actions.create(ctx(), ref());
    expect(credential).toMatchObject({
      identityExternalId: EMAIL,
      type: 'service-account-key',
      status: 'active',
    });
    expect(credential.createdAt).toBe(NOW.toISOString());
    const file = JSON.parse(secret.values.GOOGLE_APPLICATION_CREDENTIALS_JSON!) as Record<
      string,
      string
    >;
    expect(file).toMatchObject({
      type: 'service_account',
      client_email: EMAIL,
      private_key_id: credential.externalId,
    });
    expect(file.private_key).toContain('BEGIN PRIVATE KEY');
    expect(JSON.stringify(credential)).not.toMatch(/PRIVATE KEY|privateKeyData/);

    const siblings = await actions.listSiblings(ctx(), ref(credential.externalId));
    expect(siblings.map((c) => c.externalId)).toEqual([OLD_KEY]); // system-managed key left out
  });

  it('does not retry a create that failed with 5xx (a retry could mint a second key)', async () => {
    s.faults.add({ path: '/keys', status: 503, method: 'POST' });
    await expect(actions.create(ctx(), ref())).rejects.toMatchObject({
      status: 503,
      code: 'UNAVAILABLE',
    });
    expect(s.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('deletes a key; describe then reports it gone', async () => {
    await actions.delete(ctx(), ref());
    expect(storedKey(OLD_KEY)).toBeUndefined();
    expect(await actions.describe(ctx(), ref())).toBeNull();
  });

  it('refuses credentials that are not service-account keys', async () => {
    await expect(actions.deactivate(ctx(), { ...ref(), type: 'api-key' })).rejects.toThrow(
      UserError,
    );
  });
});

describe('key limit', () => {
  it('surfaces the provider refusal when the service account already has 10 keys', async () => {
    s = await startGcpStandIn({ estate: estate(9), now: () => NOW });
    await expect(actions.create(ctx(), ref())).rejects.toMatchObject({
      status: 400,
      code: 'FAILED_PRECONDITION',
    });
    // Not retried: a create is not idempotent.
    expect(s.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  });
});

describe('proof and identity', () => {
  beforeEach(async () => {
    s = await startGcpStandIn({ estate: estate(), now: () => NOW });
  });

  it('proves a new key with a JWT-bearer token the stand-in checks against the key it issued', async () => {
    const { credential, secret } = await actions.create(ctx(), ref());
    const mine = ref(credential.externalId);
    expect(await actions.prove!(ctx(), mine, secret)).toEqual({ principal: EMAIL });
    expect(s.requests.some((r) => r.path === '/token' && r.status === 200)).toBe(true);

    // Signed with another private key but naming this key: the signature does not verify.
    const file = JSON.parse(secret.values.GOOGLE_APPLICATION_CREDENTIALS_JSON!) as Record<
      string,
      string
    >;
    const { privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    const forged = {
      values: {
        GOOGLE_APPLICATION_CREDENTIALS_JSON: JSON.stringify({ ...file, private_key: privateKey }),
      },
    };
    await expect(actions.prove!(ctx(), mine, forged)).rejects.toThrow(/Invalid JWT Signature/);

    // A disabled key signs nothing Google accepts.
    await actions.deactivate(ctx(), mine);
    await expect(actions.prove!(ctx(), mine, secret)).rejects.toThrow(/Invalid JWT Signature/);
  });

  it('acts on the key it is given, never on the resource name recorded for another key', async () => {
    const { credential } = await actions.create(ctx(), ref());
    // A playbook refers to the new key with the planned (old) key's attributes.
    const planned = {
      ...ref(),
      attributes: { resourceName: `projects/of-staging/serviceAccounts/${EMAIL}/keys/${OLD_KEY}` },
    };
    await actions.delete(ctx(), { ...planned, credentialExternalId: credential.externalId });
    expect(storedKey(credential.externalId)).toBeUndefined();
    expect(storedKey(OLD_KEY)).toBeDefined();
  });
});
