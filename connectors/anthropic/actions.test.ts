import { afterEach, describe, expect, it } from 'vitest';
import { makeTestContext } from '../../src/connector/testing.js';
import type { CredentialRef } from '../../src/connector/index.js';
import { actions } from './actions.js';
import { PROVIDER } from './options.js';
import {
  connect,
  demoEstate,
  startAnthropicStandIn,
  type AnthropicStandIn,
} from './stand-in/index.js';

let s: AnthropicStandIn | undefined;
afterEach(async () => s?.close());

const ref = (credentialExternalId: string): CredentialRef => ({
  scope: { provider: PROVIDER, id: 'orbital-prod', name: 'prod', kind: 'project' },
  identityExternalId: 'sa-ci-deployer',
  identityName: 'ci-deployer',
  credentialExternalId,
  type: 'api-key',
  attributes: {},
});

describe('anthropic actions', () => {
  it('create, deactivate, reactivate and delete act on the provider, and describe sees it', async () => {
    s = await startAnthropicStandIn({ estate: demoEstate(new Date()) });
    const ctx = makeTestContext({ ...connect(s) });
    const created = await actions.create(ctx, ref('key-ci-7f3a'));
    expect(created.secret.values.ANTHROPIC_API_KEY).toMatch(/^tmpl_/);
    const id = created.credential.externalId;
    expect(JSON.stringify(created.credential)).not.toContain(
      created.secret.values.ANTHROPIC_API_KEY,
    );
    await actions.deactivate(ctx, ref(id));
    expect((await actions.describe(ctx, ref(id)))?.status).toBe('inactive');
    await actions.reactivate(ctx, ref(id));
    expect((await actions.describe(ctx, ref(id)))?.status).toBe('active');
    await actions.delete(ctx, ref(id));
    expect(await actions.describe(ctx, ref(id))).toBeNull();
    expect((await actions.listSiblings(ctx, ref('key-ci-7f3a'))).map((c) => c.externalId)).toEqual([
      'key-ci-7f3a',
      'key-ci-91be',
    ]);
  });
});
