/**
 * Issue 10 for Azure, call by call, with the real SDKs against the stand-in: an answer that is
 * not the document asked for fails the scope (never "empty"), no request, redirect or next link
 * leaves the configured origins (the bearer token and the client secret never reach a foreign
 * host), every request times out, and each failure is the kit's error of the right kind.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeTestContext } from '../../src/connector/testing.js';
import { startCanary, type Fault, type StandInServer } from '../../src/connector/stand-in.js';
import type { ScopeFailure, ScopeResult } from '../../src/model/index.js';
import { connector } from './index.js';
import {
  AZURE_DEMO_SUBSCRIPTIONS,
  buildAzureDemoEstate,
  connect,
  startAzureStandIn,
  type AzureStandIn,
} from './stand-in/index.js';

const NOW = new Date('2026-11-01T12:00:00Z');
let standIn: AzureStandIn;
let canary: StandInServer;

beforeAll(async () => {
  // Small pages, so listings carry next links to point elsewhere.
  standIn = await startAzureStandIn({
    estate: buildAzureDemoEstate(NOW),
    maxPageSize: 3,
    now: () => NOW,
  });
  canary = await startCanary();
});
afterAll(async () => {
  await standIn.close();
  await canary.close();
});
beforeEach(() => {
  standIn.faults.clear();
  standIn.requests.length = 0;
  canary.requests.length = 0;
});

async function scan(
  faults: Fault[],
  extra: { options?: Record<string, unknown>; env?: Record<string, string | undefined> } = {},
): Promise<ScopeResult[]> {
  standIn.faults.clear();
  for (const f of faults) standIn.faults.add({ times: Infinity, ...f });
  const { options, env } = connect(standIn, standIn.estate);
  const ctx = makeTestContext({
    now: NOW,
    // Generous for a loaded machine; the hang cases set their own.
    options: { ...options, timeoutMs: 5000, maxAttempts: 2, ...extra.options },
    env: { ...env, ...extra.env },
  });
  const out: ScopeResult[] = [];
  for await (const r of connector.discover(ctx)) out.push(r);
  return out;
}

async function failure(faults: Fault[], options?: Record<string, unknown>): Promise<ScopeFailure> {
  const [result] = await scan(faults, options ? { options } : {});
  expect(result?.kind, JSON.stringify(result)).toBe('failure');
  return result as ScopeFailure;
}

const WRONG_DOCUMENT = { body: { kind: 'something else', items: null } };
const HTML = { body: '<html><body>Sign in</body></html>', contentType: 'text/html' };
const roleAssignments = `/subscriptions/${AZURE_DEMO_SUBSCRIPTIONS.prod.id}/providers/Microsoft.Authorization/roleAssignments`;

describe('a bad answer fails the scope, never reads as empty', () => {
  it.each([
    ['a Graph listing without `value`', { path: '/v1.0/servicePrincipals', ...WRONG_DOCUMENT }],
    ['a Graph listing that is an HTML page', { path: '/v1.0/oauth2PermissionGrants', ...HTML }],
    ['an ARM page (SDK paginator) without `value`', { path: roleAssignments, ...WRONG_DOCUMENT }],
    ['an ARM page (SDK paginator) that is HTML', { path: roleAssignments, ...HTML }],
    [
      'an AI accounts page (SDK paginator) without `value`',
      { path: '/providers/Microsoft.CognitiveServices/accounts', ...WRONG_DOCUMENT },
    ],
  ])('%s', async (_label, fault) => {
    const f = await failure([fault]);
    expect(f.code).toBe('InvalidResponse');
    expect(f.error).toContain(fault.path);
  });

  it('a token endpoint answering garbage is the scope failing, not the user erring', async () => {
    const f = await failure([{ path: '/oauth2/v2.0/token', body: 'garbage\u0000\u0001' }]);
    expect(f).toMatchObject({ code: 'InvalidResponse' });
    expect(f.error).toMatch(/POST https:\/\/127\.0\.0\.1:\d+\/[^ ]+\/oauth2\/v2\.0\/token/);
    const wrong = await failure([{ path: '/oauth2/v2.0/token', body: { token_type: 'Bearer' } }]);
    expect(wrong.error).toContain('access_token');
  });

  it('an authority that keeps failing is a server failure; a refused secret is `auth`', async () => {
    const down = await failure([{ path: '/oauth2/v2.0/token', status: 503 }]);
    expect(down).toMatchObject({ code: 'ServiceUnavailable' });
    expect(down.error).toContain('/oauth2/v2.0/token');
    const [refused] = await scan([], { env: { AZURE_CLIENT_SECRET: 'not-the-secret' } });
    expect(refused).toMatchObject({ kind: 'failure', code: 'AADSTS7000215' });
  });
});

describe('every request stays on the configured origins', () => {
  it.each([
    ['Graph @odata.nextLink', '/v1.0/applications'],
    ['ARM nextLink through the SDK paginator', roleAssignments],
    ['the OpenID configuration (token endpoint elsewhere)', '/openid-configuration'],
  ])('a foreign %s fails the scope and nothing reaches the other host', async (_l, path) => {
    const f = await failure([{ path, foreignLinks: canary.url }]);
    expect(f.code).toBe('OffOrigin');
    expect(f.error).toContain(new URL(canary.url).origin);
    expect(canary.requests).toEqual([]);
  });

  it.each([
    ['a Graph call', '/v1.0/servicePrincipals'],
    ['an ARM SDK call', roleAssignments],
    ['the token request (the client secret)', '/oauth2/v2.0/token'],
  ])('a redirect of %s to another origin is refused before anything is sent', async (_l, path) => {
    const f = await failure([{ path, redirect: `${canary.url}/steal` }]);
    expect(f.code).toBe('OffOrigin');
    expect(canary.requests).toEqual([]);
  });
});

describe('timeouts', () => {
  it('a call that is never answered times out (retried, then the scope fails naming it)', async () => {
    const started = Date.now();
    const f = await failure([{ path: '/v1.0/oauth2PermissionGrants', hang: true }], {
      timeoutMs: 2000,
    });
    expect(f.code).toBe('Timeout');
    expect(f.error).toMatch(/GET https:\/\/127\.0\.0\.1:\d+\/v1\.0\/oauth2PermissionGrants/);
    expect(f.error).toContain('no answer within 2 s');
    // Two attempts of 2 s and a short backoff, not a hang.
    expect(Date.now() - started).toBeLessThan(20_000);
    const hung = standIn.requests.filter((r) => r.path === '/v1.0/oauth2PermissionGrants');
    expect(hung).toHaveLength(2);
  });

  it('a token endpoint that never answers times out too', async () => {
    const f = await failure([{ path: '/oauth2/v2.0/token', hang: true }], { timeoutMs: 2000 });
    expect(f.code).toBe('Timeout');
  });
});
