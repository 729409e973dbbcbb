/**
 * What demo, tests and benchmarks need from the AWS stand-in: start it with the demo estate,
 * and connect the connector to it (options and environment, as a user would configure them).
 */
import type { DemoHandle } from '../../../src/connector/index.js';
import { DEMO_CALLER, buildAwsDemoEstate } from './demo.js';
import type { EstateCaller } from './estate.js';
import { startAwsStandIn } from './server.js';

export { startAwsStandIn, type AwsStandIn, type AwsStandInOptions } from './server.js';
export { buildAwsDemoEstate, DEMO_CALLER } from './demo.js';
export type { AwsEstate } from './estate.js';

/** Options and environment that point the connector at a stand-in (or a proxy in front of it). */
export function connect(
  standIn: { url: string },
  caller: Pick<EstateCaller, 'accessKeyId' | 'secretAccessKey'> = DEMO_CALLER,
): { options: Record<string, unknown>; env: Record<string, string> } {
  return {
    options: { endpoint: standIn.url },
    env: {
      AWS_ACCESS_KEY_ID: caller.accessKeyId,
      AWS_SECRET_ACCESS_KEY: caller.secretAccessKey,
      AWS_REGION: 'us-east-1',
    },
  };
}

export async function startDemo(clock: Date): Promise<DemoHandle> {
  const standIn = await startAwsStandIn({ estate: buildAwsDemoEstate(clock), now: () => clock });
  const c = connect(standIn);
  return {
    options: { ...c.options, allAccounts: true, pollIntervalMs: 20, maxAttempts: 3 },
    env: c.env,
    faults: standIn.faults,
    close: () => standIn.close(),
  };
}
