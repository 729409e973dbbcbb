/**
 * What demo, tests and benchmarks need from the GCP stand-in: start it, and connect the
 * connector to it (options and environment, as a real user would configure them).
 */
import { COMPANY } from '../../../fixtures/demo/company.js';
import type { DemoHandle } from '../../../src/connector/index.js';
import type { RootUrls } from '../options.js';
import { buildGcpDemoEstate } from './demo.js';
import { startGcpStandIn } from './server.js';

export { startGcpStandIn, GCP_STAND_IN_TOKEN, type GcpStandIn } from './server.js';
export { buildGcpDemoEstate } from './demo.js';
export { NEVER_EXPIRES, type GcpEstate } from './estate.js';

/** Options and environment that point the connector at a stand-in (or a proxy in front of it). */
export function connect(standIn: { url: string; token: string }): {
  options: Record<string, unknown>;
  env: Record<string, string>;
} {
  const url = standIn.url;
  const rootUrls: RootUrls = {
    iam: url,
    cloudresourcemanager: url,
    policyanalyzer: url,
    recommender: url,
    apikeys: url,
    oauth2: url,
  };
  return {
    // Short backoff: the stand-in answers at once, so waiting longer only slows faults down.
    options: { rootUrls, retry: { baseDelayMs: 10, maxDelayMs: 100 } },
    env: { NHI_GCP_ACCESS_TOKEN: standIn.token },
  };
}

export async function startDemo(clock: Date): Promise<DemoHandle> {
  const standIn = await startGcpStandIn({ estate: buildGcpDemoEstate(clock), now: () => clock });
  const c = connect(standIn);
  return {
    options: { ...c.options, organization: COMPANY.gcpOrganizationId },
    env: c.env,
    faults: standIn.faults,
    close: () => standIn.close(),
  };
}
