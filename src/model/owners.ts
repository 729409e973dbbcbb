/**
 * Who answers for a machine identity, as a connector (or the policy file) proposes it. A
 * connector puts every owner signal it saw in `attributes.ownerCandidates` of the identity or
 * credential it belongs to; src/owners ranks them (the strongest wins) and views show the
 * winner with its source. Free text from the provider: never trusted as markup.
 */

/** Where an owner candidate came from; the order is the precedence at equal confidence. */
export const OWNER_SOURCES = [
  /** The `owners.map` of the policy file: what the organisation decided. */
  'ownership-map',
  /** An owner/team tag or label on the identity (AWS tags, GCP labels, Azure tags, custom properties). */
  'tag',
  /** An ownership object the provider keeps (Entra app owners, PAT/App owner, AI key owner). */
  'provider-owner',
  /** A repository's CODEOWNERS for its secrets and deploy keys. */
  'codeowners',
  /** Whoever created it, as the provider records on the object (deploy key `added_by`, `created_by`). */
  'creator',
  /** Whoever created it, from an audit log (CloudTrail, Admin Activity, directory audits). */
  'creation-event',
  /** A naming or description convention ("owner: alice" in a description). */
  'convention',
] as const;

export type OwnerSource = (typeof OWNER_SOURCES)[number];

/** high: the provider or policy names the owner; medium: a strong hint; low: a guess. */
export type OwnerConfidence = 'high' | 'medium' | 'low';

export const OWNER_CONFIDENCES: readonly OwnerConfidence[] = ['high', 'medium', 'low'];

export interface OwnerCandidate {
  /** A person or account (login, e-mail, UPN); null when the signal names only a team. */
  owner: string | null;
  team?: string | null;
  source: OwnerSource;
  /** The exact signal, for people: `tag owner`, `Entra app owners`, `deploy key added_by`. */
  via: string;
  confidence: OwnerConfidence;
  /**
   * The owner is no longer a member (left the GitHub org, Entra user disabled or deleted,
   * removed from the OpenAI/Anthropic organization); null/absent: membership not checked.
   */
  departed?: boolean | null;
}

/** The attribute key holding `OwnerCandidate[]` on an Identity or a Credential. */
export const OWNER_CANDIDATES = 'ownerCandidates';

/** The attribute key holding a one-line purpose a connector found (description, notes). */
export const PURPOSE = 'purpose';

/**
 * A subject's owner as attributed at evaluation (src/owners) and stored with it: the winner of
 * the ranked candidates, with its source and confidence, and the purpose.
 */
export interface OwnerAttribution {
  /** The person or account answering for it (the strongest candidate naming one). */
  owner: string | null;
  team: string | null;
  /** The strongest candidate's source, exact signal and confidence. */
  source: OwnerSource | null;
  via: string | null;
  confidence: OwnerConfidence | null;
  /** The owner left (true), is a member (false) or nobody checked (null). */
  departed: boolean | null;
  /** A high-confidence signal names the owner or team. */
  owned: boolean;
  purpose: string | null;
  purposeVia: string | null;
  /** Every candidate, strongest first. */
  candidates: OwnerCandidate[];
}
