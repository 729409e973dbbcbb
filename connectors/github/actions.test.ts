/**
 * Playbook actions and the github-actions sink with the real Octokit against the stand-in.
 * The stand-in opens every sealed box with its private key, which proves the encryption.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTestContext } from '../../src/connector/testing.js';
import { UserError, type CredentialRef } from '../../src/connector/index.js';
import { deliveryOf } from '../../fixtures/sink-delivery.js';
import type { Credential, ScopeInventory } from '../../src/model/index.js';
import { buildGitHubDemoEstate } from './stand-in/demo.js';
import { denied } from './stand-in/faults.js';
import { actions } from './actions.js';
import { connector } from './index.js';
import { parseSinkTarget, secretsFor } from './sink.js';
import { startGitHubStandIn, type GitHubStandIn } from './stand-in/server.js';

const NOW = new Date('2026-11-01T12:00:00Z');
const APP_TOKEN = 'ghs_playbookToken000000000000000000000000';
const USER_TOKEN = 'ghp_playbookUser0000000000000000000000000';
let s: GitHubStandIn;

beforeEach(async () => {
  s = await startGitHubStandIn({ estate: buildGitHubDemoEstate(NOW) });
});
afterEach(async () => s.close());

const ctxWith = (token = APP_TOKEN) =>
  makeTestContext({
    now: NOW,
    options: { apiUrl: s.url, retryAfterBaseValue: 1 },
    env: { GITHUB_TOKEN: token },
  });

/** Scans the main org and turns one credential into the ref a playbook would hold. */
async function refFor(predicate: (c: Credential) => boolean): Promise<CredentialRef> {
  const ctx = makeTestContext({
    now: NOW,
    options: { orgs: ['orbital-freight'], apiUrl: s.url },
    env: { GITHUB_TOKEN: APP_TOKEN },
  });
  let inv: ScopeInventory | null = null;
  for await (const r of connector.discover(ctx)) if (r.kind === 'inventory') inv = r;
  const cred = inv!.credentials.find(predicate);
  if (!cred) throw new Error('no such credential in the demo');
  const identity = inv!.identities.find((i) => i.externalId === cred.identityExternalId)!;
  return {
    scope: inv!.scope,
    identityExternalId: identity.externalId,
    identityName: identity.name,
    credentialExternalId: cred.externalId,
    type: cred.type,
    attributes: cred.attributes,
  };
}

describe('capabilities', () => {
  it('deploy keys can be deleted and replaced, not deactivated; nothing else can be created', () => {
    expect(actions.capabilities('deploy-key')).toEqual({
      deactivate: false,
      reactivate: false,
      delete: true,
      create: true,
      maxPerIdentity: null,
    });
    expect(actions.capabilities('fine-grained-pat').delete).toBe(true);
    expect(actions.capabilities('classic-pat').delete).toBe(true);
    expect(actions.capabilities('actions-secret')).toMatchObject({ delete: false, create: false });
  });
});

describe('deploy key', () => {
  it('describe, list siblings, delete; then it is gone', async () => {
    const ref = await refFor((c) => c.type === 'deploy-key' && c.name === 'argocd-write');
    const ctx = ctxWith();
    expect(await actions.describe(ctx, ref)).toMatchObject({
      externalId: ref.credentialExternalId,
      attributes: { readOnly: false },
    });
    expect((await actions.listSiblings(ctx, ref)).map((c) => c.name)).toEqual(['argocd-read']);
    const result = await actions.delete(ctx, ref);
    expect(result.requestId).toMatch(/^[0-9A-F]{16}$/);
    expect(s.requests.at(-1)).toMatchObject({
      method: 'DELETE',
      path: `/repos/orbital-freight/k8s-manifests/keys/${String(ref.attributes.keyId)}`,
      status: 204,
    });
    expect(await actions.describe(ctx, ref)).toBeNull();
  });

  it('deactivate is refused with a hint to rotate or delete instead', async () => {
    const ref = await refFor((c) => c.type === 'deploy-key');
    await expect(actions.deactivate(ctxWith(), ref)).rejects.toThrow(UserError);
    await expect(actions.deactivate(ctxWith(), ref)).rejects.toMatchObject({
      hint: expect.stringMatching(/rotate the key .* or delete it/),
    });
  });

  it('create adds a read-only replacement titled like the old key; prove checks it', async () => {
    const ref = await refFor((c) => c.type === 'deploy-key' && c.name === 'argocd-write');
    const ctx = ctxWith();
    const want = { access: 'read' as const, why: 'test', evidenced: true };
    const made = await actions.create(ctx, ref, want);
    const post = s.requests.at(-1)!;
    expect(post).toMatchObject({ method: 'POST', status: 201 });
    expect(made.credential).toMatchObject({
      name: 'argocd-write (nhi rotation 2026-11-01)',
      attributes: { readOnly: true },
    });
    const secret = made.secret.values.SSH_PRIVATE_KEY!;
    expect(Object.keys(made.secret.values)).toEqual(['SSH_PRIVATE_KEY']);
    expect(secret).toMatch(
      /^-----BEGIN OPENSSH PRIVATE KEY-----\n[\s\S]+-----END OPENSSH PRIVATE KEY-----\n$/,
    );
    // The new key is named by its external id, not by the old key's attributes in the ref.
    const fresh = { ...ref, credentialExternalId: made.credential.externalId };
    expect(await actions.describe(ctx, fresh)).toMatchObject({
      externalId: made.credential.externalId,
      name: 'argocd-write (nhi rotation 2026-11-01)',
    });
    expect(await actions.prove!(ctx, fresh, made.secret, want)).toMatchObject({
      principal: expect.stringMatching(
        /^deploy key SHA256:.* \(read-only\) of orbital-freight\/k8s-manifests$/,
      ),
    });
    // Without the narrowing, the replacement of a write key must be read/write: refused.
    await expect(actions.prove!(ctx, fresh, made.secret)).rejects.toThrow(
      /is read-only, not read\/write as intended/,
    );
    // Another key's private half is not this key.
    const other = await actions.create(ctx, ref);
    await expect(actions.prove!(ctx, fresh, other.secret, want)).rejects.toThrow(
      /not the delivered key SHA256:/,
    );
    // A rotation of the same key again keeps one marker.
    const again = await actions.create(ctx, fresh, want);
    expect(again.credential.name).toBe('argocd-write (nhi rotation 2026-11-01)');
  });
});

describe('fine-grained PAT', () => {
  it('revokes the grant (POST action=revoke) and reads it back as gone', async () => {
    const ref = await refFor((c) => c.type === 'fine-grained-pat' && c.name === 'data-backfill');
    const ctx = ctxWith();
    expect(await actions.describe(ctx, ref)).toMatchObject({
      name: 'data-backfill',
      status: 'active',
    });
    await actions.delete(ctx, ref);
    expect(s.requests.at(-1)).toMatchObject({
      method: 'POST',
      path: '/orgs/orbital-freight/personal-access-tokens/25003',
      status: 204,
    });
    expect(await actions.describe(ctx, ref)).toBeNull();
  });

  it('a plain token is refused by GitHub, and the error says which call failed', async () => {
    const ref = await refFor((c) => c.type === 'fine-grained-pat');
    await expect(actions.delete(ctxWith(USER_TOKEN), ref)).rejects.toThrow(
      /POST \/orgs\/orbital-freight\/personal-access-tokens\/\d+: 403/,
    );
  });
});

describe('credential authorization', () => {
  it('removes a classic PAT from the organization', async () => {
    const ref = await refFor(
      (c) => c.type === 'classic-pat' && (c.attributes.scopes as string[]).includes('admin:org'),
    );
    const ctx = ctxWith(USER_TOKEN);
    expect(await actions.describe(ctx, ref)).toMatchObject({ type: 'classic-pat' });
    await actions.delete(ctx, ref);
    expect(s.requests.at(-1)).toMatchObject({
      method: 'DELETE',
      path: '/orgs/orbital-freight/credential-authorizations/33001',
      status: 204,
    });
    expect(await actions.describe(ctx, ref)).toBeNull();
  });
});

describe('github-actions sink', () => {
  it.each([
    ['acme/api:AWS_KEY', { level: 'repository', owner: 'acme', repo: 'api', name: 'AWS_KEY' }],
    ['acme/api', { level: 'repository', owner: 'acme', repo: 'api', name: null }],
    [
      'acme/api/env/production:DB',
      { level: 'environment', owner: 'acme', repo: 'api', environment: 'production', name: 'DB' },
    ],
    ['org:acme:NPM_TOKEN', { level: 'organization', org: 'acme', name: 'NPM_TOKEN' }],
  ])('parses %s', (target, expected) => {
    expect(parseSinkTarget(target)).toEqual(expected);
  });

  it.each(['acme', 'acme/api:GITHUB_TOKEN', 'acme/api:has space', 'org:acme:A:B', '/api:X'])(
    'rejects %s with the syntax',
    (target) => {
      expect(() => parseSinkTarget(target)).toThrow(/bad target/);
    },
  );

  it('one value keeps its target name; several become one JSON secret or, without a name, one secret each', () => {
    const two = { values: { AWS_ACCESS_KEY_ID: 'AKIA1', AWS_SECRET_ACCESS_KEY: 'sk' } };
    expect(secretsFor(parseSinkTarget('a/b:KEY'), { values: { X: 'v' } })).toEqual([['KEY', 'v']]);
    expect(secretsFor(parseSinkTarget('a/b:CREDS'), two)).toEqual([
      ['CREDS', JSON.stringify(two.values)],
    ]);
    expect(secretsFor(parseSinkTarget('a/b'), two)).toEqual(Object.entries(two.values));
  });

  it('rotates a repository secret: sealed with the public key, stored, verified by updated_at', async () => {
    const ctx = ctxWith(USER_TOKEN);
    const sink = actions.sinks['github-actions']!(ctx, 'orbital-freight/data-pipeline:GCP_SA_KEY');
    expect(sink.describe()).toBe('github-actions:orbital-freight/data-pipeline:GCP_SA_KEY');
    const value =
      '{"type":"service_account","private_key":"-----BEGIN PRIVATE KEY-----\\nSECRET-VALUE-123"}';
    const d = deliveryOf({ GCP_SA_KEY: value });
    const receipt = await sink.put({ values: { GCP_SA_KEY: value } }, d);
    const { version, requestId } = receipt;
    expect(s.received).toEqual([
      { target: 'orbital-freight/data-pipeline', name: 'GCP_SA_KEY', value },
    ]);
    expect(Date.parse(version!)).toBeGreaterThan(NOW.getTime());
    expect(requestId).toBeTruthy();
    expect(await sink.verify(receipt, d)).toEqual({ ok: true });
    // A receipt for a later write (one that never landed) does not verify.
    const later = new Date(Date.now() + 86_400_000).toISOString();
    expect(
      await sink.verify(
        { ...receipt, detail: { ...receipt.detail, 'updatedAt:GCP_SA_KEY': later } },
        d,
      ),
    ).toMatchObject({ ok: false });
    const put = s.requests.find((r) => r.method === 'PUT')!;
    expect(put).toMatchObject({
      path: '/repos/orbital-freight/data-pipeline/actions/secrets/GCP_SA_KEY',
      status: 204,
    });
    expect(ctx.debugLines.join('\n')).not.toContain('SECRET-VALUE-123');
  });

  it('creates environment and organization secrets (two values -> two secrets)', async () => {
    const ctx = ctxWith(USER_TOKEN);
    const env = actions.sinks['github-actions']!(
      ctx,
      'orbital-freight/shipment-api/env/production',
    );
    const pair = { AWS_ACCESS_KEY_ID: 'AKIANEW', AWS_SECRET_ACCESS_KEY: 'new-secret-value' };
    const d = deliveryOf(pair);
    const v = await env.put({ values: pair }, d);
    expect(v.detail?.names).toEqual(['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']);
    // Another process verifies from the journaled receipt alone (no secret name in the target).
    const fresh = actions.sinks['github-actions']!(
      ctx,
      'orbital-freight/shipment-api/env/production',
    );
    expect(await fresh.verify(v, d)).toEqual({ ok: true });
    const org = actions.sinks['github-actions']!(ctx, 'org:orbital-freight:AWS_SECRET_ACCESS_KEY');
    const orgValues = { AWS_SECRET_ACCESS_KEY: 'org-secret-value' };
    await org.put({ values: orgValues }, deliveryOf(orgValues));
    expect(s.received.map((r) => `${r.target}:${r.name}=${r.value}`)).toEqual([
      'orbital-freight/shipment-api/env/production:AWS_ACCESS_KEY_ID=AKIANEW',
      'orbital-freight/shipment-api/env/production:AWS_SECRET_ACCESS_KEY=new-secret-value',
      'org:orbital-freight:AWS_SECRET_ACCESS_KEY=org-secret-value',
    ]);
    // The org secret kept its visibility ('all') rather than being narrowed.
    const meta = s.estate.orgs[0]!.actionsSecrets.find((x) => x.name === 'AWS_SECRET_ACCESS_KEY')!;
    expect(meta.visibility).toBe('all');
    expect(s.requests.filter((r) => r.method === 'PUT').map((r) => r.status)).toEqual([
      201, 201, 204,
    ]);
  });

  it('a failed put names the target but never the value', async () => {
    const ctx = ctxWith(USER_TOKEN);
    s.faults.add(denied(/\/actions\/secrets\/DEPLOY$/, 403));
    const sink = actions.sinks['github-actions']!(ctx, 'orbital-freight/docs-site:DEPLOY');
    const err = await sink
      .put({ values: { DEPLOY: 'super-secret-value-999' } }, deliveryOf({ DEPLOY: 'x' }))
      .catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/orbital-freight\/docs-site.*DEPLOY.*403/);
    expect(
      JSON.stringify(err) + String((err as Error).stack) + ctx.debugLines.join('\n'),
    ).not.toContain('super-secret-value-999');
    expect(s.received).toEqual([]);
  });
});
