/**
 * The connector end to end: the real @googleapis/iam and google-auth-library clients against
 * the local stand-in, over HTTP.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { UserError } from '../../src/connector/index.js';
import { makeTestContext } from '../../src/connector/testing.js';
import type { ScopeFailure, ScopeInventory, ScopeResult } from '../../src/model/index.js';
import { buildGcpDemoEstate } from './stand-in/demo.js';
import { COMPANY } from '../../fixtures/demo/company.js';
import { connector } from './index.js';
import { NEVER_EXPIRES, type GcpEstate, type StandInProject } from './stand-in/estate.js';
import { startGcpStandIn, type GcpStandIn } from './stand-in/server.js';

const NOW = new Date('2026-11-01T12:00:00Z');
const FAST_RETRY = { maxRetries: 3, baseDelayMs: 1, maxDelayMs: 5 };

let standIn: GcpStandIn | null = null;
afterEach(async () => {
  await standIn?.close();
  standIn = null;
});

async function start(estate: GcpEstate, pageSizeCap?: number) {
  standIn = await startGcpStandIn({
    estate,
    ...(pageSizeCap ? { pageSizeCap } : {}),
    now: () => NOW,
  });
  return standIn;
}

function rootUrls(s: GcpStandIn) {
  return {
    iam: s.url,
    cloudresourcemanager: s.url,
    policyanalyzer: s.url,
    recommender: s.url,
    apikeys: s.url,
  };
}

async function scan(
  s: GcpStandIn,
  options: Record<string, unknown>,
  env: Record<string, string> = {},
) {
  const ctx = makeTestContext({
    now: NOW,
    options: { rootUrls: rootUrls(s), retry: FAST_RETRY, ...options },
    env: { NHI_GCP_ACCESS_TOKEN: s.token, ...env },
  });
  const results: ScopeResult[] = [];
  for await (const r of connector.discover(ctx)) results.push(r);
  return results;
}

const inventory = (results: ScopeResult[], id: string) => {
  const r = results.find((x) => x.scope.id === id);
  expect(r?.kind, JSON.stringify(r)).toBe('inventory');
  return r as ScopeInventory;
};

const hexId = (n: number) => n.toString(16).padStart(40, '0');

/** A project with `count` service accounts, each holding one user-managed key. */
function project(
  projectId: string,
  count: number,
  over: Partial<StandInProject> = {},
): StandInProject {
  return {
    projectId,
    projectNumber: String(100000 + projectId.length),
    displayName: `Project ${projectId}`,
    parent: 'organizations/1',
    createTime: '2024-01-01T00:00:00Z',
    serviceAccounts: Array.from({ length: count }, (_, i) => ({
      accountId: `sa-${i}`,
      uniqueId: `1000000000000000000${i}`.slice(0, 21),
      lastAuthenticatedTime: '2026-10-30T10:00:00Z',
      keys: [
        {
          keyId: hexId(i + 1),
          keyType: 'USER_MANAGED' as const,
          validAfterTime: '2026-01-01T00:00:00Z',
          validBeforeTime: NEVER_EXPIRES,
          lastAuthenticatedTime: '2026-10-30T10:00:00Z',
        },
        {
          keyId: `f${hexId(i + 1).slice(1)}`,
          keyType: 'SYSTEM_MANAGED' as const,
          validAfterTime: '2026-10-20T00:00:00Z',
          validBeforeTime: '2026-11-10T00:00:00Z',
        },
      ],
    })),
    bindings: [],
    ...over,
  };
}

describe('scanning the Orbital Freight demo organization', () => {
  it('walks the organization and its folders and inventories all three projects', async () => {
    const s = await start(buildGcpDemoEstate(NOW));
    const results = await scan(s, { organization: COMPANY.gcpOrganizationId });
    expect(results.map((r) => `${r.scope.id}:${r.kind}`).sort()).toEqual([
      'of-ml-sandbox:inventory',
      'of-prod-data:inventory',
      'of-staging:inventory',
    ]);
    const all = results as ScopeInventory[];
    const keys = all.flatMap((r) => r.credentials.filter((c) => c.type === 'service-account-key'));
    expect(keys.length).toBeGreaterThanOrEqual(14);
    expect(inventory(results, 'of-prod-data').scope.name).toBe('Orbital Freight Prod Data');

    const prod = inventory(results, 'of-prod-data');
    const grant = (email: string, role: string) =>
      all
        .flatMap((r) => r.grants)
        .find((g) => g.identityExternalId.startsWith(email) && g.permission === role);
    expect(grant('terraform-deployer@', 'roles/owner')?.privilege).toBe('admin');
    expect(grant('ci-deployer@', 'roles/iam.serviceAccountTokenCreator')?.privilege).toBe('admin');
    // Inherited from the Production folder and the organization.
    expect(grant('gke-workload@', 'roles/logging.viewer')).toMatchObject({
      resource: 'folders/204817360051',
      privilege: 'read',
    });
    expect(grant('nhi-scanner@', 'roles/iam.securityReviewer')?.resource).toBe(
      `organizations/${COMPANY.gcpOrganizationId}`,
    );
    // Recommender: billing-export never used BigQuery admin.
    expect(grant('billing-export@', 'roles/bigquery.admin')).toMatchObject({
      lastUsedKnown: true,
      lastUsedAt: null,
    });

    // The 9999 "never" sentinel becomes no expiry; a real validBeforeTime is kept.
    const etlKeys = prod.credentials.filter((c) => c.identityExternalId.startsWith('etl-loader@'));
    expect(etlKeys.map((c) => c.expiresAt)).toEqual([null, '2026-12-31T12:00:00.000Z']);

    const legacy = prod.identities.find((i) => i.externalId.startsWith('legacy-reporting@'));
    expect(legacy?.attributes).toMatchObject({ disabled: true });
    expect(
      prod.credentials.some(
        (c) => c.identityExternalId === legacy?.externalId && c.status === 'active',
      ),
    ).toBe(true);

    // System-managed keys are counted, never emitted.
    const gke = prod.identities.find((i) => i.externalId.startsWith('gke-workload@'));
    expect(gke?.attributes.systemManagedKeyCount).toBe(2);
    expect(prod.credentials.some((c) => c.identityExternalId === gke?.externalId)).toBe(false);

    // The production ETL account granted in staging appears there as an external identity;
    // the GKE service agent does not appear at all.
    const staging = inventory(results, 'of-staging');
    expect(
      staging.identities.find((i) => i.externalId.startsWith('etl-loader@of-prod-data'))
        ?.attributes,
    ).toMatchObject({
      external: true,
      homeProject: 'of-prod-data',
    });
    expect(
      all.flatMap((r) => r.identities).some((i) => i.externalId.includes('container-engine-robot')),
    ).toBe(false);

    // Sandbox: recommender denied -> gap, the rest is there.
    const sandbox = inventory(results, 'of-ml-sandbox');
    expect(sandbox.gaps.map((g) => g.signal)).toEqual(['iam-recommender']);
    expect(sandbox.credentials.length).toBe(3);

    // API keys: the unrestricted one hangs off the project's holder identity.
    const tracking = staging.credentials.find(
      (c) => c.type === 'api-key' && c.name?.startsWith('Shipment'),
    );
    expect(tracking).toMatchObject({
      identityExternalId: 'projects/of-staging/apiKeys',
      attributes: { restricted: false },
    });
  });

  it('records the AI estate as facts: which keys and grants reach Gemini and Vertex AI', async () => {
    const s = await start(buildGcpDemoEstate(NOW));
    const results = await scan(s, { organization: COMPANY.gcpOrganizationId });
    const staging = inventory(results, 'of-staging');
    const apiKey = (prefix: string) =>
      staging.credentials.find((c) => c.type === 'api-key' && c.name?.startsWith(prefix))
        ?.attributes;
    expect(apiKey('Gemini prototype')).toMatchObject({
      apiRestricted: false,
      aiService: 'gemini',
      apiTargets: [],
      handle: expect.stringMatching(/^Gemini prototype \(dispatch assistant\) \([0-9a-f]{32}\)$/),
    });
    expect(apiKey('Gemini API: route planner')).toMatchObject({
      apiRestricted: true,
      aiService: 'gemini',
      apiTargets: [{ service: 'generativelanguage.googleapis.com', methods: [] }],
      restrictionKinds: ['apiTargets', 'serverKeyRestrictions'],
    });
    expect(apiKey('Mobile app')).toMatchObject({ apiRestricted: true });
    expect(apiKey('Mobile app')!.aiService).toBeUndefined();

    const prod = inventory(results, 'of-prod-data');
    const vertex = prod.identities.find((i) => i.externalId.startsWith('vertex-scorer@'))!;
    expect(
      prod.grants
        .filter((g) => g.identityExternalId === vertex.externalId)
        .map((g) => [g.permission, g.attributes.aiService ?? null]),
    ).toEqual([
      ['roles/aiplatform.user', 'vertex'],
      ['roles/bigquery.dataViewer', null],
    ]);
    // The service account itself is marked as reaching Vertex AI; others are not.
    expect(vertex.attributes.aiService).toBe('vertex');
    expect(prod.identities.filter((i) => i.attributes.aiService).map((i) => i.name)).toEqual([
      vertex.name,
    ]);
    const [key] = prod.credentials.filter((c) => c.identityExternalId === vertex.externalId);
    expect(key).toMatchObject({ type: 'service-account-key', expiresAt: null });
    expect(key!.attributes.handle).toBe(`${key!.externalId} (${vertex.externalId})`);
  });

  it('asks Policy Analyzer in bulk: two queries per project, not one per key', async () => {
    const s = await start(buildGcpDemoEstate(NOW));
    await scan(s, { organization: COMPANY.gcpOrganizationId });
    const queries = s.requests.filter((r) => r.path.endsWith('activities:query'));
    expect(queries).toHaveLength(6);
  });

  it('scans only the projects under a folder, or every visible project when nothing is named', async () => {
    const s = await start(buildGcpDemoEstate(NOW));
    const underFolder = await scan(s, { folder: '204817360052' });
    expect(underFolder.map((r) => r.scope.id)).toEqual(['of-staging']);
    const everything = await scan(s, {});
    expect(everything.map((r) => r.scope.id).sort()).toEqual([
      'of-ml-sandbox',
      'of-prod-data',
      'of-staging',
    ]);
    expect(s.requests.some((r) => r.path === '/v3/projects:search')).toBe(true);
    const fromEnv = await scan(s, {}, { GOOGLE_CLOUD_PROJECT: 'of-ml-sandbox' });
    expect(fromEnv.map((r) => r.scope.id)).toEqual(['of-ml-sandbox']);
  });

  it('startDemo returns options and env that scan the demo through the stand-in', async () => {
    const demo = await connector.startDemo(NOW);
    try {
      expect(demo.options).toMatchObject({ organization: COMPANY.gcpOrganizationId });
      expect(demo.env.NHI_GCP_ACCESS_TOKEN).toBeTruthy();
      const ctx = makeTestContext({ now: NOW, options: demo.options, env: demo.env });
      const kinds: string[] = [];
      for await (const r of connector.discover(ctx)) kinds.push(r.kind);
      expect(kinds).toEqual(['inventory', 'inventory', 'inventory']);
      const report = await connector.doctor(ctx);
      expect(report.authenticated).toBe(true);
      // Doctor probes the first project it finds (the sandbox, where the recommender is denied).
      expect(report.checks.find((c) => c.name === 'IAM Recommender')).toMatchObject({
        ok: false,
        detail: expect.stringContaining('PERMISSION_DENIED'),
      });
      expect(report.checks.find((c) => c.name.startsWith('service accounts of'))?.ok).toBe(true);
    } finally {
      await demo.close();
    }
  });
});

describe('paging, retries and partial access', () => {
  it('follows nextPageToken for service accounts, projects and activities', async () => {
    const s = await start(
      { projects: [project('paged-one', 5), project('paged-two', 3), project('paged-three', 1)] },
      2,
    );
    const results = await scan(s, { organization: '1' });
    expect(results.map((r) => r.scope.id).sort()).toEqual([
      'paged-one',
      'paged-three',
      'paged-two',
    ]);
    expect(s.requests.filter((r) => r.path === '/v3/projects')).toHaveLength(2);
    const one = inventory(results, 'paged-one');
    expect(one.identities).toHaveLength(5);
    expect(one.credentials).toHaveLength(5);
    expect(one.credentials.every((c) => c.lastUsedAt === '2026-10-30T07:00:00.000Z')).toBe(true);
    expect(inventory(results, 'paged-two').identities).toHaveLength(3);
    const listCalls = s.requests.filter((r) => r.path === '/v1/projects/paged-one/serviceAccounts');
    expect(listCalls).toHaveLength(3); // 2 + 2 + 1
    expect(listCalls.slice(1).every((r) => r.query.includes('pageToken='))).toBe(true);
  });

  it('retries 429 RESOURCE_EXHAUSTED and 503 and still returns the full inventory', async () => {
    const s = await start({ projects: [project('busy', 2)] });
    s.faults.add({ path: '/serviceAccounts', status: 429, retryAfter: 0, times: 2, method: 'GET' });
    s.faults.add({ path: ':getIamPolicy', status: 503 });
    const results = await scan(s, { projects: ['busy'] });
    const busy = inventory(results, 'busy');
    expect(busy.credentials).toHaveLength(2);
    expect(busy.gaps).toEqual([]);
    expect(s.requests.filter((r) => r.status === 429)).toHaveLength(2);
    expect(s.requests.filter((r) => r.status === 503)).toHaveLength(1);
    // Every attempt counts as an API call.
    expect(busy.apiCalls).toBe(s.requests.length);
  });

  it('gives up after the configured retries and fails only that project', async () => {
    const s = await start({ projects: [project('hot', 1), project('calm', 1)] });
    s.faults.add({
      path: '/v1/projects/hot/serviceAccounts',
      status: 429,
      retryAfter: 0,
      times: Infinity,
    });
    const results = await scan(s, {
      projects: ['hot', 'calm'],
      retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 2 },
    });
    const hot = results.find((r) => r.scope.id === 'hot') as ScopeFailure;
    expect(hot).toMatchObject({ kind: 'failure', code: 'RESOURCE_EXHAUSTED' });
    expect(
      s.requests.filter((r) => r.path.startsWith('/v1/projects/hot/serviceAccounts')),
    ).toHaveLength(2);
    expect(inventory(results, 'calm').credentials).toHaveLength(1);
  });

  it('Policy Analyzer denied -> sa-last-authentication gap and last use unknown, not "never used"', async () => {
    const s = await start({ projects: [project('quiet', 2, { denied: ['policyanalyzer'] })] });
    const quiet = inventory(await scan(s, { projects: ['quiet'] }), 'quiet');
    const gap = quiet.gaps.find((g) => g.signal === 'sa-last-authentication');
    expect(gap).toMatchObject({ code: 'PERMISSION_DENIED' });
    expect(gap?.fix).toContain('roles/policyanalyzer.activityAnalysisViewer');
    expect(quiet.gaps.filter((g) => g.signal === 'sa-last-authentication')).toHaveLength(1);
    expect(
      [...quiet.credentials, ...quiet.identities].every(
        (x) => !x.lastUsedKnown && x.lastUsedAt === null,
      ),
    ).toBe(true);
  });

  it('a project whose service accounts cannot be read is a ScopeFailure; the others finish', async () => {
    const s = await start({
      projects: [
        project('open-a', 1),
        project('locked', 1, { denied: ['iam'] }),
        project('open-b', 2),
      ],
    });
    const results = await scan(s, { organization: '1' });
    expect(results).toHaveLength(3);
    expect(results.find((r) => r.scope.id === 'locked')).toMatchObject({
      kind: 'failure',
      code: 'PERMISSION_DENIED',
    });
    expect(inventory(results, 'open-a').credentials).toHaveLength(1);
    expect(inventory(results, 'open-b').credentials).toHaveLength(2);
  });

  it('an organization that cannot be listed is one failure naming it', async () => {
    const s = await start({ projects: [project('any', 1)] });
    s.faults.add({ path: '/v3/projects', status: 403, times: Infinity });
    const results = await scan(s, { organization: '1' });
    expect(results).toEqual([
      expect.objectContaining({
        kind: 'failure',
        code: 'PERMISSION_DENIED',
        scope: expect.objectContaining({ kind: 'organization', id: '1' }),
      }),
    ]);
  });

  it('a wrong access token fails every project as UNAUTHENTICATED, without leaking the token', async () => {
    const s = await start({ projects: [project('p-one', 1)] });
    const results = await scan(
      s,
      { projects: ['p-one'] },
      { NHI_GCP_ACCESS_TOKEN: 'ya29.wrong-token' },
    );
    expect(results[0]).toMatchObject({ kind: 'failure', code: 'UNAUTHENTICATED' });
    expect(JSON.stringify(results)).not.toContain('wrong-token');
  });

  it('unusable Application Default Credentials are one user error, before any API call', async () => {
    const s = await start({ projects: [project('p-one', 1)] });
    const ctx = makeTestContext({
      now: NOW,
      options: { projects: ['p-one'], rootUrls: rootUrls(s) },
      env: { GOOGLE_APPLICATION_CREDENTIALS: '/nonexistent/nhi-test-key.json' },
    });
    const run = async () => {
      for await (const _ of connector.discover(ctx)) void _;
    };
    await expect(run()).rejects.toThrow(UserError);
    await expect(run()).rejects.toThrow(/no usable credentials/);
    expect(s.requests).toHaveLength(0);
  });

  it('a malformed response fails the project with the call and field named', async () => {
    const s = await start({ projects: [project('garbled', 1)] });
    s.faults.add({
      path: '/v1/projects/garbled/serviceAccounts',
      method: 'GET',
      status: 200,
      times: 1,
      body: { accounts: [{ name: 5 }] },
    });
    const [r] = await scan(s, { projects: ['garbled'] });
    expect(r).toMatchObject({ kind: 'failure' });
    expect((r as ScopeFailure).error).toMatch(/iam\.serviceAccounts\.list.*accounts\[0\]\.name/);
  });

  it('never puts private key material in scan output', async () => {
    const estate = buildGcpDemoEstate(NOW);
    const s = await start(estate);
    // Create a key first so the stand-in holds one whose private key it has handed out.
    const { actions } = await import('./actions.js');
    const ctx = makeTestContext({
      now: NOW,
      options: { rootUrls: rootUrls(s), retry: FAST_RETRY },
      env: { NHI_GCP_ACCESS_TOKEN: s.token },
    });
    const created = await actions.create(ctx, {
      scope: { provider: 'gcp', id: 'of-staging', name: 'of-staging', kind: 'project' },
      identityExternalId: 'qa-bot@of-staging.iam.gserviceaccount.com',
      identityName: 'qa-bot',
      credentialExternalId: 'x',
      type: 'service-account-key',
      attributes: {},
    });
    const results = await scan(s, { organization: COMPANY.gcpOrganizationId });
    const out = JSON.stringify(results) + JSON.stringify(ctx.debugLines);
    expect(out).toContain(created.credential.externalId);
    expect(out).not.toMatch(/PRIVATE KEY|privateKeyData|private_key/);
    expect(out).not.toContain(s.token);
  });
});
