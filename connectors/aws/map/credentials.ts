/**
 * Credentials of IAM users: access keys (matched to the credential report's key slots for their
 * last use), console passwords, and service-specific credentials (Bedrock API keys, CodeCommit
 * and Keyspaces credentials…). The handle a person finds a credential by in the console goes
 * into `attributes.handle`; no secret ever reaches these records.
 */
import { isoOrNull, type Credential, type CredentialStatus } from '../../../src/connector/index.js';
import type { RawAccessKey, RawServiceCredential } from '../schema.js';
import type { ReportKeySlot, ReportRow } from './credential-report.js';
import { required } from './shared.js';

export function keyStatus(status: string | undefined): CredentialStatus {
  switch (status) {
    case 'Active':
      return 'active';
    case 'Inactive':
      return 'inactive';
    case 'Expired':
      return 'expired';
    default:
      return 'unknown';
  }
}

/** Last use as GetAccessKeyLastUsed reports it. */
export interface KeyLastUsed {
  lastUsedAt: string | null;
  service: string | null;
  region: string | null;
}

/**
 * The report has no key ids: its slots are matched to keys by creation time, else by age order.
 * A key created after the report was generated cannot be in it and never takes a slot.
 */
function pairKeysWithSlots(
  keys: readonly RawAccessKey[],
  slots: readonly ReportKeySlot[],
  reportGeneratedAt: string | null,
): { key: RawAccessKey; slot: ReportKeySlot | undefined }[] {
  const sorted = [...keys].sort(
    (a, b) => (a.CreateDate?.getTime() ?? 0) - (b.CreateDate?.getTime() ?? 0),
  );
  const generated = reportGeneratedAt ? Date.parse(reportGeneratedAt) : Infinity;
  const unmatched = sorted.filter((k) => (k.CreateDate?.getTime() ?? 0) < generated);
  const newer = sorted.filter((k) => !unmatched.includes(k));
  const pairs: { key: RawAccessKey; slot: ReportKeySlot | undefined }[] = [];
  for (const slot of slots) {
    const at = slot.lastRotated ? Date.parse(slot.lastRotated) : NaN;
    const i = unmatched.findIndex((k) => Math.abs((k.CreateDate?.getTime() ?? 0) - at) < 1500);
    if (i >= 0) pairs.push({ key: unmatched.splice(i, 1)[0]!, slot });
  }
  const freeSlots = slots.filter((s) => !pairs.some((p) => p.slot === s));
  for (const key of unmatched) pairs.push({ key, slot: freeSlots.shift() });
  for (const key of newer) pairs.push({ key, slot: undefined });
  return pairs;
}

/** A user's access keys, with last use from the report where a slot matches. */
export function accessKeyCredentials(
  userName: string,
  userArn: string,
  keys: readonly RawAccessKey[],
  row: ReportRow | undefined | null,
  reportKnown: boolean,
  reportGeneratedAt: string | null = null,
): Credential[] {
  const op = 'iam:ListAccessKeys';
  return pairKeysWithSlots(keys, row?.keys ?? [], reportGeneratedAt)
    .map(({ key, slot }): Credential => {
      const id = required(key.AccessKeyId, `user ${userName} AccessKeyId`, op);
      return {
        externalId: id,
        identityExternalId: userArn,
        type: 'access-key',
        name: `${userName}/${id}`,
        status: keyStatus(key.Status),
        createdAt: isoOrNull(key.CreateDate),
        expiresAt: null,
        lastUsedAt: slot?.lastUsedAt ?? null,
        lastUsedKnown: reportKnown && slot !== undefined,
        attributes: {
          handle: id,
          userName,
          lastUsedService: slot?.lastUsedService ?? null,
          lastUsedRegion: slot?.lastUsedRegion ?? null,
          reportSlot: slot?.slot ?? null,
        },
      };
    })
    .sort((a, b) => a.externalId.localeCompare(b.externalId));
}

/** Applies GetAccessKeyLastUsed's answer to a key the report could not speak for. */
export function withLastUsed(c: Credential, used: KeyLastUsed): Credential {
  return {
    ...c,
    lastUsedAt: used.lastUsedAt,
    lastUsedKnown: true,
    attributes: { ...c.attributes, lastUsedService: used.service, lastUsedRegion: used.region },
  };
}

/** The console password of a user whose report row says it has one. */
export function consolePasswordCredential(
  userName: string,
  userArn: string,
  row: ReportRow,
  reportKnown: boolean,
): Credential {
  return {
    externalId: `${userArn}#console-password`,
    identityExternalId: userArn,
    type: 'console-password',
    name: `${userName} console password`,
    status: 'active',
    createdAt: row.passwordLastChanged,
    expiresAt: row.passwordNextRotation,
    lastUsedAt: row.passwordLastUsed,
    lastUsedKnown: reportKnown,
    attributes: { mfaActive: row.mfaActive },
  };
}

/**
 * A service-specific credential (ListServiceSpecificCredentials): a Bedrock or CloudWatch Logs
 * API key, CodeCommit HTTPS Git credentials, Keyspaces credentials. IAM records no last use for
 * them, so last use is unknown (never "never used"). Bedrock long-term keys may carry an expiry.
 */
export function serviceCredential(userArn: string, c: RawServiceCredential): Credential {
  const op = 'iam:ListServiceSpecificCredentials';
  const id = required(c.ServiceSpecificCredentialId, 'ServiceSpecificCredentialId', op);
  const userName = required(c.UserName, `credential ${id} UserName`, op);
  const service = required(c.ServiceName, `credential ${id} ServiceName`, op);
  return {
    externalId: id,
    identityExternalId: userArn,
    type: 'service-specific-credential',
    name: `${userName}/${service}/${id}`,
    status: keyStatus(c.Status),
    createdAt: isoOrNull(c.CreateDate),
    expiresAt: isoOrNull(c.ExpirationDate),
    lastUsedAt: null,
    lastUsedKnown: false,
    attributes: {
      // What the console lists: the API key's alias, else the generated service user name.
      handle: c.ServiceCredentialAlias ?? c.ServiceUserName ?? id,
      service,
      // Bedrock API keys are AI-platform credentials: the AI rules select them by this.
      ...(service === 'bedrock.amazonaws.com' ? { aiService: 'bedrock' } : {}),
      userName,
      serviceUserName: c.ServiceUserName ?? null,
      serviceCredentialAlias: c.ServiceCredentialAlias ?? null,
    },
  };
}
