/**
 * Keeps the stand-in honest: every body it serves is validated against GitHub's published
 * OpenAPI response schema (fixtures/openapi/github-subset.json, extracted from
 * @octokit/openapi by scripts/github-openapi-subset.mjs). Objects are checked strictly:
 * a field the spec does not define is an error too, so a typo in the stand-in cannot pass.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import sodium from 'libsodium-wrappers';
import { buildGitHubDemoEstate } from './demo.js';
import { startGitHubStandIn, type GitHubStandIn } from './server.js';

type Response = { $ref?: string; content?: Record<string, { schema: unknown }> };
type Spec = {
  paths: Record<string, Record<string, { responses: Record<string, Response> }>>;
  components: Record<string, unknown>;
};
const spec = JSON.parse(
  readFileSync(new URL('../../../fixtures/openapi/github-subset.json', import.meta.url), 'utf8'),
) as Spec;
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/**
 * OpenAPI 3.0 -> JSON Schema for ajv: `nullable: true` becomes a union with null; objects
 * with declared properties reject undeclared ones (GitHub's spec leaves this open).
 */
function toJsonSchema(node: unknown, parentKey = ''): unknown {
  if (Array.isArray(node)) return node.map((n) => toJsonSchema(n));
  if (!node || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node))
    out[k] = parentKey === 'properties' ? toJsonSchema(v) : toJsonSchema(v, k);
  if (parentKey === 'properties') return out;
  if (out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
  if (out.nullable === true) {
    delete out.nullable;
    if (typeof out.type === 'string') out.type = [out.type, 'null'];
    else return { anyOf: [out, { type: 'null' }] };
  }
  return out;
}

const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
const components = toJsonSchema(spec.components) as Spec['components'];
const cache = new Map<string, ValidateFunction>();

function validatorFor(method: string, path: string, status: number): ValidateFunction | null {
  const key = `${method} ${path} ${status}`;
  let response = spec.paths[path]?.[method.toLowerCase()]?.responses[String(status)];
  if (response?.$ref)
    response = (spec.components.responses as Record<string, Response>)[
      response.$ref.split('/').pop()!
    ];
  if (!response) throw new Error(`the spec has no ${status} response for ${method} ${path}`);
  const schema = response.content?.['application/json']?.schema;
  if (!schema) return null;
  if (!cache.has(key)) cache.set(key, ajv.compile({ allOf: [toJsonSchema(schema)], components }));
  return cache.get(key)!;
}

let s: GitHubStandIn;
beforeAll(async () => {
  s = await startGitHubStandIn({ estate: buildGitHubDemoEstate(new Date('2026-11-01T12:00:00Z')) });
});
afterAll(() => s.close());

const ORG = 'orbital-freight';
const APP_JWT = [
  Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'JWT' })).toString('base64url'),
  Buffer.from(JSON.stringify({ iss: '1', iat: 1, exp: 4_000_000_000 })).toString('base64url'),
  'c2lnbmF0dXJl',
].join('.');

async function sealed(): Promise<{ encrypted_value: string; key_id: string }> {
  await sodium.ready;
  const res = await fetch(`${s.url}/repos/${ORG}/shipment-api/actions/secrets/public-key`, {
    headers: { authorization: 'token ghs_x' },
  });
  const key = (await res.json()) as { key: string; key_id: string };
  const box = sodium.crypto_box_seal(
    sodium.from_string('v'),
    sodium.from_base64(key.key, sodium.base64_variants.ORIGINAL),
  );
  return {
    encrypted_value: sodium.to_base64(box, sodium.base64_variants.ORIGINAL),
    key_id: key.key_id,
  };
}

const NEW_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDmqTRZU1aw15/lSSffhEVfNBGC34iO9zm+zRCGpKsdU';

// [method, spec path, concrete path, expected status, token, body]
type Case = [string, string, string, number, string, unknown?];
const CASES: Case[] = [
  ['GET', '/orgs/{org}', `/orgs/${ORG}`, 200, 'ghs_x'],
  ['GET', '/orgs/{org}/repos', `/orgs/${ORG}/repos?per_page=5&page=2`, 200, 'ghs_x'],
  ['GET', '/orgs/{org}/installation', `/orgs/${ORG}/installation`, 200, APP_JWT],
  [
    'POST',
    '/app/installations/{installation_id}/access_tokens',
    `/app/installations/900000/access_tokens`,
    404,
    APP_JWT,
  ],
  [
    'GET',
    '/orgs/{org}/personal-access-tokens',
    `/orgs/${ORG}/personal-access-tokens`,
    200,
    'ghs_x',
  ],
  [
    'GET',
    '/orgs/{org}/personal-access-tokens',
    `/orgs/${ORG}/personal-access-tokens`,
    403,
    'ghp_user',
  ],
  [
    'GET',
    '/orgs/{org}/credential-authorizations',
    `/orgs/${ORG}/credential-authorizations`,
    200,
    'ghp_user',
  ],
  [
    'GET',
    '/orgs/{org}/credential-authorizations',
    `/orgs/${ORG}/credential-authorizations?login=ravi-patel`,
    200,
    'ghp_user',
  ],
  ['GET', '/repos/{owner}/{repo}/keys', `/repos/${ORG}/k8s-manifests/keys`, 200, 'ghp_user'],
  [
    'GET',
    '/repos/{owner}/{repo}/keys/{key_id}',
    `/repos/${ORG}/k8s-manifests/keys/91003`,
    200,
    'ghp_user',
  ],
  [
    'GET',
    '/repos/{owner}/{repo}/keys/{key_id}',
    `/repos/${ORG}/k8s-manifests/keys/1`,
    404,
    'ghp_user',
  ],
  ['GET', '/orgs/{org}/installations', `/orgs/${ORG}/installations`, 200, 'ghp_user'],
  // A vendor's public App, the org's own private App, and an App GitHub does not show.
  ['GET', '/apps/{app_slug}', `/apps/shipfast-ci`, 200, 'ghp_user'],
  ['GET', '/apps/{app_slug}', `/apps/orbital-renovate`, 200, 'ghs_x'],
  ['GET', '/apps/{app_slug}', `/apps/no-such-app`, 404, 'ghp_user'],
  ['GET', '/orgs/{org}/actions/secrets', `/orgs/${ORG}/actions/secrets`, 200, 'ghp_user'],
  [
    'GET',
    '/orgs/{org}/actions/secrets/public-key',
    `/orgs/${ORG}/actions/secrets/public-key`,
    200,
    'ghp_user',
  ],
  [
    'GET',
    '/orgs/{org}/actions/secrets/{secret_name}',
    `/orgs/${ORG}/actions/secrets/NPM_TOKEN`,
    200,
    'ghp_user',
  ],
  [
    'GET',
    '/repos/{owner}/{repo}/actions/secrets',
    `/repos/${ORG}/payments-gateway/actions/secrets`,
    200,
    'ghp_user',
  ],
  [
    'GET',
    '/repos/{owner}/{repo}/actions/secrets/public-key',
    `/repos/${ORG}/payments-gateway/actions/secrets/public-key`,
    200,
    'ghp_user',
  ],
  [
    'GET',
    '/repos/{owner}/{repo}/actions/secrets/{secret_name}',
    `/repos/${ORG}/payments-gateway/actions/secrets/SONAR_TOKEN`,
    200,
    'ghp_user',
  ],
  [
    'GET',
    '/repos/{owner}/{repo}/environments',
    `/repos/${ORG}/shipment-api/environments`,
    200,
    'ghp_user',
  ],
  [
    'GET',
    '/repos/{owner}/{repo}/environments/{environment_name}/secrets',
    `/repos/${ORG}/shipment-api/environments/production/secrets`,
    200,
    'ghp_user',
  ],
  [
    'GET',
    '/repos/{owner}/{repo}/environments/{environment_name}/secrets/public-key',
    `/repos/${ORG}/shipment-api/environments/production/secrets/public-key`,
    200,
    'ghp_user',
  ],
  [
    'GET',
    '/repos/{owner}/{repo}/environments/{environment_name}/secrets/{secret_name}',
    `/repos/${ORG}/shipment-api/environments/production/secrets/DATABASE_URL`,
    200,
    'ghp_user',
  ],
  ['GET', '/orgs/{org}/dependabot/secrets', `/orgs/${ORG}/dependabot/secrets`, 200, 'ghp_user'],
  [
    'GET',
    '/repos/{owner}/{repo}/dependabot/secrets',
    `/repos/${ORG}/shipment-api/dependabot/secrets`,
    200,
    'ghp_user',
  ],
  ['GET', '/orgs/{org}/hooks', `/orgs/${ORG}/hooks`, 200, 'ghp_user'],
  ['GET', '/repos/{owner}/{repo}/hooks', `/repos/${ORG}/shipment-api/hooks`, 200, 'ghp_user'],
  ['GET', '/repos/{owner}/{repo}/hooks', `/repos/${ORG}/docs-site/hooks`, 200, 'ghp_user'],
  [
    'GET',
    '/repos/{owner}/{repo}/contents/{path}',
    `/repos/${ORG}/shipment-api/contents/.github%2FCODEOWNERS`,
    200,
    'ghp_user',
  ],
  [
    'GET',
    '/repos/{owner}/{repo}/contents/{path}',
    `/repos/${ORG}/k8s-manifests/contents/CODEOWNERS`,
    200,
    'ghp_user',
  ],
  [
    'GET',
    '/repos/{owner}/{repo}/contents/{path}',
    `/repos/${ORG}/route-optimizer/contents/docs/CODEOWNERS`,
    404,
    'ghp_user',
  ],
  ['GET', '/orgs/{org}/properties/values', `/orgs/${ORG}/properties/values`, 200, 'ghs_x'],
  ['GET', '/orgs/{org}/members', `/orgs/${ORG}/members`, 200, 'ghp_user'],
  // Writes last: they change the estate.
  [
    'POST',
    '/app/installations/{installation_id}/access_tokens',
    `/app/installations/${900_000 + 710_001}/access_tokens`,
    201,
    APP_JWT,
  ],
  [
    'POST',
    '/orgs/{org}/personal-access-tokens/{pat_id}',
    `/orgs/${ORG}/personal-access-tokens/25002`,
    422,
    'ghs_x',
    { action: 'delete' },
  ],
  [
    'POST',
    '/orgs/{org}/personal-access-tokens/{pat_id}',
    `/orgs/${ORG}/personal-access-tokens/25002`,
    204,
    'ghs_x',
    { action: 'revoke' },
  ],
  [
    'DELETE',
    '/orgs/{org}/credential-authorizations/{credential_id}',
    `/orgs/${ORG}/credential-authorizations/33004`,
    204,
    'ghp_user',
  ],
  [
    'POST',
    '/repos/{owner}/{repo}/keys',
    `/repos/${ORG}/k8s-manifests/keys`,
    201,
    'ghp_user',
    { title: 'argocd-read (nhi rotation 2026-11-01)', key: NEW_KEY, read_only: true },
  ],
  [
    'POST',
    '/repos/{owner}/{repo}/keys',
    `/repos/${ORG}/k8s-manifests/keys`,
    422,
    'ghp_user',
    { title: 'again', key: NEW_KEY },
  ],
  [
    'POST',
    '/repos/{owner}/{repo}/keys',
    `/repos/${ORG}/k8s-manifests/keys`,
    422,
    'ghp_user',
    { title: 'junk', key: 'not a key' },
  ],
  [
    'DELETE',
    '/repos/{owner}/{repo}/keys/{key_id}',
    `/repos/${ORG}/k8s-manifests/keys/91003`,
    204,
    'ghp_user',
  ],
  [
    'PUT',
    '/repos/{owner}/{repo}/actions/secrets/{secret_name}',
    `/repos/${ORG}/shipment-api/actions/secrets/NEW_ONE`,
    201,
    'ghp_user',
    'sealed',
  ],
  [
    'PUT',
    '/repos/{owner}/{repo}/actions/secrets/{secret_name}',
    `/repos/${ORG}/shipment-api/actions/secrets/NEW_ONE`,
    204,
    'ghp_user',
    'sealed',
  ],
  [
    'PUT',
    '/repos/{owner}/{repo}/environments/{environment_name}/secrets/{secret_name}',
    `/repos/${ORG}/shipment-api/environments/staging/secrets/X`,
    201,
    'ghp_user',
    'sealed',
  ],
  [
    'PUT',
    '/orgs/{org}/actions/secrets/{secret_name}',
    `/orgs/${ORG}/actions/secrets/NEW_ORG`,
    201,
    'ghp_user',
    { visibility: 'private' },
  ],
];

describe('stand-in responses match GitHub OpenAPI schemas', () => {
  it.each(CASES)('%s %s (%s) -> %i', async (method, specPath, path, status, token, body) => {
    let payload = body;
    if (body === 'sealed') payload = await sealed();
    else if (body && typeof body === 'object' && 'visibility' in body)
      payload = { ...(await sealed()), ...body };
    const res = await fetch(`${s.url}${path}`, {
      method,
      headers: {
        authorization: `${token.includes('.') ? 'Bearer' : 'token'} ${token}`,
        'content-type': 'application/json',
      },
      ...(payload ? { body: JSON.stringify(payload) } : {}),
    });
    expect(res.status).toBe(status);
    const text = await res.text();
    const validate = validatorFor(method, specPath, status);
    if (!validate) {
      expect(text).toBe('');
      return;
    }
    const data: unknown = JSON.parse(text);
    const ok = validate(data);
    expect(ok ? [] : validate.errors?.slice(0, 5)).toEqual([]);
    if (Array.isArray(data)) expect(data.length).toBeGreaterThan(0);
  });

  it('list endpoints carry Link headers back to the stand-in and cap per_page at 100', async () => {
    const res = await fetch(`${s.url}/orgs/${ORG}/repos?per_page=7`, {
      headers: { authorization: 'token ghs_x' },
    });
    const link = res.headers.get('link')!;
    expect(link).toContain(`<${s.url}/orgs/${ORG}/repos?per_page=7&page=2>; rel="next"`);
    expect(link).toContain('rel="last"');
    expect(res.headers.get('x-ratelimit-remaining')).toMatch(/^\d+$/);
    const big = await fetch(`${s.url}/orgs/${ORG}/repos?per_page=500`, {
      headers: { authorization: 'token ghs_x' },
    });
    expect(((await big.json()) as unknown[]).length).toBe(20);
    expect(big.headers.get('link')).toBeNull();
  });

  it('GET /apps/{app_slug} is public, also under a GHES base path; private Apps stay hidden', async () => {
    const ghes = await startGitHubStandIn({
      estate: buildGitHubDemoEstate(new Date('2026-11-01T12:00:00Z')),
      basePath: '/api/v3',
    });
    try {
      const res = await fetch(`${ghes.url}/apps/shipfast-ci`);
      expect(res.status).toBe(200);
      const data = (await res.json()) as { owner: { login: string; url: string } };
      const validate = validatorFor('GET', '/apps/{app_slug}', 200)!;
      expect(validate(data) ? [] : validate.errors?.slice(0, 5)).toEqual([]);
      expect(data.owner).toMatchObject({
        login: 'shipfast-io',
        url: `${ghes.url}/users/shipfast-io`,
      });
      // Anonymous callers act for no org, so the org's private App is not shown to them.
      expect((await fetch(`${ghes.url}/apps/orbital-renovate`)).status).toBe(404);
    } finally {
      await ghes.close();
    }
  });

  it('answers 401 without credentials, and the App endpoints refuse a non-JWT', async () => {
    expect((await fetch(`${s.url}/orgs/${ORG}`)).status).toBe(401);
    const res = await fetch(`${s.url}/orgs/${ORG}/installation`, {
      headers: { authorization: 'Bearer not.a.jwt' },
    });
    expect(res.status).toBe(401);
  });
});
