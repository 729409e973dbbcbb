/** Raw provider payloads -> model records. Pure: most of a connector's tests live here. */
import type { Credential, Identity, Scope, ScopeInventory } from '../../src/connector/index.js';

export interface RawAccount {
  id: string;
  name: string;
  keys: { id: string; created: string; lastUsed: string | null }[];
}

export function toInventory(
  scope: Scope,
  accounts: RawAccount[],
  apiCalls: number,
): ScopeInventory {
  const identities: Identity[] = accounts.map((a) => ({
    externalId: a.id,
    name: a.name,
    kind: 'service-account',
    owner: null,
    createdAt: null,
    tags: {},
    attributes: {},
    lastUsedAt: null,
    lastUsedKnown: false,
  }));
  const credentials: Credential[] = accounts.flatMap((a) =>
    a.keys.map((k) => ({
      externalId: k.id,
      identityExternalId: a.id,
      type: 'api-key' as const,
      name: null,
      status: 'active' as const,
      createdAt: k.created,
      expiresAt: null,
      lastUsedAt: k.lastUsed,
      lastUsedKnown: true,
      attributes: {},
    })),
  );
  return { kind: 'inventory', scope, identities, credentials, grants: [], gaps: [], apiCalls };
}
