/**
 * The documented, stable JSON shapes of `nhi list --format json` (credentials, and identities
 * with `--identities`) and of `nhi show --format json`. Field names here are a public contract:
 * add, never rename.
 */
import type { CredentialRow, IdentityRow } from '../catalog/index.js';
import { daysBetween } from './dates.js';
import { NO_ATTRIBUTION, ownerWhy, type Attribution } from '../owners/attribute.js';

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
  /** Reaches an AI service (list --ai keeps these). */
  ai: boolean;
  firstSeenRun: number;
  lastSeenRun: number;
  removedRun: number | null;
  attributes: Record<string, unknown>;
  /** Who answers for it (null: nobody known) and why: see `nhi owners`. */
  owner: string | null;
  team: string | null;
  ownerVia: string | null;
  /** true: a high-confidence signal names the owner; false: `owner` is only a candidate. */
  owned: boolean;
  ownerDeparted: boolean | null;
  purpose: string | null;
}

export interface IdentityView {
  id: string;
  provider: string;
  scopeId: string;
  scopeName: string;
  externalId: string;
  kind: string;
  name: string;
  /** Who answers for it, as `nhi owners` attributes it (the record's owner when none is stored). */
  owner: string | null;
  team: string | null;
  ownerVia: string | null;
  owned: boolean;
  ownerDeparted: boolean | null;
  purpose: string | null;
  createdAt: string | null;
  ageDays: number | null;
  lastUsedAt: string | null;
  lastUsedKnown: boolean;
  daysSinceUse: number | null;
  /** Credentials it holds, present at the scan. */
  credentials: number;
  score: number | null;
  band: string | null;
  /** Reaches an AI service (list --ai keeps these). */
  ai: boolean;
  firstSeenRun: number;
  lastSeenRun: number;
  removedRun: number | null;
  tags: Record<string, string>;
  attributes: Record<string, unknown>;
}

/** A credential row; its owner is the one stored with the evaluation unless `owner` is given. */
export function credentialView(
  { credential: c, identity, score, ownership }: CredentialRow,
  now: Date,
  owner: Attribution = ownership ?? NO_ATTRIBUTION,
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
    ai: score?.ai ?? false,
    firstSeenRun: c.firstSeenRun,
    lastSeenRun: c.lastSeenRun,
    removedRun: c.removedRun,
    attributes: c.attributes,
    owner: owner.owner,
    team: owner.team,
    ownerVia: owner.via ? ownerWhy(owner) : null,
    owned: owner.owned,
    ownerDeparted: owner.departed,
    purpose: owner.purpose,
  };
}

export function identityView(
  { identity: i, credentials, score, ownership }: IdentityRow,
  now: Date,
): IdentityView {
  const a = ownership ?? { ...NO_ATTRIBUTION, owner: i.owner };
  return {
    id: i.id,
    provider: i.provider,
    scopeId: i.scopeId,
    scopeName: i.scopeName,
    externalId: i.externalId,
    kind: i.kind,
    name: i.name,
    owner: a.owner,
    team: a.team,
    ownerVia: a.via ? ownerWhy(a) : null,
    owned: a.owned,
    ownerDeparted: a.departed,
    purpose: a.purpose,
    createdAt: i.createdAt,
    ageDays: daysBetween(i.createdAt, now),
    lastUsedAt: i.lastUsedAt,
    lastUsedKnown: i.lastUsedKnown,
    daysSinceUse: i.lastUsedKnown ? daysBetween(i.lastUsedAt, now) : null,
    credentials,
    score: score?.score ?? null,
    band: score?.band ?? null,
    ai: score?.ai ?? false,
    firstSeenRun: i.firstSeenRun,
    lastSeenRun: i.lastSeenRun,
    removedRun: i.removedRun,
    tags: i.tags,
    attributes: i.attributes,
  };
}

/** Field order of each shape (CSV columns). */
export const CREDENTIAL_VIEW_FIELDS = Object.keys(
  credentialView(
    {
      credential: {
        id: '',
        provider: 'aws',
        scopeId: '',
        scopeName: '',
        identityId: '',
        identityExternalId: '',
        externalId: '',
        type: 'access-key',
        name: null,
        status: 'active',
        createdAt: null,
        expiresAt: null,
        lastUsedAt: null,
        lastUsedKnown: false,
        firstSeenRun: 0,
        lastSeenRun: 0,
        removedRun: null,
        attributes: {},
      },
      identity: null,
      score: null,
      ownership: null,
    },
    new Date(0),
  ),
);

export const IDENTITY_VIEW_FIELDS = Object.keys(
  identityView(
    {
      identity: {
        id: '',
        provider: 'aws',
        scopeId: '',
        scopeName: '',
        externalId: '',
        kind: 'user',
        name: '',
        owner: null,
        createdAt: null,
        lastUsedAt: null,
        lastUsedKnown: false,
        firstSeenRun: 0,
        lastSeenRun: 0,
        removedRun: null,
        tags: {},
        attributes: {},
      },
      credentials: 0,
      score: null,
      ownership: null,
    },
    new Date(0),
  ),
);
