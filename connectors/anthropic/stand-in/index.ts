/**
 * What demo, tests and benchmarks need from the Anthropic stand-in: start it with the demo
 * estate, and connect the connector to it (options and environment, as a user would).
 */
import type { DemoHandle } from '../../../src/connector/index.js';
import { buildAnthropicDemoEstate } from './demo.js';
import { startAnthropicStandIn, type AnthropicStandIn } from './server.js';

export { startAnthropicStandIn, type AnthropicStandIn } from './server.js';
export { buildAnthropicDemoEstate, DEMO_ORGANIZATION_ID } from './demo.js';
export { issuedValues, type AnthropicEstate } from './estate.js';

/** The demo pages in small steps, so every listing of it is paginated. */
export const DEMO_PAGE_CAP = 3;

/** Options and environment that point the connector at a stand-in (or a proxy in front of it). */
export function connect(standIn: Pick<AnthropicStandIn, 'url' | 'adminKey'>): {
  options: Record<string, unknown>;
  env: Record<string, string>;
} {
  return { options: { baseUrl: standIn.url }, env: { ANTHROPIC_ADMIN_KEY: standIn.adminKey } };
}

export async function startDemo(clock: Date): Promise<DemoHandle> {
  const standIn = await startAnthropicStandIn({
    estate: buildAnthropicDemoEstate(clock),
    now: () => clock,
    pageCap: DEMO_PAGE_CAP,
  });
  return { ...connect(standIn), faults: standIn.faults, close: () => standIn.close() };
}
