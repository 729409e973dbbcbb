/**
 * Owner candidates and purpose read from catalog records: the contract connectors fill
 * (`attributes.ownerCandidates`, `attributes.purpose`) and the signals connectors recorded
 * before it existed (owner/team tags, Entra `owners`, `addedBy`, AI key owners…).
 */
import {
  OWNER_CANDIDATES,
  OWNER_CONFIDENCES,
  OWNER_SOURCES,
  PURPOSE,
  type Credential,
  type Identity,
  type OwnerCandidate,
} from '../model/index.js';

/** Tag keys that name a person (or account) answering for the identity. */
export const OWNER_TAG_KEYS = ['owner', 'Owner', 'OWNER', 'owner-email', 'ownerEmail', 'contact'];
/** Tag keys that name a team. */
export const TEAM_TAG_KEYS = ['team', 'Team', 'TEAM', 'owner-team', 'squad'];
const PURPOSE_TAG_KEYS = ['purpose', 'Purpose', 'description', 'Description'];

const str = (v: unknown): string | null =>
  typeof v === 'string' && v.trim() !== '' ? v.trim() : null;

/** `attributes.ownerCandidates` as written by a connector; malformed entries are dropped. */
function declared(attributes: Record<string, unknown>): OwnerCandidate[] {
  const raw = attributes[OWNER_CANDIDATES];
  if (!Array.isArray(raw)) return [];
  const out: OwnerCandidate[] = [];
  for (const c of raw as Record<string, unknown>[]) {
    if (!c || typeof c !== 'object') continue;
    const owner = str(c.owner);
    const team = str(c.team);
    const source = c.source as OwnerCandidate['source'];
    const confidence = c.confidence as OwnerCandidate['confidence'];
    if ((!owner && !team) || !OWNER_SOURCES.includes(source)) continue;
    if (!OWNER_CONFIDENCES.includes(confidence)) continue;
    out.push({
      owner,
      team,
      source,
      via: str(c.via) ?? source,
      confidence,
      departed: typeof c.departed === 'boolean' ? c.departed : null,
    });
  }
  return out;
}

/** Owner/team tags or labels as candidates (connectors call this through the kit). */
export function fromTags(tags: Record<string, string>, label: string): OwnerCandidate[] {
  const owner = OWNER_TAG_KEYS.find((k) => str(tags[k]));
  const team = TEAM_TAG_KEYS.find((k) => str(tags[k]));
  if (!owner && !team) return [];
  return [
    {
      owner: owner ? str(tags[owner]) : null,
      team: team ? str(tags[team]) : null,
      source: 'tag',
      via: [owner, team]
        .filter(Boolean)
        .map((k) => `${label} ${k}`)
        .join(', '),
      confidence: 'high',
      departed: null,
    },
  ];
}

export function identityCandidates(identity: Identity, provider: string): OwnerCandidate[] {
  const a = identity.attributes ?? {};
  const mine = declared(a);
  // What a connector declared replaces the generic reading of the same kind of signal.
  const has = (s: OwnerCandidate['source']) => mine.some((c) => c.source === s);
  const out = [
    ...mine,
    ...(has('tag') ? [] : fromTags(identity.tags ?? {}, 'tag')),
    ...(has('convention')
      ? []
      : [...fromConvention(a.description, 'description'), ...fromConvention(a.notes, 'notes')]),
  ];
  const owners = Array.isArray(a.owners) ? a.owners.map(str).filter((x) => x !== null) : [];
  // An owner the connector already declared (with what it knows, e.g. departed) is not added
  // again as an unknown-status copy: the two would tie in ranking and hide the departure.
  const named = new Set(mine.filter((c) => c.source === 'provider-owner').map((c) => c.owner));
  for (const o of owners.filter((x) => !named.has(x))) {
    out.push({
      owner: o,
      source: 'provider-owner',
      via: `${provider} owners`,
      confidence: 'high',
      departed: null,
    });
  }
  // The record's own owner field: kept when no other candidate names the same owner. An
  // Azure resource id there says where a managed identity lives, not who answers for it.
  const recorded = str(identity.owner);
  if (
    recorded &&
    !recorded.startsWith('/') &&
    !out.some((c) => c.owner === recorded || c.team === recorded)
  ) {
    out.push({
      owner: recorded,
      source: 'provider-owner',
      via: `${provider} owner`,
      confidence: 'high',
      departed: typeof a.departed === 'boolean' ? a.departed : null,
    });
  }
  return out;
}

/** `owner: alice`, `team=data`, `contact: x@y` written in a description: a low-confidence hint. */
const CONVENTION = /\b(owner|team|contact|maintainer)\s*[:=]\s*([\w.@+-]+)/gi;

export function fromConvention(text: unknown, via: string): OwnerCandidate[] {
  const s = str(text);
  if (!s) return [];
  const out: OwnerCandidate[] = [];
  for (const m of s.matchAll(CONVENTION)) {
    const team = m[1]!.toLowerCase() === 'team';
    out.push({
      owner: team ? null : m[2]!,
      team: team ? m[2]! : null,
      source: 'convention',
      via: `${via} "${m[1]}:"`,
      confidence: 'low',
      departed: null,
    });
  }
  return out;
}

export function credentialCandidates(credential: Credential, provider: string): OwnerCandidate[] {
  const a = credential.attributes ?? {};
  const out = declared(a);
  const departed = typeof a.ownerDeparted === 'boolean' ? a.ownerDeparted : null;
  const creator = str(a.addedBy) ?? str(a.createdBy) ?? str(a.creator);
  // A key owned by a service account names the account itself, not who answers for it; an
  // `owner` that is only the deploy key's added_by is its creator.
  const owner =
    a.ownerType === 'service-account'
      ? null
      : (str(a.ownerEmail) ?? str(a.ownerLogin) ?? str(a.owner) ?? str(a.ownerName));
  if (owner && owner !== creator && !out.some((c) => c.owner === owner)) {
    out.push({
      owner,
      source: 'provider-owner',
      via: `${provider} key owner`,
      confidence: 'high',
      departed,
    });
  }
  if (creator && !out.some((c) => c.owner === creator)) {
    out.push({
      owner: creator,
      source: 'creator',
      via: a.addedBy ? `${provider} added_by` : `${provider} creator`,
      confidence: 'medium',
      departed: null,
    });
  }
  return out;
}

export interface Purpose {
  purpose: string;
  via: string;
}

/** The first description a person would recognise: declared, tagged, described, named, placed. */
export function purposeOf(identity: Identity, credential?: Credential): Purpose | null {
  const ia = identity.attributes ?? {};
  const ca = credential?.attributes ?? {};
  const tag = PURPOSE_TAG_KEYS.find((k) => str(identity.tags?.[k]));
  const options: [unknown, string][] = [
    [ca[PURPOSE], 'credential purpose'],
    [ia[PURPOSE], 'identity purpose'],
    [tag ? identity.tags[tag] : null, `tag ${tag}`],
    [ca.description, 'credential description'],
    [ia.description, 'description'],
    [ia.notes, 'notes'],
    [credential && credential.name !== credential.externalId ? credential.name : null, 'key name'],
    [typeof ia.path === 'string' && ia.path !== '/' ? ia.path : null, 'path'],
    [identity.kind === 'repository' ? `repository ${identity.name}` : null, 'repository'],
  ];
  for (const [v, via] of options) {
    const s = str(v);
    // Kept exactly: every medium escapes it; collapsing whitespace would hide a forged line break.
    if (s) return { purpose: s, via };
  }
  return null;
}
