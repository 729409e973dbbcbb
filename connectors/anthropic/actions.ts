/**
 * Write operations for playbooks. Capabilities are declared honestly: a credential that
 * cannot be deactivated makes every revocation plan say "irreversible".
 */
import {
  UserError,
  type ActionCapabilities,
  type ConnectorActions,
  type ConnectorContext,
  type Credential,
  type CredentialRef,
  NO_CAPABILITIES,
} from '../../src/connector/index.js';
import { AnthropicClient, resolveSettings } from './client.js';
import { toCredential } from './map/inventory.js';
import type { RawServiceAccount } from './schema.js';

const KEYS: ActionCapabilities = {
  deactivate: true,
  reactivate: true,
  delete: true,
  create: true,
  maxPerIdentity: 10,
};

function client(ctx: ConnectorContext): AnthropicClient {
  return new AnthropicClient(resolveSettings(ctx), ctx);
}

/** The identity as far as the mapping needs it (the key's owner). */
function owner(ref: CredentialRef): RawServiceAccount {
  return {
    id: ref.identityExternalId,
    name: ref.identityName,
    description: null,
    created_at: new Date(0).toISOString(),
    owner_email: null,
  };
}

function mapped(ref: CredentialRef, key: Parameters<typeof toCredential>[1]): Credential {
  return toCredential(owner(ref), key);
}

export const actions: ConnectorActions = {
  capabilities: (type) => (type === 'api-key' ? KEYS : NO_CAPABILITIES),

  async describe(ctx, ref) {
    try {
      const key = await client(ctx).getKey(
        ref.scope.id,
        ref.identityExternalId,
        ref.credentialExternalId,
      );
      return mapped(ref, key);
    } catch (e) {
      if ((e as { kind?: string }).kind === 'not-found') return null;
      throw e;
    }
  },

  async listSiblings(ctx, ref) {
    const keys = await client(ctx).listKeys(ref.scope.id, ref.identityExternalId);
    return keys.map((k) => mapped(ref, k));
  },

  async deactivate(ctx, ref) {
    await client(ctx).setKeyStatus(
      ref.scope.id,
      ref.identityExternalId,
      ref.credentialExternalId,
      'disable',
    );
    return { requestId: null };
  },

  async reactivate(ctx, ref) {
    await client(ctx).setKeyStatus(
      ref.scope.id,
      ref.identityExternalId,
      ref.credentialExternalId,
      'enable',
    );
    return { requestId: null };
  },

  async delete(ctx, ref) {
    await client(ctx).deleteKey(ref.scope.id, ref.identityExternalId, ref.credentialExternalId);
    return { requestId: null };
  },

  async create(ctx, ref) {
    if (ref.type !== 'api-key') throw new UserError(`anthropic: cannot create a ${ref.type}`);
    const { value, ...key } = await client(ctx).createKey(ref.scope.id, ref.identityExternalId);
    return {
      result: { requestId: null },
      credential: mapped(ref, key),
      secret: { values: { ANTHROPIC_API_KEY: value } },
    };
  },

  sinks: {},
};
