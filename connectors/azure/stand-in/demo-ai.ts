/**
 * Orbital Freight's Azure AI accounts (the ML platform's Azure side): an Azure OpenAI account
 * whose shared keys still work (local authentication on: any holder of key1/key2 can call the
 * models, with no identity and no expiry), and an AI Services account already moved to Entra
 * ID (`disableLocalAuth: true`), so the fix is visible next to the problem.
 */
import { createHash } from 'node:crypto';
import { COMPANY, daysAgo } from '../../../fixtures/demo/company.js';
import type { EstateCognitiveAccount } from './estate.js';

/** Stand-in key values (what listKeys would answer; the connector must never ask). */
function fakeKeys(name: string): EstateCognitiveAccount['keys'] {
  const key = (n: number) =>
    createHash('sha256').update(`orbital-freight/azure-ai/${name}/${n}`).digest('hex').slice(0, 32);
  return { key1: key(1), key2: key(2) };
}

export function demoAiAccounts(now: Date): {
  prod: EstateCognitiveAccount[];
  nonprod: EstateCognitiveAccount[];
} {
  return {
    prod: [
      {
        name: 'oai-orbital-routing',
        kind: 'OpenAI',
        location: 'swedencentral',
        resourceGroup: 'rg-ml-platform',
        sku: { name: 'S0' },
        tags: { team: 'ml-platform', owner: `mei.tanaka@${COMPANY.domain}` },
        properties: {
          endpoint: 'https://oai-orbital-routing.openai.azure.com/',
          customSubDomainName: 'oai-orbital-routing',
          dateCreated: daysAgo(now, 410),
          provisioningState: 'Succeeded',
          publicNetworkAccess: 'Enabled',
          // disableLocalAuth absent: key authentication is on, as Azure creates accounts.
        },
        keys: fakeKeys('oai-orbital-routing'),
      },
    ],
    nonprod: [
      {
        name: 'ais-orbital-docs',
        kind: 'AIServices',
        location: 'westeurope',
        resourceGroup: 'rg-ml-sandbox',
        sku: { name: 'S0' },
        tags: { team: 'ml-platform' },
        properties: {
          endpoint: 'https://ais-orbital-docs.cognitiveservices.azure.com/',
          customSubDomainName: 'ais-orbital-docs',
          dateCreated: daysAgo(now, 95),
          provisioningState: 'Succeeded',
          publicNetworkAccess: 'Disabled',
          disableLocalAuth: true,
        },
        keys: fakeKeys('ais-orbital-docs'),
      },
    ],
  };
}
