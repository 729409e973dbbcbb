/**
 * The Anthropic connector end to end: the official SDK (and the kit's fetch for the usage
 * report) over HTTP against the stand-in, paging through every listing, last use derived from
 * the usage report, and the faults every connector must survive.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { makeTestContext } from '../../src/connector/testing.js';
import { startCanary, type StandInServer } from '../../src/connector/stand-in.js';
import type { ScopeInventory, ScopeResult } from '../../src/connector/index.js';
import { connector } from './index.js';
import {
  DEMO_ORGANIZATION_ID,
  buildAnthropicDemoEstate,
  connect,
  issuedValues,
  startAnthropicStandIn,
  type AnthropicStandIn,
} from './stand-in/index.js';

const NOW = new Date('2026-11-01T12:00:00Z');
const open: StandInServer[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function standIn(pageCap = 2) {
  const s = await startAnthropicStandIn({
    estate: buildAnthropicDemoEstate(NOW),
    now: () => NOW,
    pageCap,
  });
  open.push(s);
  return s;
}

async function scan(
  s: Pick<AnthropicStandIn, 'url' | 'adminKey'>,
  options: Record<string, unknown> = {},
) {
  const c = connect(s);
  const results: ScopeResult[] = [];
  const ctx = makeTestContext({ now: NOW, env: c.env, options: { ...c.options, ...options } });
  for await (const r of connector.discover(ctx)) results.push(r);
  return results;
}

function inventory(r: ScopeResult | undefined): ScopeInventory {
  if (r?.kind !== 'inventory') throw new Error(`expected an inventory, got ${JSON.stringify(r)}`);
  return r;
}
const cred = (r: ScopeInventory, id: string) => r.credentials.find((c) => c.externalId === id);

describe('anthropic connector', () => {
  it('inventories every live key through the SDK, page after page; archived keys are gone', async () => {
    const s = await standIn(2);
    const r = inventory((await scan(s))[0]);
    expect(r.scope).toEqual({
      provider: 'anthropic',
      id: DEMO_ORGANIZATION_ID,
      name: 'Orbital Freight',
      kind: 'organization',
    });
    const live = s.estate.keys.filter((k) => k.status !== 'archived').map((k) => k.id);
    expect(r.credentials.map((c) => c.externalId).sort()).toEqual(live.sort());
    expect(r.gaps).toEqual([]);
    const paths = s.requests.filter((q) => /after_id=|page=/.test(q.query)).map((q) => q.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/v1/organizations/api_keys',
        '/v1/organizations/workspaces',
        '/v1/organizations/users',
        '/v1/organizations/usage_report/messages',
      ]),
    );
  });

  it('records ids, names and the partial hint, never a key value', async () => {
    const s = await standIn();
    const r = inventory((await scan(s))[0]);
    const text = JSON.stringify(r);
    for (const value of issuedValues(s.estate)) expect(text).not.toContain(value);
    expect(cred(r, 'apikey_01CIEVALS')?.attributes.handle).toMatch(
      /^sk-ant-api03-\w{3}\.\.\.\w{4}$/,
    );
  });

  it('maps status, workspace, creator, expiry and the departed owner', async () => {
    const s = await standIn();
    const r = inventory((await scan(s))[0]);
    expect(cred(r, 'apikey_01CIEVALS')).toMatchObject({
      identityExternalId: 'wrkspc_01ORBITALEVALS',
      status: 'active',
      expiresAt: null,
      attributes: {
        keyKind: 'project',
        aiService: 'anthropic',
        workspaceName: 'ci-evals',
        ownerEmail: 'mei.tanaka@orbitalfreight.example',
        ownerDeparted: false,
      },
    });
    expect(cred(r, 'apikey_01LUCASPROTO')?.attributes).toMatchObject({
      ownerId: 'user_01OF02LUCASMOREAU',
      ownerDeparted: true,
      // Known only by id once gone, and still the owner the offboarding finding names.
      ownerCandidates: [
        {
          owner: 'user_01OF02LUCASMOREAU',
          source: 'provider-owner',
          confidence: 'high',
          departed: true,
        },
      ],
    });
    expect(cred(r, 'apikey_01OLDWEBHOOK')?.status).toBe('inactive');
    expect(cred(r, 'apikey_01CIPIPELINE')).toMatchObject({
      identityExternalId: 'svcacct_01ORBITALCIEVALS',
      attributes: { keyKind: 'service-account', workspaceId: null },
    });
    expect(r.identities.find((i) => i.externalId === 'svcacct_01ORBITALCIEVALS')?.kind).toBe(
      'service-account',
    );
    expect(r.identities.find((i) => i.externalId === 'wrkspc_01ORBITALEVALS')).toMatchObject({
      kind: 'project',
      name: 'ci-evals',
    });
  });

  it('derives last use from the usage report, and says so; no use in the window is not "never used"', async () => {
    const s = await standIn();
    const r = inventory((await scan(s))[0]);
    expect(cred(r, 'apikey_01LUCASPROTO')).toMatchObject({
      lastUsedAt: '2026-10-03T00:00:00.000Z',
      lastUsedKnown: true,
      attributes: { lastUsedBasis: expect.stringMatching(/no last-used field/) },
    });
    // Created 60 days ago, inside the 180-day window, no use at all: never used.
    expect(cred(r, 'apikey_01PRICINGEXP')).toMatchObject({ lastUsedAt: null, lastUsedKnown: true });
    // Created 500 days ago, no use in the window: unknown before it.
    expect(cred(r, 'apikey_01LEGACYSUPPORT')).toMatchObject({
      lastUsedAt: null,
      lastUsedKnown: false,
      attributes: { noUseSince: '2026-05-05T12:00:00.000Z' },
    });
  });

  it('an organization without the usage report: a gap, and every last use unknown', async () => {
    const s = await standIn();
    s.estate.usageUnavailable = true;
    s.estate.usersDenied = true;
    const r = inventory((await scan(s))[0]);
    expect(r.gaps.map((g) => g.signal)).toEqual(['key-usage', 'organization-users']);
    expect(r.credentials.every((c) => !c.lastUsedKnown && c.lastUsedAt === null)).toBe(true);
    expect(r.incomplete).toEqual([]);
    expect(cred(r, 'apikey_01LUCASPROTO')?.attributes.ownerDeparted).toBeNull();
  });

  it('an answer that is not the list asked for fails the scope; it is never "no keys"', async () => {
    const s = await standIn();
    s.faults.add({ path: '/api_keys', body: { kind: 'something else' }, times: Infinity });
    expect((await scan(s))[0]).toMatchObject({ kind: 'failure', code: 'InvalidResponse' });
    s.faults.clear();
    s.faults.add({ path: '/usage_report', body: '<html>hi</html>', contentType: 'text/html' });
    expect((await scan(s))[0]).toMatchObject({
      kind: 'failure',
      error: expect.stringMatching(/not JSON/),
    });
  });

  it('retries throttling and overload, then succeeds', async () => {
    const s = await standIn();
    s.faults.add({ path: '/api_keys', status: 429, retryAfter: 0, times: 1 });
    s.faults.add({ path: '/usage_report', status: 529, times: 1 });
    expect((await scan(s))[0]?.kind).toBe('inventory');
  });

  it('a hang times out with one line; a foreign redirect is refused', async () => {
    const s = await standIn();
    s.faults.add({ path: '/me', hang: true, times: Infinity });
    expect((await scan(s, { timeoutMs: 200, maxAttempts: 1 }))[0]).toMatchObject({
      kind: 'failure',
      error: `GET ${s.url}/v1/organizations/me: Timeout no answer within 0.2 s`,
    });
    s.faults.clear();
    const canary = await startCanary();
    open.push(canary);
    s.faults.add({ path: '/usage_report', redirect: `${canary.url}/steal`, times: Infinity });
    expect((await scan(s, { maxAttempts: 1 }))[0]).toMatchObject({
      kind: 'failure',
      code: 'OffOrigin',
    });
    expect(canary.requests).toEqual([]);
  });

  it('a missing Admin API key is a user error before any request', async () => {
    const s = await standIn();
    const ctx = makeTestContext({ options: { baseUrl: s.url }, env: {} });
    await expect(connector.discover(ctx)[Symbol.asyncIterator]().next()).rejects.toThrow(
      /anthropic: no Admin API key for the organization \(set ANTHROPIC_ADMIN_KEY/,
    );
    expect(s.requests).toEqual([]);
  });
});
