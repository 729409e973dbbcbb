/**
 * AWS connector scan throughput against the stand-in with realistic per-request latency.
 * Figures per estate size, each measured in this run:
 *  - wallVsLatencyBound: wall time ÷ (requests × latency ÷ concurrency). 1.0 = the scan is
 *    bound only by API latency and the concurrency limit; higher = overhead of our own.
 *  - apiCallsPerIdentity: requests the stand-in served ÷ identities inventoried.
 *  - peakRssMb: peak resident memory of the scanning process (the stand-in runs in a child).
 * Env: NHI_BENCH_AWS_SIZES (default "1000,10000"), NHI_BENCH_AWS_BUDGET_S (default 180): a
 * size that overruns the budget is aborted and reported as scaled from the previous size.
 */
import os from 'node:os';
import { connector } from '../connectors/aws/index.js';
import { startAwsStandIn } from '../connectors/aws/stand-in/server.js';
import { buildSyntheticAwsEstate, SYNTHETIC_CALLER } from '../connectors/aws/stand-in/synthetic.js';
import { makeTestContext } from '../src/connector/testing.js';
import { serveWhenChild, startChildStandIn } from './stand-in-process.js';

const LATENCY_MS = 20;
const CONCURRENCY = 8;

interface Counts {
  total: number;
  byAction: Record<string, number>;
}

const SERVE_FLAG = 'NHI_BENCH_AWS_SERVE';
await serveWhenChild<Counts>(SERVE_FLAG, async (users) => {
  const now = new Date('2026-11-01T12:00:00Z');
  const s = await startAwsStandIn({
    estate: buildSyntheticAwsEstate({ users: Number(users), now, seed: 7 }),
    latencyMs: LATENCY_MS,
    now: () => now,
  });
  return {
    url: s.url,
    counts: () => ({ total: s.requests.total, byAction: s.requests.byAction }),
    close: s.close,
  };
});

interface Figures {
  users: number;
  identities: number;
  credentials: number;
  grants: number;
  requests: number;
  wallSeconds: number;
  cpuSeconds: number;
  cpuMsPerRequest: number;
  latencyBoundSeconds: number;
  wallVsLatencyBound: number;
  apiCallsPerIdentity: number;
  peakRssMb: number;
  requestsByAction: Record<string, number>;
  /** Seconds from the start to the first and last progress event of each phase. */
  phases: Record<string, [number, number]>;
  loadAverage: [number, number];
}

async function run(
  users: number,
  budgetMs: number,
): Promise<Figures | { users: number; aborted: true; afterSeconds: number }> {
  const now = new Date('2026-11-01T12:00:00Z');
  const standIn = await startChildStandIn<Counts>(import.meta.url, SERVE_FLAG, String(users));
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(new Error('bench budget exceeded')), budgetMs);
  // rss() alone: memoryUsage() walks the heap spaces, and at 10 Hz that is the bench's own cost.
  let peak = process.memoryUsage.rss();
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 100);
  const ctx = makeTestContext({
    now,
    signal: abort.signal,
    options: {
      endpoint: standIn.url,
      concurrency: CONCURRENCY,
      pollIntervalMs: LATENCY_MS,
      maxAttempts: 3,
    },
    env: {
      AWS_ACCESS_KEY_ID: SYNTHETIC_CALLER.accessKeyId,
      AWS_SECRET_ACCESS_KEY: SYNTHETIC_CALLER.secretAccessKey,
    },
  });
  const phases: Record<string, [number, number]> = {};
  const seconds = () => +((performance.now() - started) / 1000).toFixed(2);
  ctx.progress = (u) => {
    const at = seconds();
    const seen = phases[u.phase];
    if (seen) seen[1] = at;
    else phases[u.phase] = [at, at];
  };
  const loadBefore = os.loadavg()[0]!;
  const started = performance.now();
  const cpuStart = process.cpuUsage();
  let identities = 0;
  let credentials = 0;
  let grants = 0;
  try {
    for await (const r of connector.discover(ctx)) {
      if (r.kind !== 'inventory') throw new Error(`scan failed: ${r.error}`);
      identities += r.identities.length;
      credentials += r.credentials.length;
      grants += r.grants.length;
    }
  } catch (e) {
    // The stand-in child must stop either way: its open pipe would keep this process alive.
    await standIn.stop().catch(() => undefined);
    if (abort.signal.aborted)
      return {
        users,
        aborted: true,
        afterSeconds: Math.round((performance.now() - started) / 1000),
      };
    throw e;
  } finally {
    clearTimeout(timer);
    clearInterval(sampler);
  }
  const wall = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const counted = await standIn.stop();
  const requests = counted.total;
  const bound = (requests * LATENCY_MS) / CONCURRENCY / 1000;
  return {
    users,
    identities,
    credentials,
    grants,
    requests,
    wallSeconds: +wall.toFixed(2),
    // CPU of the scan alone (the stand-in is another process); near wallSeconds = CPU-bound.
    cpuSeconds: +((cpu.user + cpu.system) / 1e6).toFixed(2),
    // The scan's CPU per request: the SDK's signing, middleware and parsing plus our own.
    cpuMsPerRequest: +((cpu.user + cpu.system) / 1e3 / requests).toFixed(2),
    latencyBoundSeconds: +bound.toFixed(2),
    wallVsLatencyBound: +(wall / bound).toFixed(2),
    apiCallsPerIdentity: +(requests / identities).toFixed(2),
    peakRssMb: Math.round(peak / 1048576),
    requestsByAction: counted.byAction,
    phases,
    loadAverage: [loadBefore, os.loadavg()[0]!],
  };
}

export default async function bench() {
  const sizes = (process.env.NHI_BENCH_AWS_SIZES ?? '1000,10000').split(',').map(Number);
  const budgetMs = Number(process.env.NHI_BENCH_AWS_BUDGET_S ?? 180) * 1000;
  const out: Record<string, unknown> = {
    latencyMs: LATENCY_MS,
    concurrency: CONCURRENCY,
    loadAverage: os.loadavg()[0],
    cpus: os.cpus().length,
  };
  let previous: Figures | null = null;
  for (const users of sizes) {
    const r = await run(users, budgetMs);
    if ('aborted' in r) {
      out[`users${users}`] = {
        ...r,
        note: `did not finish within ${budgetMs / 1000}s`,
        ...(previous
          ? {
              scaledFrom: previous.users,
              estimatedWallSeconds: +((previous.wallSeconds * users) / previous.users).toFixed(1),
            }
          : {}),
      };
      break;
    }
    out[`users${users}`] = r;
    previous = r;
  }
  return out;
}
