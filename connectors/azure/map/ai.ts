/**
 * Azure OpenAI / AI Services (Cognitive Services accounts) -> a `cloud-resource` identity
 * holding its two shared keys (key1, key2) as `account-key` credentials. ARM tells nothing
 * about the keys themselves (no creation date, no last use): what matters is whether local
 * (key) authentication is enabled at all. Accounts with it disabled are recorded too, their
 * keys inactive, so a fix shows up as fixed.
 */
import type { Credential, Identity } from '../../../src/connector/index.js';
import type { CognitiveAccount } from '../schema.js';
import { UNKNOWN_USE } from './usage.js';

export interface AccountSubscription {
  id: string;
  name: string;
}

const KEYS = [
  { name: 'key1', label: 'KEY 1' },
  { name: 'key2', label: 'KEY 2' },
] as const;

/** Key authentication is on unless `disableLocalAuth` is true (absent means enabled). */
export function localAuthEnabled(account: CognitiveAccount): boolean {
  return account.properties?.disableLocalAuth !== true;
}

function resourceGroupOf(resourceId: string): string | null {
  return /\/resourceGroups\/([^/]+)/i.exec(resourceId)?.[1] ?? null;
}

/**
 * Which AI service the account is: `OpenAI` and `AIServices` accounts both serve Azure OpenAI
 * models (`azure-openai`); any other kind (Speech, Language, …) is `azure-ai-services`.
 */
export function aiServiceOf(account: CognitiveAccount): 'azure-openai' | 'azure-ai-services' {
  return /^(OpenAI|AIServices)$/i.test(account.kind ?? '') ? 'azure-openai' : 'azure-ai-services';
}

/** Findings-ready facts on the account and on each key: the rule needs no ARM knowledge. */
function facts(account: CognitiveAccount) {
  return {
    aiService: aiServiceOf(account),
    kind: account.kind ?? null,
    endpoint: account.properties?.endpoint ?? null,
    localAuthEnabled: localAuthEnabled(account),
  };
}

export function aiAccountIdentity(account: CognitiveAccount, sub: AccountSubscription): Identity {
  const tags = account.tags ?? {};
  return {
    externalId: account.id,
    name: account.name,
    kind: 'cloud-resource',
    owner: tags.owner ?? tags.Owner ?? null,
    createdAt: account.properties?.dateCreated ?? null,
    tags,
    ...UNKNOWN_USE,
    attributes: {
      ...facts(account),
      resourceId: account.id,
      resourceType: 'Microsoft.CognitiveServices/accounts',
      subscriptionId: sub.id,
      subscriptionName: sub.name,
      resourceGroup: resourceGroupOf(account.id),
      location: account.location ?? null,
      publicNetworkAccess: account.properties?.publicNetworkAccess ?? null,
    },
  };
}

/** The account's two keys: their values are never read (listKeys is never called). */
export function aiAccountKeys(account: CognitiveAccount): Credential[] {
  const enabled = localAuthEnabled(account);
  return KEYS.map((k) => ({
    externalId: `${account.id}/keys/${k.name}`,
    identityExternalId: account.id,
    type: 'account-key',
    name: k.name,
    status: enabled ? 'active' : 'inactive',
    // Shared keys carry no metadata: no creation date, no expiry, no last use.
    createdAt: null,
    expiresAt: null,
    ...UNKNOWN_USE,
    attributes: { ...facts(account), handle: `${account.name} · ${k.label}` },
  }));
}
