/**
 * Entra/Azure owner signals against the HTTPS stand-in with the real SDK pipeline: app owners
 * carry their account state (a disabled owner has departed), service principal tags join the
 * app's, and managed identities get the owner/team tags of the Azure resource they belong to
 * (Tags API); a refused Tags API is a gap that hides nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestContext } from '../../src/connector/testing.js';
import type { OwnerCandidate, ScopeInventory, ScopeResult } from '../../src/model/index.js';
import { attribution } from '../../src/owners/attribute.js';
import { identityCandidates } from '../../src/owners/signals.js';
import { COMPANY } from '../../fixtures/demo/company.js';
import { connector } from '../../connectors/azure/index.js';
import {
  AZURE_DEMO_SCANNER,
  buildAzureDemoEstate,
  startAzureStandIn,
  type AzureStandIn,
} from '../../connectors/azure/stand-in/index.js';

const NOW = new Date('2026-11-01T12:00:00Z');
let standIn: AzureStandIn;

async function scan(): Promise<ScopeInventory> {
  const ctx = makeTestContext({
    now: NOW,
    options: {
      tenantId: COMPANY.azureTenantId,
      authorityHost: standIn.url,
      graphEndpoint: standIn.url,
      armEndpoint: standIn.url,
      caFile: standIn.caFile,
      retry: { maxRetries: 1, retryDelayMs: 1, maxRetryDelayMs: 5 },
    },
    env: {
      AZURE_CLIENT_ID: AZURE_DEMO_SCANNER.clientId,
      AZURE_CLIENT_SECRET: AZURE_DEMO_SCANNER.secret,
    },
  });
  const out: ScopeResult[] = [];
  for await (const r of connector.discover(ctx)) out.push(r);
  if (out[0]?.kind !== 'inventory') throw new Error(JSON.stringify(out[0]));
  return out[0];
}

beforeAll(async () => {
  standIn = await startAzureStandIn({ estate: buildAzureDemoEstate(NOW), now: () => NOW });
});
afterAll(() => standIn.close());

const declared = (i: { attributes: Record<string, unknown> }) =>
  (i.attributes.ownerCandidates ?? []) as OwnerCandidate[];

describe('Azure owner signals', () => {
  it('app owners carry their account state: a disabled Entra user has departed', async () => {
    const inv = await scan();
    const lucas = `lucas.moreau@${COMPANY.domain}`;
    const his = inv.identities.filter(
      (i) => i.kind === 'application' && declared(i).some((c) => c.owner === lucas),
    );
    expect(his.length).toBeGreaterThan(0);
    for (const i of his)
      expect(declared(i).find((c) => c.owner === lucas)).toMatchObject({
        source: 'provider-owner',
        via: 'Entra app owners',
        confidence: 'high',
        departed: true,
      });
    // …and the departure survives attribution (the owner-departed rule reads it there): the
    // app's generic `owners` list must not add a not-departed copy of the same owner.
    for (const i of his)
      expect(attribution(identityCandidates(i, 'azure'), null)).toMatchObject({
        owner: lucas,
        departed: true,
      });
    const ravi = inv.identities.find((i) =>
      declared(i).some((c) => c.owner === `ravi.patel@${COMPANY.domain}`),
    )!;
    expect(declared(ravi)[0]!.departed).toBe(false);
    // Asked for with the owners: no call per owner.
    expect(standIn.requests.filter((r) => r.path.includes('/users/'))).toEqual([]);
  });

  it('managed identities get their resource’s owner/team tags (high)', async () => {
    const inv = await scan();
    const aks = inv.identities.find((i) => i.name === 'mi-orders-aks')!;
    expect(aks.attributes.resourceTags).toMatchObject({ team: 'logistics' });
    expect(attribution(identityCandidates(aks, 'azure'), null)).toMatchObject({
      owner: `ravi.patel@${COMPANY.domain}`,
      team: 'logistics',
      source: 'tag',
      via: 'Azure resource tag owner, Azure resource tag team',
      owned: true,
    });
    const vm = inv.identities.find((i) => i.name === 'vm-batch-runner')!;
    expect(attribution(identityCandidates(vm, 'azure'), null)).toMatchObject({
      owner: null,
      team: 'data',
      owned: true,
    });
    // A resource without tags (the function app) answers none: no candidate, no gap.
    const fn = inv.identities.find((i) => i.name === 'func-invoice-processor')!;
    expect(fn.attributes.resourceTags).toBeUndefined();
    expect(inv.gaps.map((g) => g.signal)).not.toContain('resource-tags');
    const tagCalls = standIn.requests.filter((r) =>
      r.path.endsWith('/providers/Microsoft.Resources/tags/default'),
    );
    expect(tagCalls.length).toBeGreaterThanOrEqual(3);
  });

  it('a refused Tags API is a gap that hides nothing', async () => {
    standIn.faults.add({
      path: /\/providers\/Microsoft\.Resources\/tags\/default$/,
      status: 403,
      times: Infinity,
      body: { error: { code: 'AuthorizationFailed', message: 'no tags/read' } },
    });
    try {
      const inv = await scan();
      expect(inv.gaps.find((g) => g.signal === 'resource-tags')).toMatchObject({
        fix: expect.stringContaining('Microsoft.Resources/tags/read'),
      });
      expect(inv.incomplete).toEqual([]);
      expect(inv.identities.find((i) => i.name === 'mi-orders-aks')!.attributes.resourceTags).toBe(
        undefined,
      );
    } finally {
      standIn.faults.clear();
    }
  });
});
