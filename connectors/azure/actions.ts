/**
 * Playbook operations on Entra client secrets: create (addPassword), delete (removePassword),
 * describe/listSiblings straight from Graph, and the 'azure-key-vault' sink. Entra has no
 * way to switch a secret off and back on, so deactivate/reactivate are not offered.
 */
import {
  NO_CAPABILITIES,
  isApiError,
  UserError,
  type ActionCapabilities,
  type ActionResult,
  type ConnectorActions,
  type ConnectorContext,
  type Credential,
  type CredentialRef,
  type CredentialType,
  type Proof,
  type SecretMaterial,
  type Sink,
} from '../../src/connector/index.js';
import { createAzureClient, signInWithSecret, type AzureClient } from './client.js';
import { parseKeyVaultTarget, resolveSettings } from './options.js';
import { setTimeout as delay } from 'node:timers/promises';
import { z } from 'zod';
import {
  applicationSchema,
  federatedCredentialSchema,
  parseList,
  parseOne,
  servicePrincipalSchema,
} from './schema.js';
import {
  holderCredentials,
  mapPasswordCredential,
  type SecretOwnerRef,
} from './map/credentials.js';
import { trim } from './trim.js';

const NONE = NO_CAPABILITIES;

/** Which object holds the secret: the app registration or its service principal. */
function ownerOf(ref: CredentialRef): SecretOwnerRef {
  const origin = ref.attributes.origin === 'servicePrincipal' ? 'servicePrincipal' : 'application';
  const objectId =
    typeof ref.attributes.objectId === 'string' ? ref.attributes.objectId : ref.identityExternalId;
  const appId = typeof ref.attributes.appId === 'string' ? ref.attributes.appId : '';
  return { origin, objectId, appId };
}

function collection(owner: SecretOwnerRef): string {
  return owner.origin === 'servicePrincipal' ? 'servicePrincipals' : 'applications';
}

function clientFor(ctx: ConnectorContext, ref: CredentialRef): AzureClient {
  const settings = resolveSettings(ctx.options, ctx.env);
  return createAzureClient(ctx, settings, ref.scope.id).client;
}

/**
 * A secret Entra created seconds ago must not look "not yet valid" because this machine's
 * clock is a little behind Entra's: states are judged with this much allowance.
 */
const CLOCK_SKEW_MS = 5 * 60_000;
const judgedAt = (ctx: ConnectorContext) => new Date(ctx.now().getTime() + CLOCK_SKEW_MS);

/** Every credential the holder object has, mapped like the scan maps them (usage unknown here). */
async function credentialsOfOwner(
  ctx: ConnectorContext,
  ref: CredentialRef,
): Promise<Credential[] | null> {
  const owner = ownerOf(ref);
  const client = clientFor(ctx, ref);
  const path = `/${collection(owner)}/${owner.objectId}`;
  let raw: unknown;
  try {
    raw = (
      await client.graphGet(
        `${path}?$select=id,appId,displayName,passwordCredentials,keyCredentials`,
      )
    ).json;
  } catch (err) {
    if ((err as { status?: number }).status === 404) return null;
    throw err;
  }
  // Mapped alone, like the scan maps it (usage unknown here), under the identity the catalog has.
  if (owner.origin === 'application') {
    const app = parseOne(applicationSchema, raw, `GET ${path}`);
    const federated = parseList(
      federatedCredentialSchema,
      await client.graphList(`${path}/federatedIdentityCredentials`),
      `GET ${path}/federatedIdentityCredentials`,
    );
    const holder = { origin: 'application', objectId: app.id, appId: app.appId } as const;
    return holderCredentials(app, ref.identityExternalId, holder, judgedAt(ctx), null, federated);
  }
  const sp = parseOne(servicePrincipalSchema, raw, `GET ${path}`);
  const holder = { origin: 'servicePrincipal', objectId: sp.id, appId: sp.appId } as const;
  return holderCredentials(sp, ref.identityExternalId, holder, judgedAt(ctx), null);
}

const addPasswordResponse = z.object({
  keyId: z.string(),
  displayName: z.string().nullish(),
  hint: z.string().nullish(),
  startDateTime: z.string().nullish(),
  endDateTime: z.string().nullish(),
  secretText: z.string().min(1),
});

function notSupported(what: string): never {
  throw new UserError(`Entra client secrets cannot be ${what}; delete the secret instead`);
}

export const actions: ConnectorActions = {
  /** Unused RBAC and app role assignments of service principals (trim.ts). */
  trim,

  capabilities(type: CredentialType): ActionCapabilities {
    if (type === 'client-secret') {
      return {
        deactivate: false,
        reactivate: false,
        delete: true,
        create: true,
        maxPerIdentity: null,
      };
    }
    return NONE;
  },

  async describe(ctx, ref) {
    const all = await credentialsOfOwner(ctx, ref);
    return all?.find((c) => c.externalId === ref.credentialExternalId) ?? null;
  },

  async listSiblings(ctx, ref) {
    const all = (await credentialsOfOwner(ctx, ref)) ?? [];
    return all.filter((c) => c.externalId !== ref.credentialExternalId);
  },

  deactivate: async () => notSupported('deactivated'),
  reactivate: async () => notSupported('reactivated'),

  async delete(ctx, ref): Promise<ActionResult> {
    if (ref.type !== 'client-secret')
      throw new UserError(`nhi can only delete Entra client secrets, not ${ref.type}`);
    const owner = ownerOf(ref);
    const client = clientFor(ctx, ref);
    const { requestId } = await client.graphPost(
      `/${collection(owner)}/${owner.objectId}/removePassword`,
      {
        keyId: ref.credentialExternalId,
      },
    );
    return { requestId };
  },

  async create(ctx, ref) {
    if (ref.type !== 'client-secret')
      throw new UserError(`nhi can only create Entra client secrets, not ${ref.type}`);
    const settings = resolveSettings(ctx.options, ctx.env);
    const owner = ownerOf(ref);
    const client = createAzureClient(ctx, settings, ref.scope.id).client;
    const now = ctx.now();
    const end = new Date(now.getTime() + settings.secretLifetimeDays * 86_400_000);
    const { json, requestId } = await client.graphPost(
      `/${collection(owner)}/${owner.objectId}/addPassword`,
      {
        passwordCredential: {
          displayName: `nhi rotation ${now.toISOString().slice(0, 10)}`,
          endDateTime: end.toISOString(),
        },
      },
    );
    const parsed = addPasswordResponse.safeParse(json);
    // Never echo the payload: it holds the new secret.
    if (!parsed.success)
      throw new Error(
        `unexpected Azure payload from addPassword: ${parsed.error.issues[0]?.path.join('.')}`,
      );
    const { secretText, ...meta } = parsed.data;
    const appId = owner.appId || (await appIdOf(client, owner));
    const credential = mapPasswordCredential(
      meta,
      ref.identityExternalId,
      { ...owner, appId },
      now,
      null,
    );
    return {
      result: { requestId },
      credential,
      secret: {
        values: {
          AZURE_CLIENT_ID: appId,
          AZURE_CLIENT_SECRET: secretText,
          AZURE_TENANT_ID: ref.scope.id,
        },
      },
    };
  },

  prove: proveSecret,

  actor(ctx) {
    const id = ctx.env.AZURE_CLIENT_ID;
    return id ? `azure app ${id}` : 'azure DefaultAzureCredential';
  },

  sinks: { 'azure-key-vault': keyVaultSink },
};

/** Entra may refuse a brand-new secret for a few seconds (AADSTS7000215): retried. */
const NOT_YET = new Set(['AADSTS7000215', 'AADSTS700016']);

async function proveSecret(
  ctx: ConnectorContext,
  ref: CredentialRef,
  secret: SecretMaterial,
): Promise<Proof> {
  const { AZURE_CLIENT_ID: clientId, AZURE_CLIENT_SECRET: value } = secret.values;
  if (!clientId || !value) throw new Error('azure: no client id and secret to prove');
  const settings = resolveSettings(ctx.options, ctx.env);
  const tenant = secret.values.AZURE_TENANT_ID || ref.scope.id;
  for (let attempt = 1; ; attempt++) {
    try {
      await signInWithSecret(settings, tenant, clientId, value, ctx.signal);
      return { principal: `app ${clientId} in tenant ${tenant}` };
    } catch (e) {
      if (!(isApiError(e) && e.code && NOT_YET.has(e.code)) || attempt >= 6) throw e;
      const wait = Math.min(settings.retry.retryDelayInMs * 2 ** attempt, 8000);
      await delay(wait, undefined, { signal: ctx.signal });
    }
  }
}

/**
 * 'azure-key-vault:VAULT/NAME': all values as one JSON document (client id, secret and
 * tenant move together), tagged with the delivery token. Verification wants that very
 * version, enabled, tagged with this delivery, and still the newest (what readers get).
 */
function keyVaultSink(ctx: ConnectorContext, target: string): Sink {
  const settings = resolveSettings(ctx.options, ctx.env);
  const { vaultUrl, secretName } = parseKeyVaultTarget(target, settings);
  const tenant = settings.tenants[0];
  let vault: ReturnType<AzureClient['keyVault']> | null = null;
  const open = () => (vault ??= createAzureClient(ctx, settings, tenant).client.keyVault(vaultUrl));
  return {
    describe: () => `azure-key-vault:${vaultUrl}/secrets/${secretName}`,
    async put(secret, delivery) {
      const { version } = await open().set(
        secretName,
        JSON.stringify(secret.values),
        'application/json',
        { 'managed-by': 'nhi', 'nhi-delivery': delivery.token },
      );
      if (!version) throw new Error('Key Vault answered without a version id');
      return { version, requestId: null };
    },
    async verify(receipt, delivery) {
      const versions = await open().versions(secretName);
      const mine = versions.find((v) => v.version === receipt.version);
      if (!mine) return { ok: false, reason: `version ${receipt.version} is not there` };
      if (!mine.enabled) return { ok: false, reason: `version ${receipt.version} is disabled` };
      if (mine.tags['nhi-delivery'] !== delivery.token)
        return { ok: false, reason: `version ${receipt.version} is not this delivery` };
      const newer = versions.filter(
        (v) => v.enabled && v.createdOn && mine.createdOn && v.createdOn > mine.createdOn,
      );
      return newer.length === 0
        ? { ok: true }
        : { ok: false, reason: `a newer version (${newer[0]!.version}) replaced it` };
    },
  };
}

async function appIdOf(client: AzureClient, owner: SecretOwnerRef): Promise<string> {
  const { json } = await client.graphGet(
    `/${collection(owner)}/${owner.objectId}?$select=id,appId`,
  );
  return parseOne(
    z.object({ appId: z.string() }),
    json,
    `GET /${collection(owner)}/${owner.objectId}`,
  ).appId;
}
