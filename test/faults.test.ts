/**
 * The fault suite (fixtures/fault-suite.ts) against every connector's demo stand-in: the built
 * CLI scans each with 5xx, throttling, garbage, truncation, wrong documents, foreign redirects
 * and links, hangs and kill -9 injected. Prints the matrix (cases × connectors).
 */
import { afterAll } from 'vitest';
import { PROVIDERS, loadConnector } from '../src/connector/registry.js';
import { FaultMatrix, faultSuite } from '../fixtures/fault-suite.js';

const matrix = new FaultMatrix([...PROVIDERS]);
afterAll(() => matrix.print());

for (const provider of PROVIDERS)
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
