/**
 * The OpenAI connector end to end: the official SDK over HTTP against the stand-in (real
 * wire, no mocks), paging through every listing, and the faults every connector must survive.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { makeTestContext } from '../../src/connector/testing.js';
import { startCanary, type StandInServer } from '../../src/connector/stand-in.js';
import type { ScopeInventory, ScopeResult } from '../../src/connector/index.js';
import { connector } from './index.js';
import {
  DEMO_ORGANIZATION,
  buildOpenaiDemoEstate,
  connect,
  issuedValues,
  startOpenaiStandIn,
  type OpenaiStandIn,
} from './stand-in/index.js';

const NOW = new Date('2026-11-01T12:00:00Z');
const open: StandInServer[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function standIn(pageCap = 2) {
  const s = await startOpenaiStandIn({
    estate: buildOpenaiDemoEstate(NOW),
    now: () => NOW,
    pageCap,
  });
  open.push(s);
  return s;
}

async function scan(
  s: Pick<OpenaiStandIn, 'url' | 'adminKey'>,
  options: Record<string, unknown> = {},
  env: Record<string, string> = {},
) {
  const c = connect(s);
  const results: ScopeResult[] = [];
  const ctx = makeTestContext({
    now: NOW,
    env: { ...c.env, ...env },
    options: { ...c.options, ...options },
  });
  for await (const r of connector.discover(ctx)) results.push(r);
  return results;
}

function inventory(r: ScopeResult | undefined): ScopeInventory {
  if (r?.kind !== 'inventory') throw new Error(`expected an inventory, got ${JSON.stringify(r)}`);
  return r;
}

const cred = (r: ScopeInventory, id: string) => r.credentials.find((c) => c.externalId === id);

describe('openai connector', () => {
  it('inventories every key of the organization through the SDK, page after page', async () => {
    const s = await standIn(2);
    const r = inventory((await scan(s, { pageSize: 100 }))[0]);
    expect(r.scope).toEqual({
      provider: 'openai',
      id: DEMO_ORGANIZATION.id,
      name: DEMO_ORGANIZATION.id,
      kind: 'organization',
    });
    const estate = s.estate;
    const expected = [
      ...estate.adminKeys.map((k) => k.id),
      ...estate.projects.flatMap((p) => p.keys.map((k) => k.id)),
    ].sort();
    expect(r.credentials.map((c) => c.externalId).sort()).toEqual(expected);
    expect(r.gaps).toEqual([]);
    // Real cursor pagination: later pages were asked for with `after`.
    const paged = s.requests.filter((q) => q.query.includes('after='));
    expect(paged.map((q) => q.path)).toEqual(
      expect.arrayContaining([
        '/v1/organization/admin_api_keys',
        '/v1/organization/projects',
        '/v1/organization/users',
        '/v1/organization/projects/proj_support_assistant/api_keys',
      ]),
    );
    expect(s.requests.every((q) => q.authenticated)).toBe(true);
  });

  it('records ids, names and redacted handles, never a key value', async () => {
    const s = await standIn();
    const r = inventory((await scan(s))[0]);
    const text = JSON.stringify(r);
    for (const value of issuedValues(s.estate)) expect(text).not.toContain(value);
    expect(cred(r, 'key_route_prod')?.attributes.handle).toMatch(/^sk-svcacct-\.\.\.[\w-]{4}$/);
  });

  it('maps admin, person and service-account keys with owner, project, use and expiry', async () => {
    const s = await standIn();
    const r = inventory((await scan(s))[0]);
    expect(cred(r, 'key_admin_bootstrap')).toMatchObject({
      type: 'api-key',
      name: 'bootstrap-admin',
      status: 'active',
      lastUsedAt: null,
      lastUsedKnown: true,
      expiresAt: null,
      attributes: {
        keyKind: 'admin',
        aiService: 'openai',
        ownerEmail: 'tom.becker@orbitalfreight.example',
        ownerDeparted: false,
      },
    });
    expect(cred(r, 'key_batch_eval')).toMatchObject({
      identityExternalId: 'svc_acct_batch_eval',
      lastUsedAt: '2026-07-04T12:00:00.000Z',
      attributes: {
        keyKind: 'service-account',
        projectId: 'proj_route_optimizer',
        projectName: 'route-optimizer',
        ownerType: 'service-account',
      },
    });
    expect(cred(r, 'key_support_bot')?.expiresAt).toBe('2026-12-31T12:00:00.000Z');
    // A departed engineer's key: listed only with owner_project_access=any, and marked.
    expect(cred(r, 'key_lucas_support')).toMatchObject({
      status: 'active',
      attributes: {
        keyKind: 'user',
        ownerEmail: 'lucas.moreau@orbitalfreight.example',
        ownerDeparted: true,
        ownerProjectAccess: 'inactive',
      },
    });
    const lucas = r.identities.find(
      (i) => i.externalId === cred(r, 'key_lucas_support')?.identityExternalId,
    );
    expect(lucas).toMatchObject({
      kind: 'user',
      owner: 'lucas.moreau@orbitalfreight.example',
      attributes: { departed: true },
    });
    const kinds = r.identities.map((i) => `${i.kind}:${i.name}`);
    expect(kinds).toEqual(
      expect.arrayContaining([
        'project:route-optimizer',
        'project:pricing-pilot',
        'service-account:batch-eval',
        'user:Tom Becker',
      ]),
    );
    expect(r.identities.find((i) => i.name === 'pricing-pilot')?.attributes.status).toBe(
      'archived',
    );
  });

  it('a denied key listing is a gap naming the project; its keys are never marked removed', async () => {
    const s = await standIn();
    s.estate.projects.find((p) => p.project.id === 'proj_route_optimizer')!.keysDenied = true;
    s.estate.usersDenied = true;
    const r = inventory((await scan(s))[0]);
    expect(r.gaps.map((g) => g.signal)).toEqual(['organization-users', 'project-api-keys']);
    expect(r.gaps[1]?.message).toContain('(1: route-optimizer)');
    expect(r.incomplete).toEqual(['credentials']);
    // Without the members listing nobody's departure is known: unknown, not "still here".
    expect(cred(r, 'key_lucas_support')?.attributes.ownerDeparted).toBeNull();
  });

  it('an answer that is not the list asked for fails the scope; it is never "no keys"', async () => {
    const s = await standIn();
    s.faults.add({
      path: '/api_keys',
      body: { kind: 'something else', items: null },
      times: Infinity,
    });
    expect((await scan(s))[0]).toMatchObject({
      kind: 'failure',
      error: expect.stringMatching(/unexpected response: \.object/),
    });
    s.faults.clear();
    s.faults.add({
      path: /\/organization\/projects$/,
      body: '<html>Welcome</html>',
      contentType: 'text/html',
    });
    expect((await scan(s))[0]).toMatchObject({ kind: 'failure', code: 'InvalidResponse' });
  });

  it('retries throttling and 5xx through the SDK, then succeeds', async () => {
    const s = await standIn();
    s.faults.add({ path: '/api_keys', status: 429, retryAfter: 0, times: 2 });
    s.faults.add({ path: '/service_accounts', status: 503, times: 1 });
    expect((await scan(s))[0]?.kind).toBe('inventory');
  });

  it('a request that never gets an answer times out with one line naming the endpoint', async () => {
    const s = await standIn();
    s.faults.add({ path: '/projects', hang: true, times: Infinity });
    const [r] = await scan(s, { timeoutMs: 200, maxAttempts: 1 });
    expect(r).toMatchObject({
      kind: 'failure',
      error: `GET ${s.url}/v1/organization/projects: Timeout no answer within 0.2 s`,
    });
  });

  it('never follows a redirect to another origin, so the admin key stays home', async () => {
    const s = await standIn();
    const canary = await startCanary();
    open.push(canary);
    s.faults.add({ path: '/admin_api_keys', redirect: `${canary.url}/steal`, times: Infinity });
    const [r] = await scan(s, { maxAttempts: 1 });
    expect(r).toMatchObject({ kind: 'failure', code: 'OffOrigin' });
    expect(canary.requests).toEqual([]);
  });

  it('scans several organizations, each with its own admin key variable', async () => {
    const a = await standIn();
    // Both organizations go through the same API root; the second key is not the stand-in's.
    const results = await scan(
      a,
      {
        organizations: [
          { id: 'org-orbitalfreightml', name: 'ML', keyEnv: 'OPENAI_ADMIN_KEY' },
          { id: 'org-second', keyEnv: 'OPENAI_ADMIN_KEY_LABS' },
        ],
      },
      { OPENAI_ADMIN_KEY_LABS: 'sk-admin-wrong' },
    );
    expect(results.map((r) => [r.scope.id, r.kind])).toEqual([
      ['org-orbitalfreightml', 'inventory'],
      ['org-second', 'failure'],
    ]);
    expect(results[1]).toMatchObject({ code: 'invalid_api_key' });
  });

  it('a missing admin key is a user error before any request', async () => {
    const s = await standIn();
    const ctx = makeTestContext({ options: { baseUrl: `${s.url}/v1` }, env: {} });
    await expect(connector.discover(ctx)[Symbol.asyncIterator]().next()).rejects.toThrow(
      /openai: no admin key for the organization \(set OPENAI_ADMIN_KEY/,
    );
    expect(s.requests).toEqual([]);
  });

  it('the API root comes from OPENAI_BASE_URL when no option sets it', async () => {
    const s = await standIn();
    const ctx = makeTestContext({
      now: NOW,
      env: { OPENAI_ADMIN_KEY: s.adminKey, OPENAI_BASE_URL: `${s.url}/v1` },
    });
    const results: ScopeResult[] = [];
    for await (const r of connector.discover(ctx)) results.push(r);
    expect(results[0]?.kind).toBe('inventory');
  });
});
