/**
 * Azure scan of one synthetic tenant (1,000 app registrations, 2,000 secrets, 5 subscriptions
 * with an AI account each) behind ~20 ms of latency per request, against the latency-bound
 * limit (requests × latency ÷ concurrency): the fastest any client could go with that many
 * requests in flight. The per-object reads (federated credentials, app role assignments) go
 * in Graph JSON batches of 20 ("after") or one request each (`graphBatchSize: 1`, "before",
 * today's path until batching): both are measured in the same run, alternating, RUNS times
 * (NHI_BENCH_AZURE_RUNS, default 3), with the bare node:https replay of the unbatched GETs as
 * the machine's floor. Run: node bench/run.mjs azure
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:https';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { connector } from '../connectors/azure/index.js';
import { startAzureStandIn } from '../connectors/azure/stand-in/index.js';
import { syntheticTenant } from '../connectors/azure/stand-in/synthetic.js';
import { makeTestContext } from '../src/connector/testing.js';
import { serveWhenChild, startChildStandIn } from './stand-in-process.js';

const APPS = 1000;
const SUBSCRIPTIONS = 5;
const LATENCY_MS = 20;
const CONCURRENCY = 8;
const RUNS = Number(process.env.NHI_BENCH_AZURE_RUNS ?? 3);
const NOW = new Date('2026-11-01T12:00:00Z');
const estate = () => syntheticTenant({ apps: APPS, subscriptions: SUBSCRIPTIONS, now: NOW });

interface Counts {
  requests: number;
  tokenRequests: number;
  batches: number;
  /** Steps served inside batches (each a read that would otherwise be its own request). */
  batchedSteps: number;
  /** Server-side time of every request added up (÷ wall: the mean number in flight). */
  busyMs: number;
  /** Every GET the scan sent (path and query), for the bare replay. */
  gets: string[];
}

const SERVE_FLAG = 'NHI_BENCH_AZURE_SERVE';
// The child writes its certificate where the parent asked (the argument), then prints its URL.
await serveWhenChild<Counts>(SERVE_FLAG, async (caFile) => {
  const s = await startAzureStandIn({ estate: estate(), latencyMs: LATENCY_MS, now: () => NOW });
  await writeFile(caFile, s.caPem);
  return {
    url: s.url,
    counts: () => ({
      requests: s.requests.length,
      tokenRequests: s.requests.filter((r) => r.path.endsWith('/token')).length,
      batches: s.requests.filter((r) => r.path.endsWith('/$batch')).length,
      batchedSteps: s.batchedRequests.length,
      busyMs: s.requests.reduce((t, r) => t + (r.endedAt - r.startedAt), 0),
      gets: s.requests
        .filter((r) => r.method === 'GET' && !r.path.includes('openid-configuration'))
        .map((r) => `${r.path}${r.query ? `?${r.query}` : ''}`),
    }),
    close: s.close,
  };
});

/** One HTTPS request with node:https alone: no SDK, no pipeline, no parsing beyond the token. */
function bare(agent: Agent, url: string, init: { method?: string; token?: string; body?: string }) {
  return new Promise<string>((resolve, reject) => {
    const req = request(
      url,
      {
        agent,
        method: init.method ?? 'GET',
        headers: {
          ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
          ...(init.body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve(text));
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}

/**
 * The floor measured in the same run: the scan's own GETs replayed with bare node:https at the
 * same concurrency against the same stand-in, so load on the machine weighs on both alike.
 */
async function bareReplay(url: string, ca: string, tenantId: string, gets: string[]) {
  const agent = new Agent({ keepAlive: true, ca });
  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: 'bench-scanner',
    client_secret: 'bench-secret',
    scope: `${url}/.default`,
  });
  const started = performance.now();
  const { access_token: token } = JSON.parse(
    await bare(agent, `${url}/${tenantId}/oauth2/v2.0/token`, { method: 'POST', body: `${form}` }),
  ) as { access_token: string };
  const queue = [...gets];
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let next = queue.shift(); next; next = queue.shift())
        JSON.parse(await bare(agent, `${url}${next}`, { token }));
    }),
  );
  agent.destroy();
  return performance.now() - started;
}

interface Run {
  wallMs: number;
  cpuMs: number;
  identities: number;
  credentials: number;
  grants: number;
  counts: Counts;
}

let scans = 0;
/** One scan against a fresh stand-in process; graphBatchSize 1 is the unbatched path. */
async function scanOnce(dir: string, graphBatchSize: number): Promise<Run> {
  // A file per stand-in: the connector keeps one connection pool per caFile path.
  const caFile = join(dir, `ca-${++scans}.pem`);
  const standIn = await startChildStandIn<Counts>(import.meta.url, SERVE_FLAG, caFile);
  let counts: Counts | null = null;
  try {
    const tenant = estate();
    const ctx = makeTestContext({
      now: NOW,
      options: {
        tenantId: tenant.tenant.id,
        authorityHost: standIn.url,
        graphEndpoint: standIn.url,
        armEndpoint: standIn.url,
        caFile,
        concurrency: CONCURRENCY,
        graphBatchSize,
      },
      env: { AZURE_CLIENT_ID: 'bench-scanner', AZURE_CLIENT_SECRET: 'bench-secret' },
    });
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const run = { identities: 0, credentials: 0, grants: 0 };
    for await (const r of connector.discover(ctx)) {
      if (r.kind !== 'inventory') throw new Error(`scan failed: ${r.error}`);
      run.identities += r.identities.length;
      run.credentials += r.credentials.length;
      run.grants += r.grants.length;
    }
    const wallMs = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    counts = await standIn.stop();
    return { ...run, wallMs, cpuMs: (cpu.user + cpu.system) / 1000, counts };
  } finally {
    if (!counts) await standIn.stop().catch(() => undefined);
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const r2 = (x: number) => +x.toFixed(2);

/** The figures of one way of scanning, over its runs (medians; every run's ratio listed). */
function summary(runs: Run[], bareMs: number[]) {
  const { counts, identities, credentials, grants } = runs[0]!;
  const boundMs = (counts.requests * LATENCY_MS) / CONCURRENCY;
  const wall = runs.map((r) => r.wallMs);
  return {
    identities,
    credentials,
    grants,
    requests: counts.requests,
    batches: counts.batches,
    batchedSteps: counts.batchedSteps,
    tokenRequests: counts.tokenRequests,
    latencyBoundMs: Math.round(boundMs),
    wallMs: wall.map(Math.round),
    wallOverLatencyBound: wall.map((w) => r2(w / boundMs)),
    wallOverBareReplay: wall.map((w, i) => r2(w / bareMs[i]!)),
    // Server-side request time ÷ wall: how many requests were in flight on average.
    meanInFlight: runs.map((r) => r2(r.counts.busyMs / r.wallMs)),
    cpuMs: runs.map((r) => Math.round(r.cpuMs)),
    cpuMsPerRequest: r2(median(runs.map((r) => r.cpuMs)) / counts.requests),
    cpuMsPerIdentity: r2(median(runs.map((r) => r.cpuMs)) / identities),
    requestsPerIdentity: r2(counts.requests / identities),
  };
}

export default async function azureBench() {
  const dir = await mkdtemp(join(tmpdir(), 'nhi-bench-azure-'));
  const caFile = join(dir, 'ca.pem');
  const loads: number[] = [loadavg()[0]!];
  try {
    const before: Run[] = [];
    const after: Run[] = [];
    const bare: number[] = [];
    const tenantId = estate().tenant.id;
    for (let i = 0; i < RUNS; i++) {
      // Alternate which goes first, so a drift in the machine's load weighs on both alike.
      for (const batched of i % 2 ? [true, false] : [false, true])
        (batched ? after : before).push(await scanOnce(dir, batched ? 20 : 1));
      // The machine's floor in the same round: the unbatched GETs over bare node:https.
      const replay = await startChildStandIn<Counts>(import.meta.url, SERVE_FLAG, caFile);
      try {
        bare.push(
          await bareReplay(
            replay.url,
            await readFile(caFile, 'utf8'),
            tenantId,
            before.at(-1)!.counts.gets,
          ),
        );
      } finally {
        await replay.stop();
      }
      loads.push(loadavg()[0]!);
    }
    const b = summary(before, bare);
    const a = summary(after, bare);
    return {
      applications: APPS,
      subscriptions: SUBSCRIPTIONS,
      latencyMs: LATENCY_MS,
      concurrency: CONCURRENCY,
      runs: RUNS,
      sameInventory:
        a.identities === b.identities && a.credentials === b.credentials && a.grants === b.grants,
      bareReplayMs: bare.map(Math.round),
      bareReplayOverLatencyBound: bare.map((m) => r2(m / b.latencyBoundMs)),
      before: b,
      after: a,
      // The question users ask: how much sooner the scan ends (median of the runs).
      afterWallOverBefore: r2(
        median(after.map((r) => r.wallMs)) / median(before.map((r) => r.wallMs)),
      ),
      afterCpuOverBefore: r2(
        median(after.map((r) => r.cpuMs)) / median(before.map((r) => r.cpuMs)),
      ),
      loadAverage1m: loads.map((l) => +l.toFixed(1)),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
