/** One organization's listings -> its ScopeInventory. Pure. */
import type {
  CoverageGap,
  Identity,
  RecordKind,
  Scope,
  ScopeInventory,
} from '../../../src/connector/index.js';
import type { RawApiKey, RawServiceAccount, RawUser, RawWorkspace } from '../schema.js';
import { apiKeyCredential, holderOf, isLive } from './credentials.js';
import { serviceAccountIdentity, userIdentity, workspaceIdentity } from './identities.js';
import type { UsageWindow } from './usage.js';

export interface ScannedOrganization {
  scope: Scope;
  keys: RawApiKey[];
  workspaces: RawWorkspace[];
  /** null: not readable (owners' e-mail and departure unknown). */
  users: RawUser[] | null;
  serviceAccounts: RawServiceAccount[] | null;
  /** null: the usage report was not readable (last use unknown). */
  usage: UsageWindow | null;
  gaps: CoverageGap[];
  incomplete: RecordKind[];
  apiCalls: number;
}

export function toInventory(o: ScannedOrganization): ScopeInventory {
  const workspaces = new Map(o.workspaces.map((w) => [w.id, w]));
  const members = o.users ? new Map(o.users.map((u) => [u.id, u])) : null;
  const live = o.keys.filter(isLive);
  const identities = new Map<string, Identity>();
  for (const w of o.workspaces) identities.set(w.id, workspaceIdentity(w));
  for (const sa of o.serviceAccounts ?? []) identities.set(sa.id, serviceAccountIdentity(sa));
  for (const key of live) {
    const holder = holderOf(key);
    if (identities.has(holder.id)) continue;
    if (holder.kind === 'user') {
      const member = members?.get(holder.id) ?? null;
      identities.set(holder.id, userIdentity(holder.id, member, members ? member === null : null));
    } else {
      // A holder the listings did not show (a denied service-account listing, an org-wide key).
      identities.set(holder.id, {
        externalId: holder.id,
        name: holder.id,
        kind: holder.kind === 'service-account' ? 'service-account' : 'organization',
        owner: null,
        createdAt: null,
        tags: {},
        attributes: { aiService: 'anthropic' },
        lastUsedAt: null,
        lastUsedKnown: false,
      });
    }
  }
  return {
    kind: 'inventory',
    scope: o.scope,
    identities: [...identities.values()],
    credentials: live.map((k) => apiKeyCredential(k, workspaces, members, o.usage)),
    grants: [],
    gaps: o.gaps,
    apiCalls: o.apiCalls,
    incomplete: o.incomplete,
  };
}
