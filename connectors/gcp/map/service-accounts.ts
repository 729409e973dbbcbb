/**
 * Service accounts, their keys and Policy Analyzer's last-authentication activity -> model
 * records. Pure: no I/O, no clock except the `now` passed in.
 */
import {
  isoOrNull,
  ownerCandidatesFromText,
  type Credential,
  type CredentialStatus,
  type Identity,
} from '../../../src/connector/index.js';
import type { RawActivity, RawServiceAccount, RawServiceAccountKey } from '../schema.js';

/** GCP writes "never expires" as validBeforeTime 9999-12-31T23:59:59Z; nhi stores null. */
export function expiryOrNull(validBeforeTime: string | null | undefined): string | null {
  if (!validBeforeTime) return null;
  if (validBeforeTime.startsWith('9999-')) return null;
  return isoOrNull(validBeforeTime);
}

/** The last path segment of a resource name: the key id of `projects/p/serviceAccounts/e/keys/ID`. */
export function lastSegment(name: string): string {
  return name.slice(name.lastIndexOf('/') + 1);
}

export function keyResourceName(projectId: string, email: string, keyId: string): string {
  return `projects/${projectId}/serviceAccounts/${email}/keys/${keyId}`;
}

/** Last-authentication times keyed by SA email/uniqueId and by key id (see indexActivities). */
export interface LastAuthIndex {
  serviceAccounts: Map<string, string>;
  keys: Map<string, string>;
}

const POLICY_ANALYZER = { lastUsedSource: 'policy-analyzer', lastUsedGranularity: 'day' };

/** `keys` is null when they could not be listed: the key counts are then unknown (null). */
export function mapServiceAccount(
  sa: RawServiceAccount,
  keys: RawServiceAccountKey[] | null,
  lastAuth: LastAuthIndex | null,
): Identity {
  const systemManaged = keys && keys.filter((k) => k.keyType === 'SYSTEM_MANAGED').length;
  const userManaged = keys && keys.length - systemManaged!;
  const last =
    lastAuth === null
      ? null
      : (lastAuth.serviceAccounts.get(sa.email.toLowerCase()) ??
        (sa.uniqueId ? lastAuth.serviceAccounts.get(sa.uniqueId) : undefined) ??
        null);
  return {
    externalId: sa.email,
    name: sa.displayName || sa.email.split('@')[0] || sa.email,
    kind: 'service-account',
    // GCP records no owner or creation time on a service account.
    owner: null,
    createdAt: null,
    tags: {},
    lastUsedKnown: lastAuth !== null,
    lastUsedAt: last,
    attributes: {
      email: sa.email,
      uniqueId: sa.uniqueId ?? null,
      resourceName: sa.name,
      description: sa.description ?? null,
      // GCP records no owner: an `Owner: x` / `team: y` in the description is the convention.
      ownerCandidates: ownerCandidatesFromText(sa.description, 'service account description'),
      disabled: sa.disabled === true,
      status: sa.disabled === true ? 'disabled' : 'enabled',
      oauth2ClientId: sa.oauth2ClientId ?? null,
      defaultServiceAccount: isDefaultServiceAccount(sa.email),
      userManagedKeyCount: userManaged,
      systemManagedKeyCount: systemManaged,
      ...(lastAuth ? POLICY_ANALYZER : {}),
    },
  };
}

/** Compute Engine and App Engine default SAs are created by Google with broad roles. */
export function isDefaultServiceAccount(email: string): boolean {
  return (
    /-compute@developer\.gserviceaccount\.com$/.test(email) ||
    /@appspot\.gserviceaccount\.com$/.test(email)
  );
}

/** User-managed keys only: system-managed keys are rotated by Google and never leave it. */
export function mapKey(
  key: RawServiceAccountKey,
  sa: Pick<RawServiceAccount, 'email' | 'disabled'>,
  lastAuth: LastAuthIndex | null,
  now: Date,
): Credential | null {
  if (key.keyType === 'SYSTEM_MANAGED') return null;
  const keyId = lastSegment(key.name);
  const expiresAt = expiryOrNull(key.validBeforeTime);
  let status: CredentialStatus = 'active';
  if (key.disabled === true) status = 'inactive';
  else if (expiresAt !== null && Date.parse(expiresAt) <= now.getTime()) status = 'expired';
  const extended = (key.extendedStatus ?? []).map((s) => ({
    key: s.key ?? null,
    value: s.value ?? null,
  }));
  return {
    externalId: keyId,
    identityExternalId: sa.email,
    type: 'service-account-key',
    name: null,
    status,
    createdAt: isoOrNull(key.validAfterTime),
    expiresAt,
    lastUsedKnown: lastAuth !== null,
    lastUsedAt: lastAuth === null ? null : (lastAuth.keys.get(keyId) ?? null),
    attributes: {
      // What the console's Keys tab of the service account shows: the key id.
      handle: `${keyId} (${sa.email})`,
      resourceName: key.name,
      keyOrigin: key.keyOrigin ?? null,
      keyAlgorithm: key.keyAlgorithm ?? null,
      disableReason: key.disableReason ?? null,
      extendedStatus: extended,
      // Google marks keys it found published (e.g. on GitHub) with this status.
      exposed: extended.some((s) => s.key === 'SERVICE_ACCOUNT_KEY_EXPOSED'),
      serviceAccountDisabled: sa.disabled === true,
      ...(lastAuth ? POLICY_ANALYZER : {}),
    },
  };
}

const SA_PATH = /\/serviceAccounts\/([^/]+)(?:\/keys\/([^/]+))?$/;

/**
 * Builds the last-authentication index from both activity types. Service accounts are keyed
 * by lower-cased email and by unique id, because the fullResourceName may carry either.
 */
export function indexActivities(activities: RawActivity[]): LastAuthIndex {
  const index: LastAuthIndex = { serviceAccounts: new Map(), keys: new Map() };
  const keepLatest = (target: Map<string, string>, id: string, when: string) => {
    const prev = target.get(id);
    if (!prev || prev < when) target.set(id, when);
  };
  for (const a of activities) {
    const when = isoOrNull(a.activity?.lastAuthenticatedTime ?? a.observationPeriod?.endTime);
    const resource =
      a.fullResourceName ??
      a.activity?.serviceAccountKey?.fullResourceName ??
      a.activity?.serviceAccount?.fullResourceName;
    if (!when || !resource) continue;
    const m = SA_PATH.exec(resource);
    if (!m) continue;
    const [, sa, key] = m;
    if (key) keepLatest(index.keys, key, when);
    else keepLatest(index.serviceAccounts, decodeURIComponent(sa!).toLowerCase(), when);
    const uid = a.activity?.serviceAccount?.serviceAccountId;
    if (!key && uid) keepLatest(index.serviceAccounts, uid, when);
  }
  return index;
}
