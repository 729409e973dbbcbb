/**
 * What demo, tests and benchmarks need from the Azure stand-in: start it, and connect the
 * connector to it (options and environment, as a real user would configure them).
 */
import type { DemoHandle } from '../../../src/connector/index.js';
import { AZURE_DEMO_SCANNER, buildAzureDemoEstate } from './demo.js';
import type { AzureEstate } from './estate.js';
import { startAzureStandIn, type AzureStandIn } from './server.js';

export {
  startAzureStandIn,
  type AzureStandIn,
  type StandInOptions,
  type StoredSecretVersion,
} from './server.js';
export type * from './estate.js';
export { BUILT_IN_ROLES, GRAPH_APP_ROLES, MICROSOFT_GRAPH_APP_ID } from './estate.js';
export {
  AZURE_DEMO_SCANNER,
  AZURE_DEMO_SUBSCRIPTIONS,
  buildAzureDemoEstate,
  demoGuid,
} from './demo.js';

/**
 * Options and environment that point the connector at a stand-in: every endpoint at it, its
 * certificate trusted through `caFile`, and a client secret of the estate's scanner app.
 */
export function connect(
  standIn: Pick<AzureStandIn, 'url' | 'caFile' | 'vaultUrls'>,
  estate: Pick<AzureEstate, 'tenant' | 'clients'>,
): { options: Record<string, unknown>; env: Record<string, string> } {
  const scanner = estate.clients[0];
  if (!scanner) throw new Error('the estate has no client to sign in with');
  return {
    options: {
      tenantId: estate.tenant.id,
      authorityHost: standIn.url,
      graphEndpoint: standIn.url,
      armEndpoint: standIn.url,
      caFile: standIn.caFile,
      keyVaultUrls: standIn.vaultUrls,
    },
    env: {
      AZURE_TENANT_ID: estate.tenant.id,
      AZURE_CLIENT_ID: scanner.clientId,
      AZURE_CLIENT_SECRET: scanner.secret,
    },
  };
}

export async function startDemo(clock: Date): Promise<DemoHandle> {
  const estate = buildAzureDemoEstate(clock);
  const standIn = await startAzureStandIn({ estate, now: () => clock });
  if (estate.clients[0]?.clientId !== AZURE_DEMO_SCANNER.clientId)
    throw new Error('the demo estate signs in as its scanner app');
  return { ...connect(standIn, estate), faults: standIn.faults, close: () => standIn.close() };
}
