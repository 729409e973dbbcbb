/**
 * GCP scan of one synthetic organization (500 projects in 10 folders, 5,000 service accounts
 * with a user-managed key each) behind 20 ms of latency per request, against the latency-bound
 * limit: requests × latency ÷ concurrency (the scan's request budget). Per project: the
 * service-account listing, one key listing per account (the API has no bulk form), two Policy
 * Analyzer queries, the IAM policy, IAM Recommender and API keys; folder and organization
 * policies once per scan. The stand-in runs in a child process.
 * Env: NHI_BENCH_GCP_PROJECTS (default 500), NHI_BENCH_GCP_SAS (per project, default 10),
 * NHI_BENCH_GCP_RUNS (default 1), NHI_BENCH_GCP_LATENCY_MS (default 20; a larger latency shows how
 * well the scan keeps its budget busy apart from CPU). Run: node bench/run.mjs gcp
 */
import os from 'node:os';
import { connector } from '../connectors/gcp/index.js';
import { GCP_STAND_IN_TOKEN, connect, startGcpStandIn } from '../connectors/gcp/stand-in/index.js';
import { syntheticOrganization } from '../connectors/gcp/stand-in/synthetic.js';
import { makeTestContext } from '../src/connector/testing.js';
import { serveWhenChild, startChildStandIn } from './stand-in-process.js';

const LATENCY_MS = Number(process.env.NHI_BENCH_GCP_LATENCY_MS ?? 20);
const CONCURRENCY = 8;
const NOW = new Date('2026-11-01T12:00:00Z');

interface Counts {
  total: number;
}

const SERVE_FLAG = 'NHI_BENCH_GCP_SERVE';
await serveWhenChild<Counts>(SERVE_FLAG, async (arg) => {
  const [projects, serviceAccountsPerProject] = arg.split(',').map(Number);
  const s = await startGcpStandIn({
    estate: syntheticOrganization({
      projects: projects!,
      serviceAccountsPerProject: serviceAccountsPerProject!,
      now: NOW,
    }),
    latencyMs: LATENCY_MS,
    now: () => NOW,
  });
  return {
    url: s.url,
    counts: () => ({ total: s.requests.length }),
    close: s.close,
  };
});

/**
 * The floor, measured in the same run against a stand-in of its own: the same requests a scan
 * makes per project, sent with bare fetch at the same concurrency and their bodies parsed.
 * What the scan spends above it is the SDKs', the kit's and the connector's own work.
 */
async function floor(
  projects: number,
  serviceAccountsPerProject: number,
): Promise<{ seconds: number; cpuSeconds: number }> {
  const child = await startChildStandIn<Counts>(
    import.meta.url,
    SERVE_FLAG,
    `${projects},${serviceAccountsPerProject}`,
  );
  const base = child.url;
  const headers = { authorization: `Bearer ${GCP_STAND_IN_TOKEN}` };
  const requests: (() => Promise<Response>)[] = [];
  for (let p = 0; p < projects; p++) {
    const id = `synthetic-${String(p).padStart(4, '0')}`;
    const get = (path: string) => () => fetch(`${base}${path}`, { headers });
    requests.push(get(`/v1/projects/${id}/serviceAccounts?pageSize=100`));
    for (let a = 0; a < serviceAccountsPerProject; a++)
      requests.push(
        get(`/v1/projects/${id}/serviceAccounts/workload-${a}@${id}.iam.gserviceaccount.com/keys`),
      );
    for (const type of ['serviceAccountLastAuthentication', 'serviceAccountKeyLastAuthentication'])
      requests.push(
        get(
          `/v1/projects/${id}/locations/global/activityTypes/${type}/activities:query?pageSize=1000`,
        ),
      );
    requests.push(() =>
      fetch(`${base}/v3/projects/${id}:getIamPolicy`, {
        method: 'POST',
        headers,
        body: '{"options":{"requestedPolicyVersion":3}}',
      }),
    );
    requests.push(
      get(
        `/v1/projects/${id}/locations/global/recommenders/google.iam.policy.Recommender/recommendations?pageSize=500`,
      ),
    );
    requests.push(get(`/v2/projects/${id}/locations/global/keys?pageSize=300`));
  }
  const started = performance.now();
  const cpuStart = process.cpuUsage();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < requests.length) {
        const res = await requests[next++]!();
        JSON.parse(await res.text());
        if (!res.ok) throw new Error(`floor: HTTP ${res.status}`);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  await child.stop();
  return { seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

async function run(projects: number, serviceAccountsPerProject: number) {
  const child = await startChildStandIn<Counts>(
    import.meta.url,
    SERVE_FLAG,
    `${projects},${serviceAccountsPerProject}`,
  );
  const c = connect({ url: child.url, token: GCP_STAND_IN_TOKEN });
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
  const ctx = makeTestContext({
    now: NOW,
    options: { ...c.options, organization: '900000000001', concurrency: CONCURRENCY },
    env: c.env,
  });
  const started = performance.now();
  const cpuStart = process.cpuUsage();
  let identities = 0;
  let credentials = 0;
  let grants = 0;
  let apiCalls = 0;
  try {
    for await (const r of connector.discover(ctx)) {
      if (r.kind !== 'inventory') throw new Error(`scan failed: ${r.error}`);
      identities += r.identities.length;
      credentials += r.credentials.length;
      grants += r.grants.length;
      apiCalls += r.apiCalls;
    }
  } finally {
    clearInterval(sampler);
  }
  const wall = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const { total: requests } = await child.stop();
  const bound = (requests * LATENCY_MS) / CONCURRENCY / 1000;
  const bare = await floor(projects, serviceAccountsPerProject);
  return {
    projects,
    serviceAccounts: projects * serviceAccountsPerProject,
    identities,
    credentials,
    grants,
    requests,
    apiCalls,
    wallSeconds: +wall.toFixed(2),
    cpuSeconds: +((cpu.user + cpu.system) / 1e6).toFixed(2),
    latencyBoundSeconds: +bound.toFixed(2),
    wallVsLatencyBound: +(wall / bound).toFixed(2),
    bareFetchSeconds: +bare.seconds.toFixed(2),
    bareFetchCpuSeconds: +bare.cpuSeconds.toFixed(2),
    wallVsBareFetch: +(wall / bare.seconds).toFixed(2),
    requestsPerProject: +(requests / projects).toFixed(2),
    peakRssMb: Math.round(peak / 1048576),
  };
}

export default async function bench() {
  const projects = Number(process.env.NHI_BENCH_GCP_PROJECTS ?? 500);
  const perProject = Number(process.env.NHI_BENCH_GCP_SAS ?? 10);
  const runs = Number(process.env.NHI_BENCH_GCP_RUNS ?? 1);
  const out: Record<string, unknown> = {
    latencyMs: LATENCY_MS,
    concurrency: CONCURRENCY,
    loadAverage: os.loadavg()[0],
    cpus: os.cpus().length,
  };
  for (let i = 1; i <= runs; i++) out[`run${i}`] = await run(projects, perProject);
  return out;
}
