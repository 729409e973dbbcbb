/**
 * How an account scan spends its calls (scan-principals.ts): the principals of each
 * GetAccountAuthorizationDetails page are read while the next page is on its way, the account
 * never has more than `concurrency` calls in flight, and Ctrl-C reaches requests already sent.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { connector } from './index.js';
import { startAwsStandIn, type AwsStandIn } from './stand-in/server.js';
import { buildSyntheticAwsEstate, SYNTHETIC_CALLER } from './stand-in/synthetic.js';
import { makeTestContext } from '../../src/connector/testing.js';
import type { ScopeInventory, ScopeResult } from '../../src/model/index.js';

const now = new Date('2026-11-01T12:00:00Z');
const env = {
  AWS_ACCESS_KEY_ID: SYNTHETIC_CALLER.accessKeyId,
  AWS_SECRET_ACCESS_KEY: SYNTHETIC_CALLER.secretAccessKey,
};

let standIn: AwsStandIn | null = null;
afterEach(async () => {
  await standIn?.close();
  standIn = null;
});

async function scan(options: Record<string, unknown>, signal?: AbortSignal) {
  const ctx = makeTestContext({
    now,
    ...(signal ? { signal } : {}),
    options: { endpoint: standIn!.url, maxAttempts: 3, pollIntervalMs: 5, ...options },
    env,
  });
  const out: ScopeResult[] = [];
  for await (const r of connector.discover(ctx)) out.push(r);
  return out;
}

/** The most IAM requests the stand-in was answering at one moment. */
function mostInFlight(s: AwsStandIn): number {
  const edges = s.requests
    .filter((r) => r.operation !== 'LookupEvents') // CloudTrail keeps its own pace beside
    .flatMap((r) => [
      [r.startedAt, 1],
      [r.endedAt, -1],
    ])
    .sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
  let now = 0;
  let most = 0;
  for (const [, d] of edges) most = Math.max(most, (now += d!));
  return most;
}

describe('AWS account scan: calls', () => {
  it('reads principals while GAAD pages still arrive, within the concurrency limit', async () => {
    standIn = await startAwsStandIn({
      estate: buildSyntheticAwsEstate({ users: 300, now, seed: 3 }),
      latencyMs: 5,
      now: () => now,
    });
    const results = await scan({ concurrency: 4, pageSize: 40 });
    const inv = results[0] as ScopeInventory;
    expect(inv.kind).toBe('inventory');
    // 300 users and the scanner's own
    expect(inv.identities.filter((i) => i.kind === 'user')).toHaveLength(301);

    const gaad = standIn.requests.filter((r) => r.operation === 'GetAccountAuthorizationDetails');
    expect(gaad.length).toBeGreaterThan(5);
    const lastPage = Math.max(...gaad.map((r) => r.startedAt));
    const readsBefore = standIn.requests.filter(
      (r) => r.operation === 'ListServiceSpecificCredentials' && r.startedAt < lastPage,
    );
    expect(readsBefore.length).toBeGreaterThan(0);
    expect(mostInFlight(standIn)).toBeLessThanOrEqual(4);
  });

  it('keeps to one call at a time when concurrency is 1', async () => {
    standIn = await startAwsStandIn({
      estate: buildSyntheticAwsEstate({ users: 30, now, seed: 3 }),
      latencyMs: 2,
      now: () => now,
    });
    const results = await scan({ concurrency: 1, pageSize: 10 });
    expect(results[0]!.kind).toBe('inventory');
    expect(mostInFlight(standIn)).toBe(1);
  });

  it('an abort ends the scan without waiting for the answers in flight', async () => {
    standIn = await startAwsStandIn({
      estate: buildSyntheticAwsEstate({ users: 50, now, seed: 3 }),
      latencyMs: 3_000,
      now: () => now,
    });
    const abort = new AbortController();
    const started = performance.now();
    // GetCallerIdentity is answered at 3 s; the account's first reads would be at 6 s.
    setTimeout(() => abort.abort(new Error('interrupted')), 3_500);
    await expect(scan({ cloudTrail: false }, abort.signal)).rejects.toThrow(/^interrupted$/);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('an abort while asking who the caller is is not reported as rejected credentials', async () => {
    standIn = await startAwsStandIn({
      estate: buildSyntheticAwsEstate({ users: 5, now, seed: 3 }),
      latencyMs: 3_000,
      now: () => now,
    });
    const abort = new AbortController();
    setTimeout(() => abort.abort(new Error('interrupted')), 200);
    await expect(scan({}, abort.signal)).rejects.toThrow(/^interrupted$/);
  });
});
