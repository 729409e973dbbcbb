/**
 * What demo, tests and benchmarks need from the OpenAI stand-in: start it with the demo
 * estate, and connect the connector to it (options and environment, as a user would).
 */
import type { DemoHandle } from '../../../src/connector/index.js';
import { DEMO_ORGANIZATION, buildOpenaiDemoEstate } from './demo.js';
import { startOpenaiStandIn, type OpenaiStandIn } from './server.js';

export { startOpenaiStandIn, type OpenaiStandIn } from './server.js';
export { buildOpenaiDemoEstate, DEMO_ORGANIZATION } from './demo.js';
export { issuedValues, type OpenaiEstate } from './estate.js';

/** The demo pages in small steps, so every listing of it is paginated. */
export const DEMO_PAGE_CAP = 2;

/** Options and environment that point the connector at a stand-in (or a proxy in front of it). */
export function connect(standIn: Pick<OpenaiStandIn, 'url' | 'adminKey'>): {
  options: Record<string, unknown>;
  env: Record<string, string>;
} {
  return { options: { baseUrl: `${standIn.url}/v1` }, env: { OPENAI_ADMIN_KEY: standIn.adminKey } };
}

export async function startDemo(clock: Date): Promise<DemoHandle> {
  const standIn = await startOpenaiStandIn({
    estate: buildOpenaiDemoEstate(clock),
    now: () => clock,
    pageCap: DEMO_PAGE_CAP,
  });
  const { options, env } = connect(standIn);
  // The Admin API does not name the organization: the demo config does, as a user's would.
  const organizations = [{ ...DEMO_ORGANIZATION, keyEnv: 'OPENAI_ADMIN_KEY' }];
  return {
    options: { ...options, organizations },
    env,
    faults: standIn.faults,
    close: () => standIn.close(),
  };
}
