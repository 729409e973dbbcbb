/**
 * The documented, stable JSON shape of a credential in `nhi list --format json` and
 * `nhi show --format json`. Field names here are a public contract: add, never rename.
 */
import type { StoredCredential, StoredIdentity } from '../model/index.js';
import type { StoredScore } from '../catalog/index.js';
import { daysBetween } from './dates.js';

export interface CredentialView {
  id: string;
  provider: string;
  scopeId: string;
  scopeName: string;
  identityId: string;
  identityName: string;
  identityKind: string;
  identityExternalId: string;
  externalId: string;
  type: string;
  name: string | null;
  status: string;
  createdAt: string | null;
  ageDays: number | null;
  lastUsedAt: string | null;
  /** false = nhi could not see usage for this credential ("unknown", not "never"). */
  lastUsedKnown: boolean;
  daysSinceUse: number | null;
  expiresAt: string | null;
  daysToExpiry: number | null;
  score: number | null;
  band: string | null;
  firstSeenRun: number;
  lastSeenRun: number;
  removedRun: number | null;
  attributes: Record<string, unknown>;
}

export function credentialView(
  c: StoredCredential,
  identity: StoredIdentity | undefined,
  score: StoredScore | undefined,
  now: Date,
): CredentialView {
  const toExpiry = daysBetween(c.expiresAt, now);
  return {
    id: c.id,
    provider: c.provider,
    scopeId: c.scopeId,
    scopeName: c.scopeName,
    identityId: c.identityId,
    identityName: identity?.name ?? c.identityExternalId,
    identityKind: identity?.kind ?? 'unknown',
    identityExternalId: c.identityExternalId,
    externalId: c.externalId,
    type: c.type,
    name: c.name,
    status: c.status,
    createdAt: c.createdAt,
    ageDays: daysBetween(c.createdAt, now),
    lastUsedAt: c.lastUsedAt,
    lastUsedKnown: c.lastUsedKnown,
    daysSinceUse: c.lastUsedKnown ? daysBetween(c.lastUsedAt, now) : null,
    expiresAt: c.expiresAt,
    daysToExpiry: toExpiry === null ? null : -toExpiry,
    score: score?.score ?? null,
    band: score?.band ?? null,
    firstSeenRun: c.firstSeenRun,
    lastSeenRun: c.lastSeenRun,
    removedRun: c.removedRun,
    attributes: c.attributes,
  };
}
