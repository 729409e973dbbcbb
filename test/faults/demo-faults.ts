/**
 * The fault suite (fixtures/fault-suite.ts) against connectors' demo stand-ins: the built CLI
 * scans each with 5xx, throttling, garbage, truncation, wrong documents, foreign redirects and
 * links, hangs and kill -9 injected, and prints the matrix (cases × connectors). Every connector
 * is in one of the `*.test.ts` files beside this one (split so the runner spreads them over
 * its workers); test/architecture.test.ts checks none is left out.
 */
import { afterAll } from 'vitest';
import { loadConnector } from '../../src/connector/registry.js';
import type { ProviderId } from '../../src/connector/index.js';
import { FaultMatrix, faultSuite } from '../../fixtures/fault-suite.js';

export function demoFaultSuite(providers: readonly ProviderId[]): void {
  const matrix = new FaultMatrix([...providers]);
  afterAll(() => matrix.print());
  for (const provider of providers)
    faultSuite({
      name: `fault suite: ${provider}`,
      provider,
      column: provider,
      matrix,
      async start() {
        const demo = await (await loadConnector(provider)).startDemo(new Date());
        if (!demo.faults) {
          await demo.close();
          // Every connector's stand-in takes faults (CONTRIBUTING): none is exempt from the suite.
          throw new Error(`${provider}: its demo stand-in exposes no fault set`);
        }
        return { options: demo.options, env: demo.env, faults: demo.faults, close: demo.close };
      },
    });
}

/** The connectors each fault-suite file covers (together: every connector). */
export const FAULT_SUITE_SHARDS: Record<string, readonly ProviderId[]> = {
  cloud: ['aws', 'azure', 'gcp'],
  platforms: ['github', 'openai', 'anthropic'],
};
