/**
 * Write operations for playbooks. An Anthropic key is revoked in stages: `inactive` (stops
 * working, reversible: `active` again), then `archived` after the grace period (final: an
 * archived key can never be used or changed again) — deactivate, reactivate and delete map
 * onto those. The Admin API cannot create keys, so rotation is a manual step, said in one line.
 */
import {
  UserError,
  isApiError,
  type ActionCapabilities,
  type ConnectorActions,
  type ConnectorContext,
  type Credential,
  type CredentialRef,
  NO_CAPABILITIES,
} from '../../src/connector/index.js';
import { AnthropicClient, resolveSettings } from './client.js';
import { apiKeyCredential, isLive } from './map/credentials.js';
import type { RawApiKey } from './schema.js';

const KEYS: ActionCapabilities = {
  ...NO_CAPABILITIES,
  deactivate: true,
  reactivate: true,
  // "delete" archives: irreversible, as the plan says.
  delete: true,
};

async function clientFor(ctx: ConnectorContext, ref: CredentialRef): Promise<AnthropicClient> {
  const settings = resolveSettings(ctx);
  // The scope id is the organization's id: ask each configured key which one it opens.
  for (const org of settings.organizations) {
    const client = new AnthropicClient(settings, org, ctx);
    if (settings.organizations.length === 1 || (await client.organization()).id === ref.scope.id)
      return client;
  }
  throw new UserError(
    `anthropic: no configured Admin API key opens organization ${ref.scope.id} (providers.anthropic.organizations[].keyEnv)`,
  );
}

/** The key as a credential, with what the playbook needs (no usage report: last use unknown). */
function mapped(key: RawApiKey, ref: CredentialRef): Credential {
  const name = ref.attributes.workspaceName;
  const workspaces = new Map(
    key.scope.type === 'workspace' && typeof name === 'string'
      ? [[key.scope.workspace_id, { name }]]
      : [],
  );
  return apiKeyCredential(key, workspaces, null, null);
}

async function setStatus(
  ctx: ConnectorContext,
  ref: CredentialRef,
  status: 'active' | 'inactive' | 'archived',
) {
  await (await clientFor(ctx, ref)).setApiKeyStatus(ref.credentialExternalId, status);
  return { requestId: null };
}

export const actions: ConnectorActions = {
  capabilities: (type) => (type === 'api-key' ? KEYS : NO_CAPABILITIES),

  async describe(ctx, ref) {
    try {
      const key = await (await clientFor(ctx, ref)).getApiKey(ref.credentialExternalId);
      // Archived is final: for a playbook the key is gone.
      return isLive(key) ? mapped(key, ref) : null;
    } catch (e) {
      if (isApiError(e) && e.kind === 'not-found') return null;
      throw e;
    }
  },

  async listSiblings(ctx, ref) {
    const keys = await (await clientFor(ctx, ref)).listApiKeys();
    return keys
      .filter((k) => isLive(k) && mapped(k, ref).identityExternalId === ref.identityExternalId)
      .map((k) => mapped(k, ref));
  },

  deactivate: (ctx, ref) => setStatus(ctx, ref, 'inactive'),
  reactivate: (ctx, ref) => setStatus(ctx, ref, 'active'),
  delete: (ctx, ref) => setStatus(ctx, ref, 'archived'),

  async create(_ctx, ref) {
    const where =
      typeof ref.attributes.workspaceName === 'string'
        ? `workspace ${ref.attributes.workspaceName}`
        : 'its workspace';
    throw new UserError(
      `anthropic: the Admin API cannot create API keys: create a replacement in the Console (Settings → API keys, ${where}), update what uses ${ref.credentialExternalId}, then 'nhi revoke' it (inactive now, archived after the grace period)`,
    );
  },

  sinks: {},
};
