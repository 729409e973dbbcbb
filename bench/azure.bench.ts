/**
 * Azure scan of one synthetic tenant (1,000 app registrations, 2,000 secrets, 5 subscriptions
 * with an AI account each) behind ~20 ms of latency per request, against the latency-bound
 * limit (requests × latency ÷ concurrency): the fastest any client could go with that many
 * requests in flight. Per-app calls (federated credentials, app role assignments) dominate;
 * the bulk listings cost one request per 999 objects. Run: node bench/run.mjs azure
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
const NOW = new Date('2026-11-01T12:00:00Z');
const estate = () => syntheticTenant({ apps: APPS, subscriptions: SUBSCRIPTIONS, now: NOW });

interface Counts {
  requests: number;
  tokenRequests: number;
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

export default async function azureBench() {
  const dir = await mkdtemp(join(tmpdir(), 'nhi-bench-azure-'));
  const caFile = join(dir, 'ca.pem');
  // The stand-in runs in its own process: see stand-in-process.ts.
  const standIn = await startChildStandIn<Counts>(import.meta.url, SERVE_FLAG, caFile);
  let counted: Counts | null = null;
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
      },
      env: { AZURE_CLIENT_ID: 'bench-scanner', AZURE_CLIENT_SECRET: 'bench-secret' },
    });
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    let credentials = 0;
    let grants = 0;
    let apiCalls = 0;
    for await (const r of connector.discover(ctx)) {
      if (r.kind !== 'inventory') throw new Error(`scan failed: ${r.error}`);
      credentials += r.credentials.length;
      grants += r.grants.length;
      apiCalls += r.apiCalls;
    }
    const wallMs = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    counted = await standIn.stop();
    // A fresh stand-in (and certificate) for the replay, so both start from the same state.
    const replay = await startChildStandIn<Counts>(import.meta.url, SERVE_FLAG, caFile);
    let bareMs: number;
    try {
      bareMs = await bareReplay(
        replay.url,
        await readFile(caFile, 'utf8'),
        tenant.tenant.id,
        counted.gets,
      );
    } finally {
      await replay.stop();
    }
    const { requests } = counted;
    const latencyBoundMs = (requests * LATENCY_MS) / CONCURRENCY;
    return {
      applications: APPS,
      subscriptions: SUBSCRIPTIONS,
      credentials,
      grants,
      apiCalls,
      requests,
      tokenRequests: counted.tokenRequests,
      latencyMs: LATENCY_MS,
      concurrency: CONCURRENCY,
      wallMs: Math.round(wallMs),
      latencyBoundMs: Math.round(latencyBoundMs),
      wallOverLatencyBound: +(wallMs / latencyBoundMs).toFixed(2),
      // The same GETs with bare node:https, same concurrency, same run: the machine's own floor.
      bareReplayMs: Math.round(bareMs),
      wallOverBareReplay: +(wallMs / bareMs).toFixed(2),
      // CPU of the scanning process alone (the stand-in is a child process).
      cpuMs: Math.round((cpu.user + cpu.system) / 1000),
      cpuMsPerRequest: +((cpu.user + cpu.system) / 1000 / requests).toFixed(2),
      loadAverage1m: +loadavg()[0]!.toFixed(1),
    };
  } finally {
    if (!counted) await standIn.stop().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}
