/**
 * Write operations for playbooks. OpenAI keys cannot be switched off, only deleted: the
 * capabilities say so, and every revocation plan says "irreversible". A replacement can be
 * created for a service account's key and for an admin key; a person's project key can only
 * be made by that person in the dashboard, which `create` says in one line.
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
import { OpenaiClient, resolveSettings } from './client.js';
import { adminKeyCredential, projectKeyCredential, type KeyKind } from './map/credentials.js';
import type { RawProject, RawProjectKey } from './schema.js';

const KEYS: ActionCapabilities = {
  ...NO_CAPABILITIES,
  // No disabled state at OpenAI: a key is live until deleted.
  delete: true,
  // Service-account and admin keys; a person's key cannot be created for them (see create).
  create: true,
};

/** The client for the organization the credential was scanned in. */
function clientFor(ctx: ConnectorContext, ref: CredentialRef): OpenaiClient {
  const settings = resolveSettings(ctx);
  const orgs = settings.organizations;
  const org =
    orgs.find((o) => o.id === ref.scope.id) ??
    (orgs.length === 1 && orgs[0]!.id === null ? orgs[0] : undefined);
  if (!org)
    throw new UserError(
      `openai: no admin key configured for organization ${ref.scope.id} (providers.openai.organizations[].id and keyEnv)`,
    );
  return new OpenaiClient(settings, org, ctx);
}

function kindOf(ref: CredentialRef): KeyKind {
  const kind = ref.attributes.keyKind;
  if (kind === 'admin' || kind === 'user' || kind === 'service-account') return kind;
  throw new UserError(
    `openai: ${ref.credentialExternalId} has no key kind in the catalog: scan the organization again`,
  );
}

function projectOf(ref: CredentialRef): RawProject {
  const id = ref.attributes.projectId;
  if (typeof id !== 'string')
    throw new UserError(`openai: ${ref.credentialExternalId} has no project in the catalog`);
  const name = typeof ref.attributes.projectName === 'string' ? ref.attributes.projectName : id;
  return { id, name, object: 'organization.project', created_at: 0 };
}

function mapProjectKey(ctx: ConnectorContext, ref: CredentialRef, key: RawProjectKey): Credential {
  const u = key.owner.user;
  const owner = u ? { id: u.id, name: u.name, email: u.email, member: null, departed: null } : null;
  return projectKeyCredential(key, projectOf(ref), owner, ctx.now());
}

const ignoreMissing = async <T>(p: Promise<T>): Promise<T | null> => {
  try {
    return await p;
  } catch (e) {
    if (isApiError(e) && e.kind === 'not-found') return null;
    throw e;
  }
};

async function describe(ctx: ConnectorContext, ref: CredentialRef): Promise<Credential | null> {
  const client = clientFor(ctx, ref);
  if (kindOf(ref) === 'admin') {
    const key = await ignoreMissing(client.getAdminKey(ref.credentialExternalId));
    return key && adminKeyCredential(key, ref.identityExternalId, null, ctx.now());
  }
  const key = await ignoreMissing(
    client.getProjectKey(projectOf(ref).id, ref.credentialExternalId),
  );
  return key && mapProjectKey(ctx, ref, key);
}

const noDisable = async (): Promise<never> => {
  throw new UserError(
    'openai: keys cannot be disabled, only deleted (nhi revoke plans a deletion)',
  );
};

export const actions: ConnectorActions = {
  capabilities: (type) => (type === 'api-key' ? KEYS : NO_CAPABILITIES),

  describe,

  async listSiblings(ctx, ref) {
    const client = clientFor(ctx, ref);
    const holder = ref.identityExternalId;
    if (kindOf(ref) === 'admin')
      return (await client.listAdminKeys())
        .filter((k) => k.owner.id === holder)
        .map((k) => adminKeyCredential(k, holder, null, ctx.now()));
    return (await client.listProjectKeys(projectOf(ref).id))
      .filter((k) => (k.owner.service_account?.id ?? k.owner.user?.id) === holder)
      .map((k) => mapProjectKey(ctx, ref, k));
  },

  deactivate: noDisable,
  reactivate: noDisable,

  async delete(ctx, ref) {
    const client = clientFor(ctx, ref);
    if (kindOf(ref) === 'admin') await client.deleteAdminKey(ref.credentialExternalId);
    else await client.deleteProjectKey(projectOf(ref).id, ref.credentialExternalId);
    return { requestId: null };
  },

  async create(ctx, ref): ReturnType<ConnectorActions['create']> {
    const kind = kindOf(ref);
    if (kind === 'user')
      throw new UserError(
        `openai: a person's project key cannot be created through the Admin API: ${ref.identityName} creates a new key in the dashboard (project ${projectOf(ref).name ?? ''} → API keys), updates what uses it, then 'nhi revoke' deletes the old one`,
      );
    const client = clientFor(ctx, ref);
    const name = `${typeof ref.attributes.name === 'string' ? ref.attributes.name : ref.identityName} (rotated ${ctx.now().toISOString().slice(0, 10)})`;
    if (kind === 'admin') {
      const { value, ...key } = await client.createAdminKey(name);
      return {
        result: { requestId: null },
        credential: adminKeyCredential(key, ref.identityExternalId, null, ctx.now()),
        secret: { values: { OPENAI_ADMIN_KEY: value } },
      };
    }
    const project = projectOf(ref);
    const { value, id } = await client.createServiceAccountKey(
      project.id,
      ref.identityExternalId,
      name,
    );
    // The create answer has no redacted value: read the key back as the dashboard shows it.
    const stored = await client.getProjectKey(project.id, id);
    return {
      result: { requestId: null },
      credential: mapProjectKey(ctx, ref, stored),
      secret: { values: { OPENAI_API_KEY: value } },
    };
  },

  sinks: {},
};
