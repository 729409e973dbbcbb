/**
 * Owner attribution: every candidate an identity or credential carries, plus the ownership map,
 * ranked — the strongest wins (confidence first, then the source's precedence). An identity is
 * owned when a high-confidence signal names its owner or team; otherwise the best candidate is
 * shown as a candidate, with why.
 */
import {
  OWNER_CONFIDENCES,
  OWNER_SOURCES,
  type OwnerAttribution,
  type OwnerCandidate,
  type StoredCredential,
  type StoredIdentity,
} from '../model/index.js';
import { applyMap, type OwnershipRule } from './map.js';
import { credentialCandidates, identityCandidates, purposeOf } from './signals.js';

/** A subject's attribution (the model's shape: it is stored with the evaluation). */
export type Attribution = OwnerAttribution;

export const NO_ATTRIBUTION: Attribution = {
  owner: null,
  team: null,
  source: null,
  via: null,
  confidence: null,
  departed: null,
  owned: false,
  purpose: null,
  purposeVia: null,
  candidates: [],
};

function strength(c: OwnerCandidate): number {
  return OWNER_CONFIDENCES.indexOf(c.confidence) * 100 + OWNER_SOURCES.indexOf(c.source);
}

/** Strongest first; a departed owner ranks after a present one of the same strength. */
export function rank(candidates: readonly OwnerCandidate[]): OwnerCandidate[] {
  return [...candidates].sort(
    (a, b) =>
      strength(a) - strength(b) ||
      Number(a.departed === true) - Number(b.departed === true) ||
      (a.owner ?? '').localeCompare(b.owner ?? ''),
  );
}

export function attribution(
  candidates: readonly OwnerCandidate[],
  purpose: { purpose: string; via: string } | null,
): Attribution {
  const ranked = rank(candidates);
  const top = ranked[0];
  if (!top) {
    return {
      ...NO_ATTRIBUTION,
      purpose: purpose?.purpose ?? null,
      purposeVia: purpose?.via ?? null,
    };
  }
  const withOwner = ranked.find((c) => c.owner);
  return {
    owner: withOwner?.owner ?? null,
    team: ranked.find((c) => c.team)?.team ?? null,
    source: top.source,
    via: top.via,
    confidence: top.confidence,
    departed: withOwner?.departed ?? null,
    owned: top.confidence === 'high',
    purpose: purpose?.purpose ?? null,
    purposeVia: purpose?.via ?? null,
    candidates: ranked,
  };
}

/** Attributes identities and credentials of one catalog snapshot with the policy's map. */
export class Attributor {
  private readonly identities = new Map<string, Attribution>();

  constructor(private readonly rules: readonly OwnershipRule[] = []) {}

  private mapped(i: StoredIdentity) {
    return applyMap(this.rules, {
      provider: i.provider,
      scopeId: i.scopeId,
      scopeName: i.scopeName,
      identity: i,
    });
  }

  identity(i: StoredIdentity): Attribution {
    let a = this.identities.get(i.id);
    if (!a) {
      const m = this.mapped(i);
      a = attribution(
        [...(m.candidate ? [m.candidate] : []), ...identityCandidates(i, i.provider)],
        m.purpose ?? purposeOf(i),
      );
      this.identities.set(i.id, a);
    }
    return a;
  }

  /** A credential: its own signals (key owner, added_by) and its identity's. */
  credential(c: StoredCredential, i: StoredIdentity | undefined): Attribution {
    if (!i) return attribution(credentialCandidates(c, c.provider), null);
    const m = this.mapped(i);
    return attribution(
      [
        ...(m.candidate ? [m.candidate] : []),
        ...credentialCandidates(c, c.provider),
        ...identityCandidates(i, i.provider),
      ],
      m.purpose ?? purposeOf(i, c),
    );
  }
}

/** `owner (team)`, `team`, or `—` — one short cell for tables. */
export function ownerLabel(a: Pick<Attribution, 'owner' | 'team' | 'departed' | 'owned'>): string {
  const who = a.owner && a.team ? `${a.owner} (${a.team})` : (a.owner ?? a.team);
  if (!who) return '—';
  if (a.departed) return `${who} [departed]`;
  return a.owned ? who : `${who}?`;
}

/** Why: `tag owner (high)`; for a candidate, what it is only a hint of. */
export function ownerWhy(a: Attribution): string {
  if (!a.via) return 'no owner signal';
  return `${a.via} (${a.confidence}${a.owned ? '' : ', a candidate'})`;
}
