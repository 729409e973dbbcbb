/**
 * The connector with the real Octokit (throttling, retry, paginate, auth-app) against the
 * local stand-in: what a user would see from `nhi scan` in each situation.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeTestContext } from '../../src/connector/testing.js';
import { peakInFlight, startCanary } from '../../src/connector/stand-in.js';
import { UserError } from '../../src/connector/index.js';
import type { ScopeFailure, ScopeInventory, ScopeResult } from '../../src/model/index.js';
import { buildGitHubDemoEstate } from './stand-in/demo.js';
import { denied, primaryLimit, respondWith, secondaryLimit } from './stand-in/faults.js';
import { connector, DEMO_TOKEN } from './index.js';
import { startGitHubStandIn, type GitHubStandIn } from './stand-in/server.js';
import { syntheticOrg } from './stand-in/synthetic.js';
import type { GitHubEstate } from './stand-in/estate.js';

const NOW = new Date('2026-11-01T12:00:00Z');
const USER_TOKEN = 'ghp_userTokenForTests0000000000000000000';
let standIn: GitHubStandIn | null = null;

afterEach(async () => {
  await standIn?.close();
  standIn = null;
});

async function start(estate: GitHubEstate, opts: { basePath?: string } = {}) {
  standIn = await startGitHubStandIn({ estate, ...opts });
  return standIn;
}

async function scan(options: Record<string, unknown>, env: Record<string, string>) {
  const ctx = makeTestContext({ now: NOW, options: { retryAfterBaseValue: 1, ...options }, env });
  const results: ScopeResult[] = [];
  for await (const r of connector.discover(ctx)) results.push(r);
  return { results, ctx };
}

const inventory = (r: ScopeResult | undefined): ScopeInventory => {
  if (r?.kind !== 'inventory') throw new Error(`expected an inventory, got ${JSON.stringify(r)}`);
  return r;
};

describe('demo estate', () => {
  it('inventories both Orbital Freight organizations through startDemo', async () => {
    const demo = await connector.startDemo(NOW);
    try {
      expect(demo.options).toMatchObject({ orgs: ['orbital-freight', 'orbital-freight-labs'] });
      expect(demo.env).toEqual({ GITHUB_TOKEN: DEMO_TOKEN });
      const ctx = makeTestContext({ now: NOW, options: demo.options, env: demo.env });
      const results: ScopeResult[] = [];
      for await (const r of connector.discover(ctx)) results.push(r);
      const [main, labs] = results.map(inventory);
      expect(main!.scope).toEqual({
        provider: 'github',
        id: 'orbital-freight',
        name: 'Orbital Freight',
        kind: 'organization',
      });
      const all = [...main!.credentials, ...labs!.credentials];
      expect(all.length).toBeGreaterThanOrEqual(35);
      const types = new Set(all.map((c) => c.type));
      for (const t of [
        'fine-grained-pat',
        'classic-pat',
        'ssh-key',
        'oauth-token',
        'deploy-key',
        'app-installation',
        'actions-secret',
        'dependabot-secret',
        'webhook-secret',
      ] as const) {
        expect(types, t).toContain(t);
      }
      // The demo token reads PAT grants (it is an installation token); the labs org is not GHEC.
      expect(main!.gaps).toEqual([]);
      expect(labs!.gaps.map((g) => g.signal)).toEqual(['credential-authorizations']);
      // No SAML on the labs org is "not applicable", not a partial listing: removals still count.
      expect([main!.incomplete, labs!.incomplete]).toEqual([[], []]);
      const clouds = new Set(all.map((c) => c.attributes.storesCloudKey).filter(Boolean));
      expect(clouds).toEqual(new Set(['aws', 'azure', 'gcp']));
      // AI provider keys in CI: an Actions, an environment and a Dependabot secret.
      const ai = all
        .filter((c) => c.attributes.storesAiKey)
        .map((c) => [c.type, c.externalId, c.attributes.storesAiKey]);
      expect(ai).toEqual([
        [
          'actions-secret',
          'actions-secret:orbital-freight-labs/llm-dispatch-assistant:OPENAI_API_KEY',
          'openai',
        ],
        [
          'actions-secret',
          'actions-secret:orbital-freight-labs/llm-dispatch-assistant/env/demo:ANTHROPIC_API_KEY',
          'anthropic',
        ],
        [
          'dependabot-secret',
          'dependabot-secret:orbital-freight-labs/ml-eta-model:HF_TOKEN',
          'huggingface',
        ],
      ]);
      // Every credential has the handle a person finds it by, and no handle is a secret.
      const handles = all.map((c) => [c.type, c.attributes.handle]);
      expect(handles.filter(([, h]) => typeof h !== 'string' || h === '')).toEqual([]);
      expect(Object.fromEntries(handles)).toMatchObject({
        'classic-pat': expect.stringMatching(/^…[0-9a-f]{8}$/),
        'ssh-key': expect.stringMatching(/^SHA256:/),
        'deploy-key': expect.stringMatching(/^SHA256:[A-Za-z0-9+/]{43}$/),
        'fine-grained-pat': expect.stringMatching(/ \(token id \d+\)$/),
        'app-installation': expect.stringMatching(/^installation \d+$/),
      });
      // ShipFast CI belongs to an outside vendor; Orbital's own Apps are first-party.
      const apps = [main!, labs!].flatMap((inv) =>
        inv.identities
          .filter((i) => i.kind === 'github-app')
          .map((i) => [inv.scope.id, i.name, i.attributes.appOwner, i.attributes.thirdParty]),
      );
      expect(apps).toEqual([
        ['orbital-freight', 'coverage-lens', 'coverage-lens-hq', true],
        ['orbital-freight', 'legacy-metrics', 'orbital-freight', false],
        ['orbital-freight', 'orbital-renovate', 'orbital-freight', false],
        ['orbital-freight', 'shipfast-ci', 'shipfast-io', true],
        ['orbital-freight-labs', 'coverage-lens', 'coverage-lens-hq', true],
      ]);
      const shipfast = main!.grants.filter((g) => g.identityExternalId === 'app:shipfast-ci');
      expect(shipfast).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            permission: 'administration',
            resource: 'orbital-freight/*',
            privilege: 'admin',
          }),
          expect.objectContaining({
            permission: 'contents',
            resource: 'orbital-freight/*',
            privilege: 'write',
          }),
        ]),
      );
    } finally {
      await demo.close();
    }
  });

  it('never puts the token into results or logs', async () => {
    const s = await start(buildGitHubDemoEstate(NOW));
    s.faults.add({ status: 502, times: 100, path: /^\/orgs\/orbital-freight-labs$/ });
    const { results, ctx } = await scan(
      { orgs: ['orbital-freight', 'orbital-freight-labs'], apiUrl: s.url },
      { GITHUB_TOKEN: USER_TOKEN },
    );
    const failure = results[1] as ScopeFailure;
    expect(failure.kind).toBe('failure');
    expect(failure.error).toMatch(/GET \/orgs\/orbital-freight-labs: 502/);
    const everything = JSON.stringify(results) + ctx.debugLines.join('\n');
    expect(everything).not.toContain(USER_TOKEN);
    expect(everything).not.toContain('ghp_');
  });
});

describe('pagination and throttling', () => {
  it('follows Link headers across pages of repositories and PAT grants', async () => {
    const s = await start({
      orgs: [syntheticOrg({ login: 'big', repos: 105, patGrants: 230, every: 10 })],
    });
    const { results } = await scan(
      { orgs: ['big'], apiUrl: s.url },
      { GITHUB_TOKEN: 'ghs_installationToken' },
    );
    const inv = inventory(results[0]);
    expect(inv.identities.filter((i) => i.kind === 'repository')).toHaveLength(105);
    expect(inv.credentials.filter((c) => c.type === 'fine-grained-pat')).toHaveLength(230);
    expect(inv.credentials.filter((c) => c.type === 'deploy-key')).toHaveLength(11);
    const pages = (path: string) =>
      s.requests
        .filter((r) => r.path === path)
        .map((r) => new URLSearchParams(r.query).get('page') ?? '1');
    expect(pages('/orgs/big/repos')).toEqual(['1', '2']);
    expect(pages('/orgs/big/personal-access-tokens')).toEqual(['1', '2', '3']);
    expect(inv.apiCalls).toBe(s.requests.length);
  });

  it('retries primary and secondary rate limits (403 and 429) quickly and finishes the scan', async () => {
    const s = await start({
      orgs: [syntheticOrg({ login: 'busy', repos: 30, every: 10, ghec: true })],
    });
    s.faults.add(primaryLimit({ times: 1, path: /^\/orgs\/busy\/repos$/ }));
    s.faults.add(secondaryLimit({ times: 2, status: 429, path: /\/keys$/ }));
    s.faults.add(secondaryLimit({ times: 1, status: 403, path: /\/hooks$/ }));
    const started = Date.now();
    const { results, ctx } = await scan(
      { orgs: ['busy'], apiUrl: s.url },
      { GITHUB_TOKEN: 'ghs_x' },
    );
    const inv = inventory(results[0]);
    // The waits are the 1-second hints, not GitHub's 60-second default for a secondary limit
    // (four of those would take minutes); the margin covers a loaded machine.
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(inv.identities.filter((i) => i.kind === 'repository')).toHaveLength(30);
    expect(inv.credentials.filter((c) => c.type === 'deploy-key')).toHaveLength(3);
    expect(inv.gaps).toEqual([]);
    expect(s.requests.filter((r) => r.status === 429 || r.status === 403)).toHaveLength(4);
    expect(ctx.debugLines.some((l) => /primary rate limit/.test(l))).toBe(true);
    expect(ctx.debugLines.some((l) => /secondary rate limit/.test(l))).toBe(true);
  });

  it('keeps at most `concurrency` repository requests in flight', async () => {
    const s = await startGitHubStandIn({
      estate: { orgs: [syntheticOrg({ login: 'wide', repos: 8 })] },
      latencyMs: 15,
    });
    standIn = s;
    /** Most /repos/ requests that overlapped in time. */
    const peak = () => peakInFlight(s.requests.filter((r) => r.path.startsWith('/repos/')));
    await scan({ orgs: ['wide'], apiUrl: s.url, concurrency: 3 }, { GITHUB_TOKEN: 'ghs_x' });
    // Never more than 3; at least 2 shows the repositories really ran in parallel.
    expect(peak()).toBeLessThanOrEqual(3);
    expect(peak()).toBeGreaterThanOrEqual(2);
    s.requests.length = 0;
    await scan({ orgs: ['wide'], apiUrl: s.url, concurrency: 1 }, { GITHUB_TOKEN: 'ghs_x' });
    expect(peak()).toBe(1);
  });
});

describe('partial access becomes coverage gaps', () => {
  it('a repository the token cannot read is named in a gap; the rest is scanned', async () => {
    const org = syntheticOrg({ login: 'acme', repos: 12, every: 1 });
    const s = await start({ orgs: [org] });
    s.denyRepo('acme/repo-0003', 404);
    s.denyRepo('acme/repo-0007', 403);
    const { results } = await scan({ orgs: ['acme'], apiUrl: s.url }, { GITHUB_TOKEN: USER_TOKEN });
    const inv = inventory(results[0]);
    expect(inv.credentials.filter((c) => c.type === 'deploy-key')).toHaveLength(10);
    const bySignal = Object.fromEntries(inv.gaps.map((g) => [g.signal, g]));
    expect(bySignal.repositories!.message).toContain('acme/repo-0003');
    expect(bySignal['deploy-keys']!).toMatchObject({ code: '403' });
    expect(bySignal['deploy-keys']!.message).toContain('acme/repo-0007');
    expect(bySignal['deploy-keys']!.fix).toMatch(/Administration/);
    expect(bySignal['repo-actions-secrets']!.message).toContain('acme/repo-0007');
    expect(inv.incomplete).toEqual(['identities', 'credentials', 'grants']);
  });

  it('a repository denied to one token only is readable with another', async () => {
    const s = await start({ orgs: [syntheticOrg({ login: 'acme', repos: 3, every: 1 })] });
    s.denyRepo('acme/repo-0001', 404, { token: USER_TOKEN });
    const denied = inventory(
      (await scan({ orgs: ['acme'], apiUrl: s.url }, { GITHUB_TOKEN: USER_TOKEN })).results[0],
    );
    const other = inventory(
      (await scan({ orgs: ['acme'], apiUrl: s.url }, { GITHUB_TOKEN: 'ghp_someoneElse' }))
        .results[0],
    );
    expect(denied.credentials.filter((c) => c.type === 'deploy-key')).toHaveLength(2);
    expect(other.credentials.filter((c) => c.type === 'deploy-key')).toHaveLength(3);
    expect(other.gaps.find((g) => g.signal === 'repositories')).toBeUndefined();
  });

  it('with a plain token, fine-grained PATs are "not evaluated" with the App permission that fixes it', async () => {
    const s = await start({ orgs: [syntheticOrg({ login: 'acme', repos: 2, patGrants: 3 })] });
    const { results } = await scan({ orgs: ['acme'], apiUrl: s.url }, { GITHUB_TOKEN: USER_TOKEN });
    const inv = inventory(results[0]);
    expect(inv.credentials.filter((c) => c.type === 'fine-grained-pat')).toHaveLength(0);
    const gap = inv.gaps.find((g) => g.signal === 'fine-grained-pats');
    expect(gap).toMatchObject({
      code: '403',
      fix: "authenticate as a GitHub App with 'Personal access tokens' organization permission (read)",
    });
    expect(gap!.message).toMatch(/only GitHub Apps/);
    // PATs seen by an earlier App-authenticated scan must not be taken for removed.
    expect(inv.incomplete).toEqual(['identities', 'credentials', 'grants']);
  });

  it('org-level denials each become their own gap and repositories are still scanned', async () => {
    const s = await start({ orgs: [syntheticOrg({ login: 'acme', repos: 3, every: 1 })] });
    s.faults.add(denied(/^\/orgs\/acme\/(actions\/secrets|hooks|installations)$/, 403));
    const { results } = await scan({ orgs: ['acme'], apiUrl: s.url }, { GITHUB_TOKEN: 'ghs_x' });
    const inv = inventory(results[0]);
    expect(inv.gaps.map((g) => g.signal).sort()).toEqual([
      'app-installations',
      'credential-authorizations',
      'org-actions-secrets',
      'org-webhooks',
    ]);
    expect(inv.gaps.find((g) => g.signal === 'org-webhooks')!.fix).toMatch(/admin:org_hook/);
    // Only credentials were partly hidden (org secrets, hooks) plus the apps (identities, grants).
    expect(inv.incomplete).toEqual(['identities', 'credentials', 'grants']);
    expect(inv.credentials.filter((c) => c.type === 'deploy-key')).toHaveLength(3);
  });

  it('an unknown organization fails alone; the next one is scanned', async () => {
    const s = await start({ orgs: [syntheticOrg({ login: 'acme', repos: 1 })] });
    const { results } = await scan(
      { orgs: ['nope', 'acme'], apiUrl: s.url },
      { GITHUB_TOKEN: USER_TOKEN },
    );
    expect(results[0]).toMatchObject({ kind: 'failure', code: '404', scope: { id: 'nope' } });
    expect(results[1]!.kind).toBe('inventory');
  });

  it('a garbage payload fails the scope with a message naming the endpoint and field', async () => {
    const s = await start({ orgs: [syntheticOrg({ login: 'acme', repos: 2 })] });
    s.faults.add(respondWith(/^\/repos\/acme\/repo-0001\/keys$/, 200, [{ id: 'not-a-number' }]));
    const { results } = await scan({ orgs: ['acme'], apiUrl: s.url }, { GITHUB_TOKEN: USER_TOKEN });
    expect(results[0]).toMatchObject({ kind: 'failure' });
    expect((results[0] as ScopeFailure).error).toMatch(
      /GET \/repos\/acme\/repo-0001\/keys: .*\[0\]\.id/,
    );
  });
});

describe('App owners (GET /apps/{app_slug})', () => {
  const DAY0 = '2025-01-01T00:00:00Z';
  const installation = (id: number, appSlug: string, permissions: Record<string, 'write'>) => ({
    id,
    appId: id,
    appSlug,
    repositorySelection: 'all' as const,
    permissions,
    events: [],
    createdAt: DAY0,
    updatedAt: DAY0,
    suspendedAt: null,
  });
  const app = (
    id: number,
    slug: string,
    owner: string,
    isPublic = true,
  ): NonNullable<GitHubEstate['apps']>[number] => ({
    id,
    slug,
    name: slug,
    owner: { login: owner, id: 7000 + id, type: 'Organization' },
    description: null,
    externalUrl: `https://${owner}.example`,
    public: isPublic,
    permissions: { contents: 'write' },
    events: [],
    createdAt: DAY0,
    updatedAt: DAY0,
  });
  /** acme and acme-tools share vendor-ci; acme also runs its own, a sibling's and two unknowable Apps. */
  function estate(): GitHubEstate {
    const acme = syntheticOrg({ login: 'acme', repos: 1 }, 1);
    const tools = syntheticOrg({ login: 'acme-tools', repos: 1 }, 2);
    acme.installations.push(
      installation(1, 'vendor-ci', { contents: 'write', secrets: 'write' }),
      installation(2, 'acme-deployer', { contents: 'write' }),
      installation(3, 'tools-bot', { contents: 'write' }),
      installation(4, 'outsider-private', { contents: 'write' }),
      installation(5, 'blocked-app', { contents: 'write' }),
    );
    tools.installations.push(installation(6, 'vendor-ci', { contents: 'write' }));
    return {
      orgs: [acme, tools],
      apps: [
        app(1, 'vendor-ci', 'vendor-inc'),
        app(2, 'acme-deployer', 'acme', false),
        app(3, 'tools-bot', 'acme-tools'),
        app(4, 'outsider-private', 'someone-else', false),
        app(5, 'blocked-app', 'vendor-two'),
      ],
    };
  }
  const appAttrs = (inv: ScopeInventory) =>
    Object.fromEntries(
      inv.identities
        .filter((i) => i.kind === 'github-app')
        .map((i) => [
          i.name,
          { owner: i.attributes.appOwner, thirdParty: i.attributes.thirdParty },
        ]),
    );

  it('marks third-party Apps, asks once per App per scan, and leaves unknowable owners unknown', async () => {
    const s = await start(estate());
    s.faults.add(denied(/^\/apps\/blocked-app$/, 403));
    // An installation token: every org-level list is readable, so only App owners are missing.
    const { results } = await scan(
      { orgs: ['acme', 'acme-tools'], apiUrl: s.url },
      { GITHUB_TOKEN: 'ghs_x' },
    );
    const [acme, tools] = results.map(inventory);
    expect(appAttrs(acme!)).toEqual({
      'vendor-ci': { owner: 'vendor-inc', thirdParty: true },
      'acme-deployer': { owner: 'acme', thirdParty: false },
      // Owned by the other org of this scan: first-party.
      'tools-bot': { owner: 'acme-tools', thirdParty: false },
      // 404 (private App of another account) and 403: no owner, no verdict.
      'outsider-private': { owner: undefined, thirdParty: undefined },
      'blocked-app': { owner: undefined, thirdParty: undefined },
    });
    expect(appAttrs(tools!)).toEqual({ 'vendor-ci': { owner: 'vendor-inc', thirdParty: true } });
    // Six installations, five Apps: vendor-ci, installed in both orgs, is looked up once.
    const appCalls = s.requests.filter((r) => r.path.startsWith('/apps/')).map((r) => r.path);
    expect(appCalls.sort()).toEqual([
      '/apps/acme-deployer',
      '/apps/blocked-app',
      '/apps/outsider-private',
      '/apps/tools-bot',
      '/apps/vendor-ci',
    ]);
    // The scope is not failed: one gap names both Apps, and hides no record.
    const gap = acme!.gaps.find((g) => g.signal === 'app-owners');
    expect(gap).toMatchObject({ code: '403' });
    expect(gap!.message).toMatch(/owner of 2 GitHub Apps installed in acme unknown/);
    expect(gap!.message).toContain('blocked-app, outsider-private');
    expect(gap!.fix).toMatch(/none for public Apps/);
    expect(acme!.gaps.map((g) => g.signal)).toEqual(['app-owners', 'credential-authorizations']);
    expect(acme!.incomplete).toEqual([]);
    expect(tools!.gaps.filter((g) => g.signal === 'app-owners')).toEqual([]);
    // Grants are there whatever the owner lookup said.
    expect(acme!.grants.filter((g) => g.identityExternalId === 'app:blocked-app')).toHaveLength(1);
  });

  it('an App owned by an org scanned on its own is third-party to the others', async () => {
    const s = await start(estate());
    const { results } = await scan({ orgs: ['acme'], apiUrl: s.url }, { GITHUB_TOKEN: USER_TOKEN });
    expect(appAttrs(inventory(results[0]))['tools-bot']).toEqual({
      owner: 'acme-tools',
      thirdParty: true,
    });
  });

  it('looks Apps up a few at a time (concurrency), under a GHES base path', async () => {
    const acme = syntheticOrg({ login: 'acme', repos: 1 }, 1);
    const apps = Array.from({ length: 9 }, (_, i) => app(i + 1, `app-${i}`, 'vendor-inc'));
    acme.installations.push(...apps.map((a) => installation(a.id, a.slug, { contents: 'write' })));
    const s = await startGitHubStandIn({
      estate: { orgs: [acme], apps },
      basePath: '/api/v3',
      latencyMs: 10,
    });
    standIn = s;
    const { results } = await scan(
      { orgs: ['acme'], apiUrl: s.url, concurrency: 2 },
      { GITHUB_TOKEN: USER_TOKEN },
    );
    const inv = inventory(results[0]);
    expect(Object.values(appAttrs(inv)).every((a) => a.thirdParty === true)).toBe(true);
    const lookups = s.requests.filter((r) => r.path.startsWith('/apps/'));
    expect(lookups).toHaveLength(9);
    // Two at a time: bounded, yet in parallel.
    expect(peakInFlight(lookups)).toBe(2);
  });

  it('a garbage App payload fails the scope naming the call and the field', async () => {
    const s = await start(estate());
    s.faults.add(respondWith(/^\/apps\/vendor-ci$/, 200, { id: 1, name: 'x', owner: { id: 3 } }));
    const { results } = await scan({ orgs: ['acme'], apiUrl: s.url }, { GITHUB_TOKEN: USER_TOKEN });
    expect((results[0] as ScopeFailure).error).toMatch(/GET \/apps\/vendor-ci: .*\.owner/);
  });
});

describe('hardening: a fault mid-scan fails the scope; it is never a gap or an empty list', () => {
  const scanAcme = async (s: GitHubStandIn, options: Record<string, unknown> = {}) =>
    (await scan({ orgs: ['acme'], apiUrl: s.url, ...options }, { GITHUB_TOKEN: 'ghs_x' }))
      .results[0];

  it('a `Link: rel="next"` to another origin fails the scope without sending anything there', async () => {
    const s = await start({ orgs: [syntheticOrg({ login: 'acme', repos: 105, every: 10 })] });
    const foreign = await startCanary();
    try {
      s.faults.add({ path: '/orgs/acme/repos', foreignLinks: foreign.url });
      const r = await scanAcme(s);
      expect(r).toMatchObject({ kind: 'failure', code: 'OffOrigin' });
      expect((r as ScopeFailure).error).toContain('refused to follow');
      expect(foreign.requests).toEqual([]);
    } finally {
      await foreign.close();
    }
  });

  it('a redirect to another origin on one repository fails the scope (it is not "denied")', async () => {
    const s = await start({ orgs: [syntheticOrg({ login: 'acme', repos: 4, every: 1 })] });
    const foreign = await startCanary();
    try {
      s.faults.add({ path: '/repos/acme/repo-0002/hooks', redirect: `${foreign.url}/x` });
      expect(await scanAcme(s)).toMatchObject({ kind: 'failure', code: 'OffOrigin' });
      expect(foreign.requests).toEqual([]);
    } finally {
      await foreign.close();
    }
  });

  it.each([
    ['the wrong document', { body: { kind: 'something else', items: null } }, /InvalidResponse/],
    ['an HTML page', { body: '<html>hi</html>', contentType: 'text/html' }, /not JSON/],
    ['5xx after the retries', { status: 502 }, /502/],
  ])('%s from an org-level list fails the scope', async (_what, fault, error) => {
    const s = await start({ orgs: [syntheticOrg({ login: 'acme', repos: 2, every: 1 })] });
    s.faults.add({ path: '/orgs/acme/actions/secrets', times: Infinity, ...fault });
    const r = await scanAcme(s, { maxAttempts: 2 });
    expect(r?.kind).toBe('failure');
    expect((r as ScopeFailure).error).toMatch(error);
  });

  it('a repository list that hangs times out and fails the scope, naming the endpoint', async () => {
    const s = await start({ orgs: [syntheticOrg({ login: 'acme', repos: 3, every: 1 })] });
    s.faults.add({ path: '/repos/acme/repo-0001/environments', hang: true, times: Infinity });
    const r = await scanAcme(s, { timeoutMs: 300, maxAttempts: 2 });
    expect(r).toMatchObject({ kind: 'failure', code: 'Timeout' });
    expect((r as ScopeFailure).error).toMatch(/repo-0001\/environments: Timeout no answer/);
  });
});

describe('endpoints and authentication', () => {
  it('talks to GitHub Enterprise Server under /api/v3 (option or GITHUB_API_URL)', async () => {
    const s = await start(
      { orgs: [syntheticOrg({ login: 'ghes-org', repos: 4, every: 2, patGrants: 120 })] },
      { basePath: '/api/v3' },
    );
    expect(s.url).toMatch(/\/api\/v3$/);
    const viaOption = await scan({ orgs: ['ghes-org'], apiUrl: s.url }, { GITHUB_TOKEN: 'ghs_x' });
    // 120 grants = 2 pages: the Link header kept the /api/v3 prefix.
    expect(
      inventory(viaOption.results[0]).credentials.filter((c) => c.type === 'fine-grained-pat'),
    ).toHaveLength(120);
    const viaEnv = await scan(
      { orgs: ['ghes-org'] },
      { GITHUB_API_URL: s.url, GH_TOKEN: USER_TOKEN },
    );
    expect(
      inventory(viaEnv.results[0]).credentials.filter((c) => c.type === 'deploy-key'),
    ).toHaveLength(2);
    // The stand-in records a path only for requests under its base path.
    expect(s.requests.filter((r) => r.path === '')).toEqual([]);
  });

  it('authenticates as a GitHub App: looks up the installation, exchanges a JWT for a token, reads PAT grants', async () => {
    const s = await start({ orgs: [syntheticOrg({ login: 'acme', repos: 2, patGrants: 4 })] });
    const dir = mkdtempSync(join(tmpdir(), 'nhi-gh-app-'));
    const keyPath = join(dir, 'app.pem');
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(keyPath, privateKey.export({ type: 'pkcs1', format: 'pem' }));
    const { results } = await scan(
      { orgs: ['acme'], apiUrl: s.url, appId: 12345, privateKeyPath: keyPath },
      {},
    );
    const inv = inventory(results[0]);
    expect(inv.credentials.filter((c) => c.type === 'fine-grained-pat')).toHaveLength(4);
    expect(inv.gaps.find((g) => g.signal === 'fine-grained-pats')).toBeUndefined();
    const first = s.requests.slice(0, 2).map((r) => `${r.method} ${r.path} ${r.auth}`);
    expect(first).toEqual([
      'GET /orgs/acme/installation jwt',
      `POST /app/installations/${900_001}/access_tokens jwt`,
    ]);
    expect(s.requests.slice(2).every((r) => r.auth === 'installation-token')).toBe(true);
    expect(s.issuedTokens).toHaveLength(1);
    expect(JSON.stringify(results)).not.toContain(s.issuedTokens[0]);
  });

  it('App settings from the environment, with an explicit installation id', async () => {
    const s = await start({ orgs: [syntheticOrg({ login: 'acme', repos: 1, patGrants: 1 })] });
    const dir = mkdtempSync(join(tmpdir(), 'nhi-gh-app-'));
    const keyPath = join(dir, 'app.pem');
    writeFileSync(
      keyPath,
      generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
        type: 'pkcs8',
        format: 'pem',
      }),
    );
    const { results } = await scan(
      { orgs: ['acme'], apiUrl: s.url, installationId: 900_001 },
      { GITHUB_APP_ID: '7', GITHUB_APP_PRIVATE_KEY_PATH: keyPath },
    );
    expect(
      inventory(results[0]).credentials.filter((c) => c.type === 'fine-grained-pat'),
    ).toHaveLength(1);
    expect(s.requests.some((r) => r.path === '/orgs/acme/installation')).toBe(false);
  });

  it('tokenEnv names the variable holding the token', async () => {
    const s = await start({ orgs: [syntheticOrg({ login: 'acme', repos: 1 })] });
    const { results } = await scan(
      { orgs: ['acme'], apiUrl: s.url, tokenEnv: 'NHI_GH' },
      { NHI_GH: USER_TOKEN, GITHUB_TOKEN: 'ghs_other' },
    );
    expect(results[0]!.kind).toBe('inventory');
    expect(s.requests.every((r) => r.auth === 'user-token')).toBe(true);
  });

  it('user errors: no organization, no credentials, a key given inline', async () => {
    const run = (options: Record<string, unknown>, env: Record<string, string>) =>
      scan(options, env);
    await expect(run({}, { GITHUB_TOKEN: 'x' })).rejects.toThrow(/no organization configured/);
    await expect(run({ orgs: ['a'] }, {})).rejects.toThrow(
      /no credentials \(looked for GITHUB_TOKEN, GH_TOKEN/,
    );
    await expect(
      run({ orgs: ['a'], appId: 1, privateKey: '-----BEGIN' }, {}),
    ).rejects.toBeInstanceOf(UserError);
    await expect(
      run({ orgs: ['a'], appId: 1, privateKeyPath: '/nonexistent/key.pem' }, {}),
    ).rejects.toThrow(/cannot read the GitHub App private key file/);
  });
});

describe('doctor', () => {
  it('reports which inventories the credentials can read', async () => {
    const s = await start({ orgs: [syntheticOrg({ login: 'acme', repos: 1 })] });
    const report = await connector.doctor(
      makeTestContext({
        options: { orgs: ['acme'], apiUrl: s.url },
        env: { GITHUB_TOKEN: USER_TOKEN },
      }),
    );
    expect(report).toMatchObject({
      provider: 'github',
      authenticated: true,
      identity: 'token from GITHUB_TOKEN',
    });
    const byName = Object.fromEntries(report.checks.map((c) => [c.name, c.ok]));
    expect(byName['acme: fine-grained PAT grants']).toBe(false);
    expect(byName['acme: repositories']).toBe(true);
  });
});
