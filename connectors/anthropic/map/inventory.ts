/** Raw payloads -> model records. Pure: most of a connector's tests live beside this. */
import type {
  CoverageGap,
  Credential,
  Identity,
  Scope,
  ScopeInventory,
} from '../../../src/connector/index.js';
import type { RecordKind } from '../../../src/connector/index.js';
import type { RawKey, RawServiceAccount } from '../schema.js';

export function toIdentity(sa: RawServiceAccount): Identity {
  return {
    externalId: sa.id,
    name: sa.name,
    kind: 'service-account',
    owner: sa.owner_email,
    createdAt: sa.created_at,
    tags: {},
    attributes: { ...(sa.description ? { description: sa.description } : {}) },
    // Identity-level use is not reported by this API: unknown, never "never used".
    lastUsedAt: null,
    lastUsedKnown: false,
  };
}

export function toCredential(sa: RawServiceAccount, key: RawKey): Credential {
  return {
    externalId: key.id,
    identityExternalId: sa.id,
    type: 'api-key',
    name: null,
    status: key.status === 'active' ? 'active' : 'inactive',
    createdAt: key.created_at,
    expiresAt: key.expires_at,
    // This API reports last use for every key: null here means "never used", not "unknown".
    lastUsedAt: key.last_used_at,
    lastUsedKnown: true,
    attributes: { handle: key.redacted_value },
  };
}

export interface ScannedProject {
  scope: Scope;
  serviceAccounts: { sa: RawServiceAccount; keys: RawKey[] | null }[];
  gaps: CoverageGap[];
  incomplete: RecordKind[];
  apiCalls: number;
}

export function toInventory(p: ScannedProject): ScopeInventory {
  return {
    kind: 'inventory',
    scope: p.scope,
    identities: p.serviceAccounts.map(({ sa }) => toIdentity(sa)),
    credentials: p.serviceAccounts.flatMap(({ sa, keys }) =>
      (keys ?? []).map((k) => toCredential(sa, k)),
    ),
    grants: [],
    gaps: p.gaps,
    apiCalls: p.apiCalls,
    incomplete: p.incomplete,
  };
}
