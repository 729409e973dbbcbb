/** Small helpers shared by rule modules, so each rule reads as its policy in words. */
import type {
  CredentialType,
  StoredCredential,
  StoredGap,
  StoredIdentity,
} from '../../model/index.js';
import type { RuleContext, RuleHit } from '../types.js';
import { daysBetween } from '../time.js';

/** Credentials that still work or may work ('unknown' is not assumed safe). */
export function isLive(c: StoredCredential): boolean {
  return c.status === 'active' || c.status === 'unknown';
}

/** Live credentials of the given types, with their identity, in canonical order. */
export function* liveCredentials<O>(
  ctx: RuleContext<O>,
  types?: readonly CredentialType[] | ((o: O) => readonly CredentialType[]),
): Generator<{ credential: StoredCredential; identity: StoredIdentity; options: O }> {
  for (const credential of ctx.credentials) {
    if (!isLive(credential)) continue;
    const identity = ctx.identityOf(credential);
    const options = ctx.options(identity);
    const allowed = typeof types === 'function' ? types(options) : types;
    if (allowed && !allowed.includes(credential.type)) continue;
    yield { credential, identity, options };
  }
}

/** What a person needs to know about a gap that blocked a rule. */
export function gapEvidence(gap: StoredGap | undefined): Record<string, unknown> {
  if (!gap) return {};
  return { gap: { signal: gap.signal, message: gap.message, code: gap.code, fix: gap.fix } };
}

export function notEvaluated(
  ctx: RuleContext<unknown>,
  identity: StoredIdentity,
  credential: StoredCredential | undefined,
  missing: string,
  evidence: Record<string, unknown> = {},
): RuleHit {
  const gap = ctx.gap(identity);
  const hit: RuleHit = {
    outcome: 'not-evaluated',
    identity,
    message: `not evaluated: ${missing}${gap ? ` (${gap.message})` : ''}`,
    evidence: { missing, ...evidence, ...gapEvidence(gap) },
  };
  if (credential) hit.credential = credential;
  return hit;
}

export function fail(
  identity: StoredIdentity,
  credential: StoredCredential | undefined,
  message: string,
  evidence: Record<string, unknown>,
): RuleHit {
  const hit: RuleHit = { outcome: 'fail', identity, message, evidence };
  if (credential) hit.credential = credential;
  return hit;
}

export function days(from: Date, to: Date): number {
  return daysBetween(from, to);
}

/** A readable label for a credential in messages: its name, else its type and id. */
export function label(c: StoredCredential): string {
  return c.name ? `${c.type} '${c.name}' (${c.externalId})` : `${c.type} ${c.externalId}`;
}

export function asStringArray(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

export function asRecord(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}

/**
 * Identities of the given kinds whose scope has a gap for this rule's signals: the records the
 * rule would judge could not be listed there, so say "not evaluated" rather than nothing.
 */
export function* gapNotEvaluated<O>(
  ctx: RuleContext<O>,
  kinds: readonly string[],
  missing: string,
): Generator<RuleHit> {
  for (const identity of ctx.identities) {
    if (kinds.includes(identity.kind) && ctx.gap(identity)) {
      yield notEvaluated(ctx, identity, undefined, missing);
    }
  }
}
