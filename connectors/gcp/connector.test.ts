/**
 * The connector's transport promises, end to end over HTTP with the real Google clients:
 * every request (google-auth-library's token exchange included) stays on the configured
 * origins and has a timeout, and an answer that is not the document asked for fails the
 * project — it is never "nothing there".
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError, type ScopeInventory, type ScopeResult } from '../../src/connector/index.js';
import { startCanary, type StandInServer } from '../../src/connector/stand-in.js';
import { makeTestContext } from '../../src/connector/testing.js';
import { actions } from './actions.js';
import { tokenFromKeyFile } from './client.js';
import { connector } from './index.js';
import { connect, startGcpStandIn, type GcpEstate, type GcpStandIn } from './stand-in/index.js';
import { NEVER_EXPIRES } from './stand-in/estate.js';

const NOW = new Date('2026-11-01T12:00:00Z');
const EMAIL = 'ci-deployer@of-staging.iam.gserviceaccount.com';
const open: StandInServer[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

function estate(): GcpEstate {
  const key = (keyId: string) => ({
    keyId,
    keyType: 'USER_MANAGED' as const,
    validAfterTime: '2026-03-01T00:00:00Z',
    validBeforeTime: NEVER_EXPIRES,
  });
  return {
    projects: ['of-staging', 'of-other'].map((projectId, i) => ({
      projectId,
      projectNumber: `72910483551${i}`,
      displayName: projectId,
      parent: 'organizations/1',
      createTime: '2024-01-01T00:00:00Z',
      bindings: [{ role: 'roles/run.developer', members: [`serviceAccount:${EMAIL}`] }],
      serviceAccounts: [
        {
          accountId: 'ci-deployer',
          uniqueId: `11111111111111111111${i}`,
          keys: [key('a'.repeat(40))],
        },
        { accountId: 'etl', uniqueId: `22222222222222222222${i}`, keys: [key('b'.repeat(40))] },
      ],
    })),
  };
}

async function standIn(): Promise<GcpStandIn> {
  const s = await startGcpStandIn({ estate: estate(), now: () => NOW });
  open.push(s);
  return s;
}

async function canary(): Promise<StandInServer> {
  const c = await startCanary();
  open.push(c);
  return c;
}

async function scan(
  s: GcpStandIn,
  options: Record<string, unknown> = {},
  env?: Record<string, string>,
): Promise<ScopeResult[]> {
  const c = connect(s);
  const ctx = makeTestContext({
    now: NOW,
    options: { ...c.options, projects: ['of-staging', 'of-other'], maxAttempts: 2, ...options },
    env: env ?? c.env,
  });
  const results: ScopeResult[] = [];
  for await (const r of connector.discover(ctx)) results.push(r);
  return results.sort((a, b) => a.scope.id.localeCompare(b.scope.id));
}

const byId = (results: ScopeResult[], id: string) => results.find((r) => r.scope.id === id)!;

describe('answers that are not the document asked for', () => {
  it.each([
    [
      'keys listed as another document',
      '/of-staging/serviceAccounts/etl',
      { kind: 'x', items: [] },
    ],
    ['an IAM policy without its etag', 'projects/of-staging:getIamPolicy', { kind: 'x' }],
    [
      'activities as an HTML page',
      'of-staging/locations/global/activityTypes',
      '<html>Sign in</html>',
    ],
    ['API keys as an empty body', '/v2/projects/of-staging/', ''],
  ])('%s fails that project, never "none"; the other project finishes', async (_, path, body) => {
    const s = await standIn();
    s.faults.add({
      path,
      body,
      contentType: typeof body === 'string' ? 'text/html' : 'application/json',
      times: Infinity,
    });
    const results = await scan(s);
    expect(byId(results, 'of-staging')).toMatchObject({
      kind: 'failure',
      code: 'InvalidResponse',
      error: expect.stringMatching(/not the document asked for|not JSON|etag/),
    });
    expect(byId(results, 'of-other')).toMatchObject({ kind: 'inventory' });
  });

  it('a denied key listing is a gap naming the account; its keys are never taken as removed', async () => {
    const s = await standIn();
    s.faults.add({ path: '/of-staging/serviceAccounts/etl', status: 403, times: Infinity });
    const staging = byId(await scan(s), 'of-staging') as ScopeInventory;
    expect(staging.gaps).toEqual([
      expect.objectContaining({
        signal: 'service-account-keys',
        code: 'PERMISSION_DENIED',
        message: expect.stringContaining(`(1: etl@of-staging.iam.gserviceaccount.com)`),
      }),
    ]);
    expect(staging.incomplete).toEqual(['credentials']);
    expect(staging.identities.find((i) => i.name === 'etl')?.attributes).toMatchObject({
      userManagedKeyCount: null,
    });
  });
});

describe('every request pinned to the configured origins, with a timeout', () => {
  it('a redirect to another origin fails the project; nothing reaches that origin', async () => {
    const [s, foreign] = await Promise.all([standIn(), canary()]);
    s.faults.add({ path: '/v1/projects/of-staging/serviceAccounts', redirect: `${foreign.url}/x` });
    const results = await scan(s);
    expect(byId(results, 'of-staging')).toMatchObject({
      kind: 'failure',
      code: 'OffOrigin',
      error: expect.stringContaining(`refused to follow ${foreign.url}`),
    });
    expect(foreign.requests).toEqual([]);
    expect(byId(results, 'of-other').kind).toBe('inventory');
  });

  it('a request that never gets an answer times out with one line naming the endpoint', async () => {
    const s = await standIn();
    s.faults.add({ path: '/v1/projects/of-staging/serviceAccounts', hang: true, times: Infinity });
    const started = Date.now();
    const results = await scan(s, { timeoutMs: 300 });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(byId(results, 'of-staging')).toMatchObject({
      kind: 'failure',
      code: 'Timeout',
      error: expect.stringMatching(
        /GET http:\/\/127\.0\.0\.1:\d+\/v1\/projects\/of-staging\/serviceAccounts: Timeout no answer within 0\.3 s/,
      ),
    });
  });

  describe('google-auth-library token exchanges (a service-account key file as ADC)', () => {
    async function keyFile(s: GcpStandIn): Promise<Record<string, string>> {
      const ctx = makeTestContext({ now: NOW, ...connect(s) });
      const { secret } = await actions.create(ctx, {
        scope: { provider: 'gcp', id: 'of-staging', name: 'of-staging', kind: 'project' },
        identityExternalId: EMAIL,
        identityName: 'ci-deployer',
        credentialExternalId: 'a'.repeat(40),
        type: 'service-account-key',
        attributes: {},
      });
      const file = join(mkdtempSync(join(tmpdir(), 'nhi-gcp-adc-')), 'key.json');
      writeFileSync(file, secret.values.GOOGLE_APPLICATION_CREDENTIALS_JSON!, { mode: 0o600 });
      return { GOOGLE_APPLICATION_CREDENTIALS: file };
    }

    it('go to the configured oauth2 root, and the token they bring back is what the scan uses', async () => {
      const s = await standIn();
      const env = await keyFile(s);
      s.requests.length = 0;
      const results = await scan(s, {}, env);
      expect(results.map((r) => r.kind)).toEqual(['inventory', 'inventory']);
      const tokens = s.requests.filter((r) => r.path === '/token');
      expect(tokens).toEqual([expect.objectContaining({ method: 'POST', status: 200 })]);
      expect(s.requests.filter((r) => r.path !== '/token').every((r) => r.authenticated)).toBe(
        true,
      );
      // The exchange is an API call too: charged to a scope, not lost.
      expect(results.reduce((n, r) => n + r.apiCalls, 0)).toBe(s.requests.length);
    });

    it('a token endpoint redirecting elsewhere is refused before anything (the signed assertion) leaves', async () => {
      const [s, foreign] = await Promise.all([standIn(), canary()]);
      const env = await keyFile(s);
      s.faults.add({ path: '/token', redirect: `${foreign.url}/token`, times: Infinity });
      await expect(scan(s, {}, env)).rejects.toMatchObject({ kind: 'off-origin' });
      expect(foreign.requests).toEqual([]);
    });

    it('a token endpoint that never answers times out instead of hanging the scan', async () => {
      const s = await standIn();
      const env = await keyFile(s);
      s.faults.add({ path: '/token', hang: true, times: Infinity });
      const err = await scan(s, { timeoutMs: 300 }, env).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApiError);
      expect(err).toMatchObject({ kind: 'timeout' });
    });

    it('prove a key file: the same pinned transport; a forged signature is refused', async () => {
      const [s, foreign] = await Promise.all([standIn(), canary()]);
      const file = await keyFile(s);
      const json = readFileSync(file.GOOGLE_APPLICATION_CREDENTIALS!, 'utf8');
      const keyId = (JSON.parse(json) as { private_key_id: string }).private_key_id;
      await expect(tokenFromKeyFile(json, s.url)).resolves.toEqual({ email: EMAIL, keyId });

      const { privateKey } = generateKeyPairSync('rsa', {
        modulusLength: 2048,
        privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
        publicKeyEncoding: { type: 'spki', format: 'pem' },
      });
      const forged = JSON.stringify({ ...JSON.parse(json), private_key: privateKey });
      await expect(tokenFromKeyFile(forged, s.url)).rejects.toMatchObject({
        kind: 'client',
        code: 'invalid_grant',
      });

      // google-auth-library retries a failed token request itself: every attempt is refused.
      s.faults.add({ path: '/token', redirect: `${foreign.url}/token`, times: Infinity });
      await expect(tokenFromKeyFile(json, s.url)).rejects.toMatchObject({ kind: 'off-origin' });
      expect(foreign.requests).toEqual([]);
    });
  });
});
