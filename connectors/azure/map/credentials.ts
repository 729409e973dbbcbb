/**
 * One Entra credential -> one model Credential, alone: client secrets (password credentials),
 * certificates (key credentials) and federated identity credentials, on an app registration or
 * on a service principal. The scan and the playbook actions map them with the same functions.
 */
import type { Credential, CredentialStatus } from '../../../src/connector/index.js';
import type {
  GraphFederatedCredential,
  GraphKeyCredential,
  GraphPasswordCredential,
} from '../schema.js';
import { UNKNOWN_USE, usageOf } from './usage.js';

/** Which directory object holds a credential: playbooks act on that object. */
export interface SecretOwnerRef {
  origin: 'application' | 'servicePrincipal';
  objectId: string;
  appId: string;
}

/** keyId -> last sign-in; null = the report was not read (use unknown). */
type KeyUsage = Map<string, string | null> | null;

const GITHUB_ACTIONS_ISSUER = 'https://token.actions.githubusercontent.com';

export function credentialStatus(
  start: string | null | undefined,
  end: string | null | undefined,
  now: Date,
): CredentialStatus {
  if (end && Date.parse(end) <= now.getTime()) return 'expired';
  if (start && Date.parse(start) > now.getTime()) return 'inactive';
  return 'active';
}

/**
 * The SHA-1 thumbprint the portal shows, in hex. Graph sends `customKeyIdentifier` as base64
 * of the thumbprint's bytes (Edm.Binary); some tools store the hex itself.
 */
export function thumbprintOf(customKeyIdentifier: string | null | undefined): string | null {
  if (!customKeyIdentifier) return null;
  if (/^[0-9a-f]{40}$/i.test(customKeyIdentifier)) return customKeyIdentifier.toUpperCase();
  const bytes = Buffer.from(customKeyIdentifier, 'base64');
  return bytes.length === 20 ? bytes.toString('hex').toUpperCase() : null;
}

/** How a person finds a secret in the portal: its hint ("abc…") and its secret id (keyId). */
function secretHandle(p: GraphPasswordCredential): string {
  return p.hint ? `${p.hint}… · ${p.keyId}` : p.keyId;
}

/**
 * @param identityExternalId the identity it is recorded under (the app's, for its own service
 *   principal's secrets too)
 */
export function mapPasswordCredential(
  p: GraphPasswordCredential,
  identityExternalId: string,
  ref: SecretOwnerRef,
  now: Date,
  usage: KeyUsage,
): Credential {
  return {
    externalId: p.keyId,
    identityExternalId,
    type: 'client-secret',
    name: p.displayName ?? null,
    status: credentialStatus(p.startDateTime, p.endDateTime, now),
    createdAt: p.startDateTime ?? null,
    expiresAt: p.endDateTime ?? null,
    ...usageOf(usage, p.keyId),
    attributes: { ...ref, hint: p.hint ?? null, handle: secretHandle(p) },
  };
}

export function mapKeyCredential(
  k: GraphKeyCredential,
  identityExternalId: string,
  ref: SecretOwnerRef,
  now: Date,
  usage: KeyUsage,
): Credential {
  const thumbprint = thumbprintOf(k.customKeyIdentifier);
  return {
    externalId: k.keyId,
    identityExternalId,
    type: 'certificate',
    name: k.displayName ?? null,
    status: credentialStatus(k.startDateTime, k.endDateTime, now),
    createdAt: k.startDateTime ?? null,
    expiresAt: k.endDateTime ?? null,
    ...usageOf(usage, k.keyId),
    attributes: {
      ...ref,
      keyType: k.type ?? null,
      usage: k.usage ?? null,
      thumbprint,
      handle: thumbprint ? `${thumbprint} · ${k.keyId}` : k.keyId,
    },
  };
}

export function mapFederatedCredential(
  f: GraphFederatedCredential,
  identityExternalId: string,
  ref: SecretOwnerRef,
): Credential {
  return {
    externalId: f.id,
    identityExternalId,
    type: 'federated-credential',
    name: f.name,
    status: 'active',
    createdAt: null,
    expiresAt: null,
    // The sign-in reports are keyed by password/certificate keyId; federation has no such row.
    ...UNKNOWN_USE,
    attributes: {
      ...ref,
      issuer: f.issuer,
      subject: f.subject ?? null,
      audiences: f.audiences ?? [],
      githubActions: f.issuer === GITHUB_ACTIONS_ISSUER,
    },
  };
}

/** Every credential one directory object holds (federated ones only on applications). */
export function holderCredentials(
  holder: {
    passwordCredentials?: GraphPasswordCredential[] | null;
    keyCredentials?: GraphKeyCredential[] | null;
  },
  identityExternalId: string,
  ref: SecretOwnerRef,
  now: Date,
  usage: KeyUsage,
  federated: GraphFederatedCredential[] = [],
): Credential[] {
  return [
    ...(holder.passwordCredentials ?? []).map((p) =>
      mapPasswordCredential(p, identityExternalId, ref, now, usage),
    ),
    ...(holder.keyCredentials ?? []).map((k) =>
      mapKeyCredential(k, identityExternalId, ref, now, usage),
    ),
    ...federated.map((f) => mapFederatedCredential(f, identityExternalId, ref)),
  ];
}
