/**
 * GitHub scan of one organization with 2,000 repositories behind ~20 ms of latency per
 * request, compared with the latency-bound limit (requests × latency ÷ concurrency): the
 * fastest any client could go with that many requests in flight. Run: node bench/run.mjs github
 */
import { connector } from '../connectors/github/index.js';
import { startGitHubStandIn } from '../connectors/github/stand-in/server.js';
import { peakInFlight } from '../src/connector/stand-in.js';
import { syntheticOrg } from '../connectors/github/stand-in/synthetic.js';
import { makeTestContext } from '../src/connector/testing.js';
import { serveWhenChild, startChildStandIn } from './stand-in-process.js';

const REPOS = Number(process.env.NHI_BENCH_GITHUB_REPOS ?? 2000);
const LATENCY_MS = 20;
const CONCURRENCY = 8;

interface Counts {
  requests: number;
  repoRequests: number;
  maxInFlight: number;
}

const SERVE_FLAG = 'NHI_BENCH_GITHUB_SERVE';
await serveWhenChild<Counts>(SERVE_FLAG, async () => {
  const org = syntheticOrg({
    login: 'bench-org',
    repos: REPOS,
    patGrants: 300,
    every: 10,
    ghec: true,
  });
  const s = await startGitHubStandIn({ estate: { orgs: [org] }, latencyMs: LATENCY_MS });
  return {
    url: s.url,
    counts: () => ({
      requests: s.requests.length,
      repoRequests: s.requests.filter((q) => q.path.startsWith('/repos/')).length,
      maxInFlight: peakInFlight(s.requests),
    }),
    close: s.close,
  };
});

export default async function githubBench() {
  // The stand-in runs in its own process: see stand-in-process.ts.
  const standIn = await startChildStandIn<Counts>(import.meta.url, SERVE_FLAG, '1');
  let counted: Counts | null = null;
  try {
    const ctx = makeTestContext({
      options: {
        orgs: ['bench-org'],
        apiUrl: standIn.url,
        concurrency: CONCURRENCY,
        retryAfterBaseValue: 1,
      },
      env: { GITHUB_TOKEN: 'ghs_benchInstallationToken' },
    });
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    let credentials = 0;
    let apiCalls = 0;
    let gaps = 0;
    for await (const r of connector.discover(ctx)) {
      if (r.kind !== 'inventory') throw new Error(`scan failed: ${r.error}`);
      credentials += r.credentials.length;
      apiCalls += r.apiCalls;
      gaps += r.gaps.length;
    }
    const wallMs = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    counted = await standIn.stop();
    const { requests, repoRequests, maxInFlight } = counted;
    const latencyBoundMs = (requests * LATENCY_MS) / CONCURRENCY;
    return {
      repositories: REPOS,
      latencyMs: LATENCY_MS,
      concurrency: CONCURRENCY,
      requests,
      apiCallsReported: apiCalls,
      requestsPerRepo: +(repoRequests / REPOS).toFixed(2),
      credentials,
      gaps,
      wallSeconds: +(wallMs / 1000).toFixed(1),
      latencyBoundSeconds: +(latencyBoundMs / 1000).toFixed(1),
      wallOverLatencyBound: +(wallMs / latencyBoundMs).toFixed(2),
      peakInFlight: maxInFlight,
      // CPU of the scanning process alone (the stand-in is a child process).
      cpuSeconds: +((cpu.user + cpu.system) / 1e6).toFixed(1),
      cpuMsPerRequest: +((cpu.user + cpu.system) / 1000 / requests).toFixed(2),
      loadAverage1m: +(await import('node:os')).loadavg()[0]!.toFixed(1),
    };
  } finally {
    if (!counted) await standIn.stop().catch(() => undefined);
  }
}
