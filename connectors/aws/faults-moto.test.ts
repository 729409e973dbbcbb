/**
 * The fault suite (fixtures/fault-suite.ts) against moto, an independent AWS emulator, behind
 * the kit's fault proxy: the same cases as against the stand-in, so the connector's defences do
 * not depend on the stand-in's own way of answering. Prints its matrix. Skipped, with the
 * reason, where moto is not installed.
 */
import { afterAll, describe } from 'vitest';
import { IAMClient } from '@aws-sdk/client-iam';
import { startFaultProxy } from '../../src/connector/stand-in.js';
import { FaultMatrix, faultSuite } from '../../fixtures/fault-suite.js';
import { clientConfig, motoMissing, seedMoto, startMoto } from './stand-in/moto.js';
import { TEST_CALLER, sharedAccount } from './test-support.js';

const matrix = new FaultMatrix(['aws (moto)']);
afterAll(() => matrix.print());

describe.skipIf(motoMissing)('moto behind the fault proxy', () => {
  faultSuite({
    name: 'fault suite: aws on moto',
    provider: 'aws',
    column: 'aws (moto)',
    matrix,
    async start() {
      const moto = await startMoto();
      await seedMoto(new IAMClient(clientConfig(moto.endpoint)), sharedAccount(new Date()));
      const proxy = await startFaultProxy(moto.endpoint);
      return {
        // moto has no Access Advisor: leave it off rather than wait on it for every case.
        options: { endpoint: proxy.url, accessAdvisor: false, pollIntervalMs: 20 },
        env: {
          AWS_ACCESS_KEY_ID: TEST_CALLER.accessKeyId,
          AWS_SECRET_ACCESS_KEY: TEST_CALLER.secretAccessKey,
          AWS_REGION: 'us-east-1',
        },
        faults: proxy.faults,
        close: async () => {
          await proxy.close();
          moto.stop();
        },
      };
    },
  });
});
