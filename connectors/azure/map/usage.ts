/**
 * Last use from the beta sign-in reports. "Never used" (report read, no row) and "unknown"
 * (report unavailable: null map) stay apart.
 */
import type { UsageSignal } from '../../../src/connector/index.js';
import type {
  CredentialSignInActivity,
  SignInActivityRecord,
  SpSignInActivity,
} from '../schema.js';

/** Per-tenant usage data; null = the report could not be read, so usage is unknown. */
export interface UsageReports {
  /** appId -> last sign-in. */
  servicePrincipals: Map<string, string | null> | null;
  /** keyId -> last sign-in with that secret or certificate. */
  credentials: Map<string, string | null> | null;
}

export const NO_USAGE_REPORTS: UsageReports = { servicePrincipals: null, credentials: null };

export function latestSignIn(activity: SignInActivityRecord): string | null {
  const dates = [
    activity?.lastSignInDateTime,
    activity?.lastNonInteractiveSignInDateTime,
    activity?.lastSuccessfulSignInDateTime,
  ].filter((d): d is string => typeof d === 'string' && d.length > 0);
  return dates.sort().at(-1) ?? null;
}

export function spUsageMap(items: SpSignInActivity[]): Map<string, string | null> {
  return new Map(items.map((i) => [i.appId, latestSignIn(i.lastSignInActivity)]));
}

export function credentialUsageMap(items: CredentialSignInActivity[]): Map<string, string | null> {
  const out = new Map<string, string | null>();
  for (const i of items) {
    // The report has one row per credential and resource; keep the latest use.
    const at = latestSignIn(i.signInActivity);
    const prev = out.get(i.keyId) ?? null;
    out.set(i.keyId, prev && (!at || prev > at) ? prev : at);
  }
  return out;
}

export function usageOf(map: Map<string, string | null> | null, key: string): UsageSignal {
  return map
    ? { lastUsedAt: map.get(key) ?? null, lastUsedKnown: true }
    : { lastUsedAt: null, lastUsedKnown: false };
}

/** For grants and credentials no report covers. */
export const UNKNOWN_USE: UsageSignal = { lastUsedAt: null, lastUsedKnown: false };
