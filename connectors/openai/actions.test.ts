import { afterEach, describe, expect, it } from 'vitest';
import { makeTestContext } from '../../src/connector/testing.js';
import type { CredentialRef } from '../../src/connector/index.js';
import { actions } from './actions.js';
import { PROVIDER } from './options.js';
import {
  DEMO_ORGANIZATION,
  buildOpenaiDemoEstate,
  connect,
  startOpenaiStandIn,
  type OpenaiStandIn,
} from './stand-in/index.js';

let s: OpenaiStandIn | undefined;
afterEach(async () => s?.close());

const NOW = new Date('2026-11-01T12:00:00Z');
const ref = (
  credentialExternalId: string,
  identityExternalId: string,
  attributes: Record<string, unknown>,
): CredentialRef => ({
  scope: { provider: PROVIDER, id: DEMO_ORGANIZATION.id, name: 'ML', kind: 'organization' },
  identityExternalId,
  identityName: identityExternalId,
  credentialExternalId,
  type: 'api-key',
  attributes,
});

const batchEval = (id = 'key_batch_eval') =>
  ref(id, 'svc_acct_batch_eval', {
    keyKind: 'service-account',
    projectId: 'proj_route_optimizer',
    projectName: 'route-optimizer',
  });

describe('openai actions', () => {
  it('declares keys deletable and creatable, never reversibly disabled', () => {
    expect(actions.capabilities('api-key')).toEqual({
      deactivate: false,
      reactivate: false,
      delete: true,
      create: true,
      maxPerIdentity: null,
    });
    expect(actions.capabilities('access-key').delete).toBe(false);
  });

  it("rotates a service account's key: create returns the secret once, delete retires the old one", async () => {
    s = await startOpenaiStandIn({ estate: buildOpenaiDemoEstate(NOW), now: () => NOW });
    const ctx = makeTestContext({ now: NOW, ...connect(s) });
    const created = await actions.create(ctx, batchEval());
    const value = created.secret.values.OPENAI_API_KEY!;
    expect(value).toMatch(/^sk-svcacct-/);
    expect(created.credential).toMatchObject({
      identityExternalId: 'svc_acct_batch_eval',
      attributes: {
        keyKind: 'service-account',
        handle: expect.stringMatching(/^sk-svcacct-\.\.\./),
      },
    });
    expect(JSON.stringify(created.credential)).not.toContain(value);
    const siblings = await actions.listSiblings(ctx, batchEval());
    expect(siblings.map((c) => c.externalId).sort()).toEqual(
      ['key_batch_eval', created.credential.externalId].sort(),
    );
    await actions.delete(ctx, batchEval());
    expect(await actions.describe(ctx, batchEval())).toBeNull();
    expect((await actions.describe(ctx, batchEval(created.credential.externalId)))?.status).toBe(
      'active',
    );
  });

  it('deletes and re-creates admin keys', async () => {
    s = await startOpenaiStandIn({ estate: buildOpenaiDemoEstate(NOW), now: () => NOW });
    const ctx = makeTestContext({ now: NOW, ...connect(s) });
    const bootstrap = ref('key_admin_bootstrap', 'user-of06tombecker', { keyKind: 'admin' });
    expect((await actions.describe(ctx, bootstrap))?.attributes.keyKind).toBe('admin');
    const created = await actions.create(ctx, bootstrap);
    expect(created.secret.values.OPENAI_ADMIN_KEY).toMatch(/^sk-admin-/);
    await actions.delete(ctx, bootstrap);
    expect(await actions.describe(ctx, bootstrap)).toBeNull();
  });

  it("says in one line that a person's key is re-created by that person, and that keys cannot be disabled", async () => {
    s = await startOpenaiStandIn({ estate: buildOpenaiDemoEstate(NOW), now: () => NOW });
    const ctx = makeTestContext({ now: NOW, ...connect(s) });
    const ravi = ref('key_ravi_notebook', 'user-of04ravipatel', {
      keyKind: 'user',
      projectId: 'proj_route_optimizer',
      projectName: 'route-optimizer',
    });
    await expect(actions.create(ctx, ravi)).rejects.toThrow(/creates a new key in the dashboard/);
    await expect(actions.deactivate(ctx, ravi)).rejects.toThrow(/cannot be disabled/);
    expect(s.requests).toEqual([]);
  });
});
