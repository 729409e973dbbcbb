/**
 * Azure scan of one synthetic tenant (1,000 app registrations, 2,000 secrets, 5 subscriptions)
 * behind ~20 ms of latency per request, against the latency-bound limit (requests × latency ÷
 * concurrency). Per-app calls (federated credentials, app role assignments) dominate; the
 * bulk listings cost one request per 999 objects. Run: node bench/run.mjs azure
 */
import { connector } from '../connectors/azure/index.js';
import { startAzureStandIn } from '../connectors/azure/stand-in/index.js';
import { syntheticTenant } from '../connectors/azure/stand-in/synthetic.js';
import { makeTestContext } from '../src/connector/testing.js';

const APPS = 1000;
const SUBSCRIPTIONS = 5;
const LATENCY_MS = 20;
const CONCURRENCY = 8;

export default async function azureBench() {
  const now = new Date('2026-11-01T12:00:00Z');
  const estate = syntheticTenant({ apps: APPS, subscriptions: SUBSCRIPTIONS, now });
  const standIn = await startAzureStandIn({ estate, latencyMs: LATENCY_MS, now: () => now });
  try {
    const ctx = makeTestContext({
      now,
      options: {
        tenantId: estate.tenant.id,
        authorityHost: standIn.url,
        graphEndpoint: standIn.url,
        armEndpoint: standIn.url,
        caFile: standIn.caFile,
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
    const requests = standIn.requests.length;
    const latencyBoundMs = (requests * LATENCY_MS) / CONCURRENCY;
    return {
      applications: APPS,
      subscriptions: SUBSCRIPTIONS,
      credentials,
      grants,
      apiCalls,
      requests,
      latencyMs: LATENCY_MS,
      concurrency: CONCURRENCY,
      wallMs: Math.round(wallMs),
      latencyBoundMs: Math.round(latencyBoundMs),
      cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    };
  } finally {
    await standIn.close();
  }
}
