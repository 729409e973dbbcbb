/**
 * Types shared by the rules and the engine. A rule is metadata + an options schema with typed
 * defaults + `evaluate(ctx)`, which yields hits; the engine turns hits into model Findings.
 */
import type { z } from 'zod';
import type { PlaybookId, RuleFix } from './fix.js';
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

export type { PlaybookId, RuleFix, ManualFix } from './fix.js';

export interface RuleMeta {
  id: string;
  title: string;
  /** What the rule checks and why it matters, in words. */
  description: string;
  /** How to fix it, in words (the precise commands and steps are in `fix`). */
  help: string;
  severity: Severity;
  owasp: OwaspId;
  /** CIS benchmark item per provider, e.g. { aws: 'CIS AWS Foundations 3.0 1.14' }. */
  cis: Partial<Record<ProviderId, string>>;
  /** The standard (CIS item, Prowler check, provider guidance) the default thresholds follow. */
  defaultsFrom: string | null;
  /** The playbook that fixes the finding where it can act, and manual steps everywhere else. */
  fix: RuleFix;
  /** `fix.playbook`, for callers that only need the id (null: manual steps only). */
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
  /** A milder case than the rule's severity (unless the policy overrides the severity). */
  severity?: Severity;
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

/** A rule as written in its module; `playbook` is derived from `fix`. */
export type RuleDefinition<S extends OptionsSchema> = Omit<Rule<S>, 'playbook'>;

export function defineRule<S extends OptionsSchema>(rule: RuleDefinition<S>): Rule<S> {
  return { ...rule, playbook: rule.fix.playbook ?? null };
}

export type { Finding };
