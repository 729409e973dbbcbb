/**
 * Graph JSON batching end to end, with the real pipeline against the stand-in's `$batch`: the
 * per-object reads of a tenant larger than one batch travel 20 to a request and give the same
 * inventory as one request each; a throttled step is retried alone, honouring Retry-After; a
 * garbled step or envelope fails the scope; a denied step leaves the gap it always left; next
 * links and the batch itself stay on the configured origin, under the timeout.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeTestContext } from '../../src/connector/testing.js';
import { startCanary, type Fault, type StandInServer } from '../../src/connector/stand-in.js';
import type { ScopeInventory, ScopeResult } from '../../src/model/index.js';
import { connector } from './index.js';
import { connect, startAzureStandIn, type AzureStandIn } from './stand-in/index.js';
import { syntheticTenant } from './stand-in/synthetic.js';

const NOW = new Date('2026-11-01T12:00:00Z');
const APPS = 45;
/** Pages of 4: the app with 6 federated credentials pages inside its batch step. */
const PAGE = 4;

const estate = syntheticTenant({ apps: APPS, subscriptions: 1, now: NOW });
// Federated credentials on every third app, six on the first (more than a page).
estate.applications.forEach((app, i) => {
  const count = i === 0 ? 6 : i % 3 === 0 ? 1 : 0;
  app.federatedIdentityCredentials = Array.from({ length: count }, (_, k) => ({
    id: `${app.id.slice(0, -4)}f${String(k).padStart(3, '0')}`,
    name: `deploy-${k}`,
    issuer: 'https://token.actions.githubusercontent.com',
    subject: `repo:synthetic/app-${i}:environment:env-${k}`,
    audiences: ['api://AzureADTokenExchange'],
    description: null,
  }));
});
const first = estate.applications[0]!;
const ficPath = (app: { id: string }) =>
  `/v1.0/applications/${app.id}/federatedIdentityCredentials`;
const BATCH = '/v1.0/$batch';

let standIn: AzureStandIn;
let canary: StandInServer;
/** One scan each way, shared by the read-only assertions. */
let batched: ScopeInventory;
let direct: ScopeInventory;
let batchedPosts: number;
let batchedSteps: AzureStandIn['batchedRequests'];
let batchedDirect: AzureStandIn['requests'];

async function scan(extra: Record<string, unknown> = {}, faults: Fault[] = []) {
  standIn.faults.clear();
  for (const f of faults) standIn.faults.add(f);
  standIn.requests.length = 0;
  standIn.batchedRequests.length = 0;
  const { options, env } = connect(standIn, standIn.estate);
  const ctx = makeTestContext({
    now: NOW,
    options: {
      ...options,
      retry: { maxRetries: 3, retryDelayMs: 1, maxRetryDelayMs: 5 },
      ...extra,
    },
    env,
  });
  const out: ScopeResult[] = [];
  for await (const r of connector.discover(ctx)) out.push(r);
  expect(out).toHaveLength(1);
  return out[0]!;
}

async function inventory(extra?: Record<string, unknown>, faults?: Fault[]) {
  const r = await scan(extra, faults);
  if (r.kind !== 'inventory') throw new Error(`expected inventory, got ${JSON.stringify(r)}`);
  return r;
}

/** What a user sees of a scan: everything but the request count. */
const seen = ({ apiCalls: _, ...rest }: ScopeInventory) => rest;

beforeAll(async () => {
  standIn = await startAzureStandIn({ estate, maxPageSize: PAGE, now: () => NOW });
  canary = await startCanary();
  batched = await inventory();
  batchedPosts = standIn.requests.filter((r) => r.path === BATCH).length;
  batchedSteps = [...standIn.batchedRequests];
  batchedDirect = standIn.requests.filter((r) =>
    /\/(federatedIdentityCredentials|appRoleAssignments)$/.test(r.path),
  );
  direct = await inventory({ graphBatchSize: 1 });
});
afterAll(async () => {
  await standIn.close();
  await canary.close();
});
beforeEach(() => {
  canary.requests.length = 0;
});

describe('Graph JSON batching', () => {
  it('reads every object of a tenant larger than one batch, 20 to a request', () => {
    // 45 apps and 45 service principals (Microsoft Graph's own is not read): 3 batches each.
    expect(batchedPosts).toBe(6);
    const steps = batchedSteps.map((s) => s.path);
    expect(steps).toHaveLength(2 * APPS);
    expect(new Set(steps).size).toBe(2 * APPS);
    expect(steps.filter((p) => p.endsWith('/federatedIdentityCredentials'))).toHaveLength(APPS);
    // On its own went only the second page of the first app's six credentials.
    expect(batchedDirect.map((r) => [r.path, r.query.includes('skiptoken')])).toEqual([
      [ficPath(first), true],
    ]);
    const fics = batched.credentials.filter((c) => c.type === 'federated-credential');
    expect(fics).toHaveLength(6 + 14);
    expect(batched.gaps).toEqual([]);
    expect(batched.grants.filter((g) => g.resource === 'Microsoft Graph')).toHaveLength(APPS);
  });

  it('gives the same inventory as one request per object, with fewer requests', () => {
    expect(seen(batched)).toEqual(seen(direct));
    expect(batched.apiCalls).toBeLessThan(direct.apiCalls - 2 * APPS + 10);
  });

  it.each([
    [429, { retryAfter: 1 }],
    [503, { retryAfter: 1 }],
    [504, { retryAfter: undefined }],
  ])('retries a step answered %i alone and its data arrives', async (status, extra) => {
    const inv = await inventory({}, [{ path: ficPath(first), status, ...extra }]);
    const tries = standIn.batchedRequests.filter((r) => r.path === ficPath(first));
    expect(tries.map((r) => r.status)).toEqual([status, 200]);
    // Only the throttled step went again: every other object was read once.
    expect(standIn.batchedRequests).toHaveLength(2 * APPS + 1);
    if (extra.retryAfter !== undefined)
      expect(tries[1]!.startedAt - tries[0]!.endedAt).toBeGreaterThanOrEqual(950);
    expect(seen(inv)).toEqual(seen(batched));
  });

  it('gives up on a step still throttled after the configured attempts: the scope fails', async () => {
    const r = await scan({}, [
      { path: ficPath(first), status: 429, retryAfter: 0, times: Infinity },
    ]);
    expect(r).toMatchObject({ kind: 'failure', code: 'TooManyRequests' });
    expect(standIn.batchedRequests.filter((s) => s.path === ficPath(first))).toHaveLength(4);
  });

  it('fails the scope on a step that is not the document asked for, naming it', async () => {
    const r = await scan({}, [{ path: ficPath(first), body: { kind: 'something else' } }]);
    expect(r).toMatchObject({ kind: 'failure', code: 'InvalidResponse' });
    expect(r.kind === 'failure' && r.error).toContain(`/applications/${first.id}/federated`);
  });

  /** An answer for steps `ids` of the first batch (20 steps), each an empty page. */
  const answering = (ids: string[]) => ({
    responses: ids.map((id) => ({ id, status: 200, body: { value: [] } })),
  });
  const all = Array.from({ length: 20 }, (_, i) => String(i + 1));
  it.each([
    ['not a batch answer', { value: [] }],
    ['a foreign id', answering([...all, '99'])],
    ['the same id twice', answering([...all, '7'])],
    ['a request left unanswered', answering(all.slice(1))],
  ])('fails the scope on an envelope with %s', async (_label, body) => {
    const r = await scan({}, [{ path: BATCH, body }]);
    expect(r).toMatchObject({ kind: 'failure', code: 'InvalidResponse' });
    expect(r.kind === 'failure' && r.error).toMatch(
      /POST https:\/\/127\.0\.0\.1:\d+\/v1\.0\/\$batch/,
    );
  });

  it.each([
    ['denied', 403, 'Authorization_RequestDenied'],
    ['not found', 404, 'Request_ResourceNotFound'],
  ])('leaves the gap a %s object read always left', async (_label, status, code) => {
    const faults = [{ path: '/appRoleAssignments', status, times: Infinity }];
    const inBatches = await inventory({}, faults);
    const oneByOne = await inventory({ graphBatchSize: 1 }, faults);
    expect(inBatches.gaps).toEqual([
      expect.objectContaining({ signal: 'app-role-assignments', code }),
    ]);
    expect(inBatches.incomplete).toEqual(oneByOne.incomplete);
    expect(seen(inBatches)).toEqual(seen(oneByOne));
  });

  it('follows a step’s next link on the configured origin only', async () => {
    const r = await scan({}, [{ path: ficPath(first), foreignLinks: canary.url }]);
    expect(r).toMatchObject({ kind: 'failure', code: 'OffOrigin' });
    expect(canary.requests).toEqual([]);
  });

  it('sends the batch to the configured Graph origin, pinned and under the timeout', async () => {
    const moved = await scan({}, [{ path: BATCH, redirect: `${canary.url}/v1.0/$batch` }]);
    expect(moved).toMatchObject({ kind: 'failure', code: 'OffOrigin' });
    expect(canary.requests).toEqual([]);
    const hung = await scan({ timeoutMs: 1000, maxAttempts: 1 }, [
      { path: BATCH, hang: true, times: Infinity },
    ]);
    expect(hung).toMatchObject({ kind: 'failure', code: 'Timeout' });
    expect(hung.kind === 'failure' && hung.error).toContain('/v1.0/$batch');
  });
});
