/**
 * The policy file's ownership map, read like CODEOWNERS: rules in file order, every pattern of
 * a rule must match, and the last matching rule wins (so put broad rules first, exceptions
 * after). A rule names an owner and/or team, and may set the purpose.
 */
import type { Identity, OwnerCandidate, ProviderId } from '../model/index.js';
import { globMatch } from '../scoring/glob.js';

export interface OwnershipMatch {
  provider?: ProviderId | undefined;
  /** Scope id or name (glob). */
  scope?: string | undefined;
  /** Identity name (glob). */
  name?: string | undefined;
  /** IAM path, or any `attributes.path` (glob). */
  path?: string | undefined;
  /** `key=value` (value may be a glob) or `key` (present). */
  tag?: string | undefined;
  /** Identity kind (`user`, `role`, `service-account`, `repository`…). */
  kind?: string | undefined;
  /** External id: ARN, object id, SA e-mail (glob). */
  id?: string | undefined;
}

export interface OwnershipRule {
  match: OwnershipMatch;
  owner?: string | undefined;
  team?: string | undefined;
  purpose?: string | undefined;
  /** The owning repository (owner/name): where a github-issue notice is opened. */
  repo?: string | undefined;
  /** Where the rule is written (`nhi.config.yaml:12:5`), for "why". */
  source: string;
}

export interface MapSubject {
  provider: string;
  scopeId: string;
  scopeName: string;
  identity: Identity;
}

function tagMatches(pattern: string, tags: Record<string, string>): boolean {
  const eq = pattern.indexOf('=');
  if (eq < 0) return Object.hasOwn(tags, pattern);
  const key = pattern.slice(0, eq);
  return Object.hasOwn(tags, key) && globMatch(pattern.slice(eq + 1), tags[key]);
}

export function ruleMatches(m: OwnershipMatch, s: MapSubject): boolean {
  const path = s.identity.attributes?.path;
  return (
    (m.provider === undefined || m.provider === s.provider) &&
    (m.scope === undefined || globMatch(m.scope, s.scopeId) || globMatch(m.scope, s.scopeName)) &&
    (m.name === undefined || globMatch(m.name, s.identity.name)) &&
    (m.path === undefined || globMatch(m.path, typeof path === 'string' ? path : null)) &&
    (m.tag === undefined || tagMatches(m.tag, s.identity.tags ?? {})) &&
    (m.kind === undefined || m.kind === s.identity.kind) &&
    (m.id === undefined || globMatch(m.id, s.identity.externalId))
  );
}

export interface MapResult {
  candidate: OwnerCandidate | null;
  purpose: { purpose: string; via: string } | null;
  /** The last matching rule's repository, if one names it. */
  repo: string | null;
}

/** The last rule naming an owner/team, and the last setting a purpose. */
export function applyMap(rules: readonly OwnershipRule[], s: MapSubject): MapResult {
  let owner: OwnershipRule | null = null;
  let purpose: OwnershipRule | null = null;
  let repo: string | null = null;
  for (const r of rules) {
    if (!ruleMatches(r.match, s)) continue;
    if (r.repo !== undefined) repo = r.repo;
    if (r.owner !== undefined || r.team !== undefined) owner = r;
    if (r.purpose !== undefined) purpose = r;
  }
  return {
    candidate: owner
      ? {
          owner: owner.owner ?? null,
          team: owner.team ?? null,
          source: 'ownership-map',
          via: `owners.map at ${owner.source}`,
          confidence: 'high',
          departed: null,
        }
      : null,
    purpose: purpose ? { purpose: purpose.purpose!, via: `owners.map at ${purpose.source}` } : null,
    repo,
  };
}
