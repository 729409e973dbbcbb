/**
 * Azure OpenAI / AI Services accounts through the real ARM SDK against the stand-in: accounts
 * with key authentication on hold two active shared keys; accounts with it off are recorded
 * too (keys inactive) so the fix shows; the keys themselves are never asked for.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeTestContext } from '../../src/connector/testing.js';
import type { ScopeInventory, ScopeResult } from '../../src/model/index.js';
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

beforeAll(async () => {
  standIn = await startAzureStandIn({
    estate: buildAzureDemoEstate(NOW),
    maxPageSize: 1,
    now: () => NOW,
  });
});
afterAll(() => standIn.close());
beforeEach(() => {
  standIn.faults.clear();
  standIn.requests.length = 0;
});

async function scan(): Promise<ScopeInventory> {
  const { options, env } = connect(standIn, standIn.estate);
  const out: ScopeResult[] = [];
  for await (const r of connector.discover(makeTestContext({ now: NOW, options, env })))
    out.push(r);
  if (out[0]?.kind !== 'inventory') throw new Error(JSON.stringify(out[0]));
  return out[0];
}

const accountsOf = (inv: ScopeInventory) =>
  inv.identities.filter((i) => i.kind === 'cloud-resource');
const keysOf = (inv: ScopeInventory, account: string) =>
  inv.credentials.filter(
    (c) => c.identityExternalId === accountsOf(inv).find((a) => a.name === account)?.externalId,
  );

describe('Azure AI accounts', () => {
  it('records an account with key authentication on, holding two active keys without metadata', async () => {
    const inv = await scan();
    const oai = accountsOf(inv).find((a) => a.name === 'oai-orbital-routing')!;
    expect(oai).toMatchObject({
      kind: 'cloud-resource',
      owner: expect.stringMatching(/^mei\.tanaka@/),
      createdAt: new Date(NOW.getTime() - 410 * 86_400_000).toISOString(),
      lastUsedKnown: false,
      attributes: {
        aiService: 'azure-openai',
        kind: 'OpenAI',
        endpoint: 'https://oai-orbital-routing.openai.azure.com/',
        localAuthEnabled: true,
        subscriptionId: AZURE_DEMO_SUBSCRIPTIONS.prod.id,
        resourceGroup: 'rg-ml-platform',
      },
    });
    expect(oai.externalId).toMatch(
      /^\/subscriptions\/[^/]+\/resourceGroups\/rg-ml-platform\/providers\/Microsoft\.CognitiveServices\/accounts\/oai-orbital-routing$/,
    );
    const keys = keysOf(inv, 'oai-orbital-routing');
    expect(keys.map((k) => k.name)).toEqual(['key1', 'key2']);
    for (const k of keys)
      expect(k).toMatchObject({
        type: 'account-key',
        status: 'active',
        createdAt: null,
        expiresAt: null,
        lastUsedAt: null,
        lastUsedKnown: false,
        attributes: { aiService: 'azure-openai', kind: 'OpenAI', localAuthEnabled: true },
      });
    expect(keys[0]!.attributes.handle).toBe('oai-orbital-routing · KEY 1');
  });

  it('records an account with key authentication off, its keys inactive (the fix, verified)', async () => {
    const inv = await scan();
    expect(accountsOf(inv).find((a) => a.name === 'ais-orbital-docs')?.attributes).toMatchObject({
      kind: 'AIServices',
      localAuthEnabled: false,
    });
    expect(keysOf(inv, 'ais-orbital-docs').map((k) => k.status)).toEqual(['inactive', 'inactive']);
  });

  it('reads only account properties: listKeys is never called and no key value is kept', async () => {
    const inv = await scan();
    // One account per page: the SDK paginator followed nextLink.
    expect(
      standIn.requests.filter((r) => r.path.endsWith('/Microsoft.CognitiveServices/accounts'))
        .length,
    ).toBeGreaterThanOrEqual(2);
    expect(standIn.requests.filter((r) => /listKeys/i.test(r.path))).toEqual([]);
    const text = JSON.stringify(inv);
    for (const sub of standIn.estate.subscriptions)
      for (const a of sub.cognitiveAccounts ?? []) {
        expect(text).not.toContain(a.keys.key1);
        expect(text).not.toContain(a.keys.key2);
      }
  });

  it('a denied listing is a gap of its own; the other subscription is still recorded, nothing marked removed', async () => {
    const { nonprod } = AZURE_DEMO_SUBSCRIPTIONS;
    standIn.faults.add({
      path: `/subscriptions/${nonprod.id}/providers/Microsoft.CognitiveServices/accounts`,
      status: 403,
      times: Infinity,
    });
    const inv = await scan();
    expect(inv.gaps).toEqual([
      expect.objectContaining({
        signal: 'ai-accounts',
        code: 'AuthorizationFailed',
        message: expect.stringContaining(nonprod.id),
        fix: expect.stringContaining('Reader'),
      }),
    ]);
    expect(inv.incomplete).toEqual(['identities', 'credentials']);
    expect(accountsOf(inv).map((a) => a.name)).toEqual(['oai-orbital-routing']);
  });
});
