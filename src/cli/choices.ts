/**
 * Enumerated flag values (`--status`, `--type`, `--rule`, `--scope`…): a value outside the
 * vocabulary is a usage error naming the closest valid word and every valid one, never an
 * empty result that reads as "clean".
 */
import { closest, distance } from 'fastest-levenshtein';
import { UserError } from '../connector/kit/errors.js';
import type { CredentialStatus, CredentialType, IdentityKind } from '../model/index.js';

/** A Record, so the compiler says when the model gains a value this list lacks. */
const TYPES: Record<CredentialType, true> = {
  'access-key': true,
  'account-key': true,
  'actions-secret': true,
  'app-installation': true,
  certificate: true,
  'classic-pat': true,
  'client-secret': true,
  'console-password': true,
  'dependabot-secret': true,
  'deploy-key': true,
  'federated-credential': true,
  'fine-grained-pat': true,
  'oauth-token': true,
  'service-account-key': true,
  'service-specific-credential': true,
  'signing-certificate': true,
  'ssh-key': true,
  'webhook-secret': true,
  'api-key': true,
};
const KINDS: Record<IdentityKind, true> = {
  root: true,
  user: true,
  role: true,
  group: true,
  application: true,
  'service-principal': true,
  'managed-identity': true,
  'service-account': true,
  'github-app': true,
  'github-user': true,
  repository: true,
  organization: true,
  environment: true,
  project: true,
  'cloud-resource': true,
};
const STATUSES: Record<CredentialStatus, true> = {
  active: true,
  inactive: true,
  expired: true,
  unknown: true,
};

export const CREDENTIAL_TYPES: readonly string[] = Object.keys(TYPES).sort();
export const IDENTITY_KINDS: readonly string[] = Object.keys(KINDS).sort();
export const CREDENTIAL_STATUSES: readonly string[] = Object.keys(STATUSES);

/** "did you mean X?" when a valid word is close enough to be the intended one. */
export function didYouMean(word: string, valid: readonly string[]): string {
  if (valid.length === 0) return '';
  const best = closest(word, valid as string[]);
  return distance(word, best) <= Math.max(2, Math.floor(best.length / 3))
    ? ` (did you mean '${best}'?)`
    : '';
}

/** The message for a value outside `valid`: what, the closest word, every valid one. */
export function notOneOf(
  flag: string,
  word: string,
  valid: readonly string[],
  what: string,
  listing = `valid: ${valid.join(', ')}`,
): string {
  return `${flag} '${word}': unknown ${what}${didYouMean(word, valid)}; ${listing}`;
}

/** `--type a,b`: each comma-separated word checked against `valid` (case-insensitive). */
export function parseChoices(
  flag: string,
  value: string,
  valid: readonly string[],
  what: string,
): string[] {
  const words = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (words.length === 0) throw new UserError(`${flag} needs one or more of ${valid.join(', ')}`);
  const byLower = new Map(valid.map((v) => [v.toLowerCase(), v]));
  const chosen = words.map((w) => {
    const v = byLower.get(w.toLowerCase());
    if (v === undefined) throw new UserError(notOneOf(flag, w, valid, what));
    return v;
  });
  return [...new Set(chosen)];
}
