/**
 * Types shared by the rules and the engine. A rule is metadata + an options schema with typed
 * defaults + `evaluate(ctx)`, which yields hits; the engine turns hits into model Findings.
 */
import type { z } from 'zod';
import type {
  Finding,
  ProviderId,
  Severity,
  StoredCredential,
  StoredGap,
  StoredGrant,
  StoredIdentity,
} from '../model/index.js';

export type OwaspId =
  'NHI1' | 'NHI2' | 'NHI3' | 'NHI4' | 'NHI5' | 'NHI6' | 'NHI7' | 'NHI8' | 'NHI9' | 'NHI10';

/** Playbooks that fix a finding (implemented in src/playbooks). */
export type PlaybookId = 'rotate' | 'revoke' | 'trim-permissions';

export interface RuleMeta {
  id: string;
  title: string;
  /** What the rule checks and why it matters, in words. */
  description: string;
  /** How to fix it. */
  help: string;
  severity: Severity;
  owasp: OwaspId;
  /** CIS benchmark item per provider, e.g. { aws: 'CIS AWS Foundations 3.0 1.14' }. */
  cis: Partial<Record<ProviderId, string>>;
  playbook: PlaybookId | null;
  /** Coverage-gap signals (StoredGap.signal) that make this rule "not evaluated" for a scope. */
  signals: readonly string[];
}

/** One verdict before the engine adds names, points and the fingerprint. */
export interface RuleHit {
  outcome: 'fail' | 'not-evaluated';
  identity: StoredIdentity;
  /** Set when the finding is about one credential; otherwise it is about the identity. */
  credential?: StoredCredential;
  message: string;
  evidence: Record<string, unknown>;
}

export interface RuleContext<O> {
  now: Date;
  identities: readonly StoredIdentity[];
  credentials: readonly StoredCredential[];
  grants: readonly StoredGrant[];
  /** The identity owning a credential (a placeholder built from the credential if absent). */
  identityOf(credential: StoredCredential): StoredIdentity;
  credentialsOf(identity: StoredIdentity): readonly StoredCredential[];
  grantsOf(identity: StoredIdentity): readonly StoredGrant[];
  /** Options resolved for this identity's provider, scope and tags (more specific wins). */
  options(identity: StoredIdentity): O;
  /** The first coverage gap in the identity's scope matching this rule's signals. */
  gap(identity: StoredIdentity): StoredGap | undefined;
  /** Every coverage gap in the identity's scope matching this rule's signals. */
  gaps(identity: StoredIdentity): readonly StoredGap[];
  /** Whether nhi scanned this scope (its accounts count as your own), in any batch or scope. */
  scanned(provider: string, scopeId: string): boolean;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type OptionsSchema = z.ZodObject<any>;

export interface Rule<S extends OptionsSchema = OptionsSchema> extends RuleMeta {
  /** Zod schema of the options, every key with a default: the policy file validates against it. */
  options: S;
  /** Built-in per-provider defaults layered over the schema defaults. */
  providerDefaults: Partial<Record<ProviderId, Partial<z.infer<S>>>>;
  evaluate(ctx: RuleContext<z.infer<S>>): Iterable<RuleHit>;
}

/** Any rule, whatever its options (the registry holds heterogeneous rules). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRule = Rule<any>;

export function defineRule<S extends OptionsSchema>(rule: Rule<S>): Rule<S> {
  return rule;
}

export type { Finding };
