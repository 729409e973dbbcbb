/**
 * What demo, tests and benchmarks need from the stand-in: start it, and connect a connector
 * to it (options and environment, as a real user would configure them).
 */
import type { DemoHandle } from '../../../src/connector/index.js';
import { demoEstate } from './estate.js';
import { startTemplateStandIn, type TemplateStandIn } from './server.js';

export { startTemplateStandIn, type TemplateStandIn } from './server.js';
export { demoEstate, type TemplateEstate } from './estate.js';

/** Options and environment that point the connector at a stand-in (or a proxy in front of it). */
export function connect(standIn: Pick<TemplateStandIn, 'url' | 'token'>): {
  options: Record<string, unknown>;
  env: Record<string, string>;
} {
  return { options: { baseUrl: standIn.url }, env: { TEMPLATE_API_TOKEN: standIn.token } };
}

export async function startDemo(clock: Date): Promise<DemoHandle> {
  const standIn = await startTemplateStandIn({ estate: demoEstate(clock), now: () => clock });
  return { ...connect(standIn), faults: standIn.faults, close: () => standIn.close() };
}
