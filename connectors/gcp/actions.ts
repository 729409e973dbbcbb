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
  Proof,
  SecretMaterial,
} from '../../src/connector/index.js';
import { setTimeout as delay } from 'node:timers/promises';
import { ApiError, NO_CAPABILITIES, UserError } from '../../src/connector/index.js';
import type { Credential, CredentialType } from '../../src/model/index.js';
import { keyResourceName, lastSegment, mapKey } from './map/service-accounts.js';
import type { RawServiceAccount } from './schema.js';
import { clientFor, tokenFromKeyFile } from './client.js';
import { parseGcpOptions } from './options.js';
import { trim } from './trim.js';

/** GCP allows 10 keys per service account. */
export const MAX_KEYS_PER_SERVICE_ACCOUNT = 10;

const NONE = NO_CAPABILITIES;

/**
 * The key's resource name. The recorded one is used only when it names this very key: a
 * playbook acts on the new key or a sibling with the attributes of the key it planned for, and
 * acting on `resourceName` then would delete the wrong key.
 */
function keyName(ref: CredentialRef): string {
  const recorded = ref.attributes.resourceName;
  if (typeof recorded === 'string' && recorded.endsWith(`/keys/${ref.credentialExternalId}`))
    return recorded;
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

/** Attempts at proving a brand-new key Google may not have propagated yet (invalid_grant). */
const PROOF_ATTEMPTS = 6;

/**
 * A JWT-bearer token request signed with the new key, at the configured OAuth 2.0 host,
 * through the scan's pinned, timed transport. A brand-new key can be refused for a short while
 * (invalid_grant): that one answer is waited out a few times (withRetry retries only transient
 * kinds, and invalid_grant is one only here).
 */
async function proveKey(
  ctx: ConnectorContext,
  ref: CredentialRef,
  secret: SecretMaterial,
): Promise<Proof> {
  const file = secret.values.GOOGLE_APPLICATION_CREDENTIALS_JSON;
  if (!file) throw new Error('gcp: no key file to prove');
  const opts = parseGcpOptions(ctx.options, ctx.env);
  for (let attempt = 1; ; attempt++) {
    try {
      const who = await tokenFromKeyFile(file, opts.rootUrls.oauth2, {
        timeoutMs: opts.timeoutMs,
        signal: ctx.signal,
      });
      if (who.email !== ref.identityExternalId || !ref.credentialExternalId.endsWith(who.keyId)) {
        throw new Error(
          `gcp: the key file is for ${who.email} key ${who.keyId}, not for the new key`,
        );
      }
      return { principal: who.email };
    } catch (e) {
      if (!(e instanceof ApiError && e.code === 'invalid_grant') || attempt >= PROOF_ATTEMPTS)
        throw e;
      const wait = Math.min(opts.retry.baseDelayMs * 2 ** attempt, 8000);
      await delay(wait, undefined, { signal: ctx.signal });
    }
  }
}

export const actions: ConnectorActions = {
  /** IAM Recommender's role recommendations for service accounts (trim.ts). */
  trim,

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

  prove: proveKey,

  actor(ctx) {
    if (ctx.env.NHI_GCP_ACCESS_TOKEN) return 'gcp access token (NHI_GCP_ACCESS_TOKEN)';
    return ctx.env.GOOGLE_APPLICATION_CREDENTIALS
      ? 'gcp key file (GOOGLE_APPLICATION_CREDENTIALS)'
      : 'gcp application default credentials';
  },

  sinks: {},
};
