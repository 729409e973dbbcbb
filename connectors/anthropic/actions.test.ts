import { afterEach, describe, expect, it } from 'vitest';
import { makeTestContext } from '../../src/connector/testing.js';
import type { CredentialRef } from '../../src/connector/index.js';
import { actions } from './actions.js';
import { PROVIDER } from './options.js';
import {
  DEMO_ORGANIZATION_ID,
  buildAnthropicDemoEstate,
  connect,
  startAnthropicStandIn,
  type AnthropicStandIn,
} from './stand-in/index.js';

let s: AnthropicStandIn | undefined;
afterEach(async () => s?.close());

const NOW = new Date('2026-11-01T12:00:00Z');
const ref = (id: string): CredentialRef => ({
  scope: {
    provider: PROVIDER,
    id: DEMO_ORGANIZATION_ID,
    name: 'Orbital Freight',
    kind: 'organization',
  },
  identityExternalId: 'wrkspc_01ORBITALROUTES',
  identityName: 'route-research',
  credentialExternalId: id,
  type: 'api-key',
  attributes: { keyKind: 'project', workspaceName: 'route-research' },
});

describe('anthropic actions', () => {
  it('revokes in stages: inactive (reversible), active again, then archived (gone)', async () => {
    s = await startAnthropicStandIn({ estate: buildAnthropicDemoEstate(NOW), now: () => NOW });
    const ctx = makeTestContext({ now: NOW, ...connect(s) });
    expect(actions.capabilities('api-key')).toEqual({
      deactivate: true,
      reactivate: true,
      delete: true,
      create: false,
      maxPerIdentity: null,
    });
    const lucas = ref('apikey_01LUCASPROTO');
    await actions.deactivate(ctx, lucas);
    expect((await actions.describe(ctx, lucas))?.status).toBe('inactive');
    await actions.reactivate(ctx, lucas);
    expect((await actions.describe(ctx, lucas))?.status).toBe('active');
    expect((await actions.listSiblings(ctx, lucas)).map((c) => c.externalId).sort()).toEqual([
      'apikey_01LUCASPROTO',
      'apikey_01RAVINOTEBOOK',
    ]);
    await actions.delete(ctx, lucas);
    expect(await actions.describe(ctx, lucas)).toBeNull();
    // Archived is final.
    await expect(actions.reactivate(ctx, lucas)).rejects.toThrow(
      /archived API key cannot be changed/,
    );
  });

  it('rotation is a manual step, said in one line', async () => {
    s = await startAnthropicStandIn({ estate: buildAnthropicDemoEstate(NOW), now: () => NOW });
    const ctx = makeTestContext({ now: NOW, ...connect(s) });
    await expect(actions.create(ctx, ref('apikey_01CIEVALS'))).rejects.toThrow(
      /cannot create API keys: create a replacement in the Console/,
    );
  });
});
