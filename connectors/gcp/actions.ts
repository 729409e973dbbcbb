/**
 * Write operations on user-managed service-account keys, used by playbooks: disable
 * (reversible), enable, delete, create (rotation). The new key's private key data exists
 * only in the SecretMaterial returned by `create`; nothing here logs or stores it.
 */
import type {
  ActionCapabilities,
  ActionResult,
  ConnectorActions,
  ConnectorContext,
  CredentialRef,
} from '../../src/connector/index.js';
import { NO_CAPABILITIES, UserError } from '../../src/connector/index.js';
import type { Credential, CredentialType } from '../../src/model/index.js';
import { keyResourceName, lastSegment, mapKey } from './map/service-accounts.js';
import type { RawServiceAccount } from './schema.js';
import { clientFor } from './client.js';

/** GCP allows 10 keys per service account. */
export const MAX_KEYS_PER_SERVICE_ACCOUNT = 10;

const NONE = NO_CAPABILITIES;

function keyName(ref: CredentialRef): string {
  const recorded = ref.attributes.resourceName;
  if (typeof recorded === 'string' && recorded.includes('/keys/')) return recorded;
  return keyResourceName(ref.scope.id, ref.identityExternalId, ref.credentialExternalId);
}

function serviceAccountName(ref: CredentialRef): string {
  return `projects/${ref.scope.id}/serviceAccounts/${ref.identityExternalId}`;
}

function requireKey(ref: CredentialRef): void {
  if (ref.type !== 'service-account-key') {
    throw new UserError(`gcp: playbooks act on service-account keys only, not ${ref.type}`);
  }
}

/** Just enough of the SA for mapKey (the key list says nothing about the SA itself). */
function saStub(ref: CredentialRef): RawServiceAccount {
  return { name: serviceAccountName(ref), email: ref.identityExternalId };
}

const NO_REQUEST_ID: ActionResult = { requestId: null };

export const actions: ConnectorActions = {
  capabilities(type: CredentialType): ActionCapabilities {
    if (type !== 'service-account-key') return NONE;
    return {
      deactivate: true,
      reactivate: true,
      delete: true,
      create: true,
      maxPerIdentity: MAX_KEYS_PER_SERVICE_ACCOUNT,
    };
  },

  /** Current state from IAM; last use is not queried here (lastUsedKnown false). */
  async describe(ctx: ConnectorContext, ref: CredentialRef): Promise<Credential | null> {
    requireKey(ref);
    const client = clientFor(ctx);
    const key = await client.getKey(keyName(ref));
    return key ? mapKey(key, saStub(ref), null, ctx.now()) : null;
  },

  async listSiblings(ctx: ConnectorContext, ref: CredentialRef): Promise<Credential[]> {
    requireKey(ref);
    const client = clientFor(ctx);
    const keys = await client.listKeys(serviceAccountName(ref));
    const now = ctx.now();
    return keys
      .map((k) => mapKey(k, saStub(ref), null, now))
      .filter((c): c is Credential => c !== null && c.externalId !== ref.credentialExternalId);
  },

  async deactivate(ctx, ref) {
    requireKey(ref);
    await clientFor(ctx).disableKey(keyName(ref));
    return NO_REQUEST_ID;
  },

  async reactivate(ctx, ref) {
    requireKey(ref);
    await clientFor(ctx).enableKey(keyName(ref));
    return NO_REQUEST_ID;
  },

  async delete(ctx, ref) {
    requireKey(ref);
    await clientFor(ctx).deleteKey(keyName(ref));
    return NO_REQUEST_ID;
  },

  async create(ctx, ref) {
    requireKey(ref);
    const { key, privateKeyData } = await clientFor(ctx).createKey(serviceAccountName(ref));
    const credential = mapKey(key, saStub(ref), null, ctx.now());
    if (!credential)
      throw new Error(`gcp: keys.create returned a ${key.keyType} key, expected USER_MANAGED`);
    // Google returns the credentials file base64-encoded; what users store is the JSON itself.
    const json = Buffer.from(privateKeyData, 'base64').toString('utf8');
    return {
      result: NO_REQUEST_ID,
      credential: { ...credential, externalId: lastSegment(key.name) },
      secret: { values: { GOOGLE_APPLICATION_CREDENTIALS_JSON: json } },
    };
  },

  sinks: {},
};
