/**
 * What demo, tests and benchmarks need from the stand-in: start it, and connect a connector
 * to it (options and environment, as a real user would configure them).
 */
import type { DemoHandle } from '../../../src/connector/index.js';
import { demoEstate } from './estate.js';
import { startAnthropicStandIn, type AnthropicStandIn } from './server.js';

export { startAnthropicStandIn, type AnthropicStandIn } from './server.js';
export { demoEstate, type AnthropicEstate } from './estate.js';

/** Options and environment that point the connector at a stand-in (or a proxy in front of it). */
export function connect(standIn: Pick<AnthropicStandIn, 'url' | 'token'>): {
  options: Record<string, unknown>;
  env: Record<string, string>;
} {
  return { options: { baseUrl: standIn.url }, env: { ANTHROPIC_API_TOKEN: standIn.token } };
}

export async function startDemo(clock: Date): Promise<DemoHandle> {
  const standIn = await startAnthropicStandIn({ estate: demoEstate(clock), now: () => clock });
  return { ...connect(standIn), faults: standIn.faults, close: () => standIn.close() };
}
