/**
 * Write operations for playbooks: IAM access keys (deactivate, reactivate, delete, create) and
 * the Secrets Manager sink that receives a new key before the old one is retired. A new secret
 * lives only in the returned SecretMaterial; nothing here logs or returns it anywhere else.
 */
import {
  NO_CAPABILITIES,
  UserError,
  isApiError,
  type ActionCapabilities,
  type ActionResult,
  type ConnectorActions,
  type ConnectorContext,
  type CredentialRef,
  type Proof,
  type SecretMaterial,
  type Sink,
} from '../../src/connector/index.js';
import type { Credential } from '../../src/model/index.js';
import { AwsSession, baseCredentials } from './client.js';
import { keyStatus } from './map/credentials.js';
import { resolveSettings } from './options.js';
import type { RawAccessKey } from './schema.js';
import { trim } from './trim/index.js';

const NONE = NO_CAPABILITIES;
const ACCESS_KEY: ActionCapabilities = {
  deactivate: true,
  reactivate: true,
  delete: true,
  create: true,
  maxPerIdentity: 2,
};

/** A session in the credential's account: the caller's own, or AssumeRole(roleName) into it. */
export async function sessionFor(
  ctx: ConnectorContext,
  accountId: string | null,
): Promise<AwsSession> {
  const settings = resolveSettings(ctx.options, ctx.env);
  const base = new AwsSession(settings, baseCredentials(settings, ctx.env), ctx.signal);
  if (!accountId) return base;
  const caller = await base.callerIdentity();
  if (caller.account === accountId) return base;
  try {
    return await base.assume(accountId, settings.roleName, settings.externalId);
  } finally {
    base.close();
  }
}

function userNameOf(ref: CredentialRef): string {
  if (ref.type !== 'access-key')
    throw new UserError(`aws: no playbook action for credential type '${ref.type}'`);
  if (ref.attributes.root === true || ref.identityExternalId.endsWith(':root'))
    throw new UserError(
      'aws: root access keys can only be managed while signed in as the root user',
      'delete the root key in the console (Security credentials)',
    );
  const name =
    typeof ref.attributes.userName === 'string' ? ref.attributes.userName : ref.identityName;
  if (!name) throw new UserError(`aws: credential ${ref.credentialExternalId} has no user name`);
  return name;
}

async function withSession<T>(
  ctx: ConnectorContext,
  ref: CredentialRef,
  fn: (s: AwsSession, user: string) => Promise<T>,
): Promise<T> {
  const user = userNameOf(ref);
  const session = await sessionFor(ctx, ref.scope.id);
  try {
    return await fn(session, user);
  } finally {
    session.close();
  }
}

async function toCredential(
  session: AwsSession,
  arn: string,
  key: RawAccessKey,
): Promise<Credential> {
  const used = await session.accessKeyLastUsed(key.AccessKeyId!);
  return {
    externalId: key.AccessKeyId!,
    identityExternalId: arn,
    type: 'access-key',
    name: `${key.UserName}/${key.AccessKeyId}`,
    status: keyStatus(key.Status),
    createdAt: key.CreateDate?.toISOString() ?? null,
    expiresAt: null,
    lastUsedAt: used.lastUsedAt,
    lastUsedKnown: true,
    attributes: {
      userName: key.UserName ?? null,
      lastUsedService: used.service,
      lastUsedRegion: used.region,
    },
  };
}

async function listKeys(session: AwsSession, user: string): Promise<RawAccessKey[] | null> {
  try {
    return await session.listAccessKeys(user);
  } catch (e) {
    if (isApiError(e) && e.code === 'NoSuchEntity') return null; // the user is gone
    throw e;
  }
}

function result(requestId: string | null): ActionResult {
  return { requestId };
}

function secretsManagerSink(ctx: ConnectorContext, target: string): Sink {
  if (!/^[A-Za-z0-9/_+=.@-]{1,512}$/.test(target))
    throw new UserError(`aws-secrets-manager: '${target}' is not a valid secret name`);
  const withSession = async <T>(fn: (s: AwsSession) => Promise<T>): Promise<T> => {
    const session = await sessionFor(ctx, null);
    try {
      return await fn(session);
    } finally {
      session.close();
    }
  };
  return {
    describe: () => `aws-secrets-manager:${target}`,
    async put(secret, delivery) {
      const out = await withSession((s) =>
        s.putSecret(target, JSON.stringify(secret.values), delivery.token),
      );
      // The delivery token is the version id; any other answer proves nothing about our write.
      if (out.versionId !== delivery.token) {
        throw new Error(
          `Secrets Manager answered version ${out.versionId ?? '(none)'} for this delivery (${delivery.token})`,
        );
      }
      return { version: out.versionId, requestId: out.requestId };
    },
    async verify(receipt, delivery) {
      const stages = await withSession((s) => s.secretStages(target));
      if (!stages)
        return { ok: false, reason: 'DescribeSecret answered without VersionIdsToStages' };
      const mine = stages[delivery.token];
      if (!mine) return { ok: false, reason: `version ${delivery.token} is not there` };
      return mine.includes('AWSCURRENT')
        ? { ok: true }
        : { ok: false, reason: `version ${receipt.version} is no longer AWSCURRENT` };
    },
  };
}

const PROPAGATION = new Set(['InvalidClientTokenId', 'SignatureDoesNotMatch']);

/**
 * sts:GetCallerIdentity signed with the new key, against the configured endpoint. IAM is
 * eventually consistent: a brand-new key can be refused for a few seconds, so those refusals
 * are retried (pollIntervalMs apart, doubling, about half a minute at the default).
 */
async function proveKey(
  ctx: ConnectorContext,
  ref: CredentialRef,
  secret: SecretMaterial,
): Promise<Proof> {
  const accessKeyId = secret.values.AWS_ACCESS_KEY_ID;
  const secretAccessKey = secret.values.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) throw new Error('aws: no key pair to prove');
  const settings = resolveSettings(ctx.options, ctx.env);
  const session = new AwsSession(
    { ...settings, maxAttempts: 1 },
    { accessKeyId, secretAccessKey },
    ctx.signal,
  );
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        const who = await session.callerIdentity();
        if (who.arn !== ref.identityExternalId) {
          throw new Error(
            `aws: the new key authenticates as ${who.arn}, not as ${ref.identityExternalId}`,
          );
        }
        return { principal: who.arn };
      } catch (e) {
        if (!(isApiError(e) && PROPAGATION.has(e.code ?? '')) || attempt >= 6) throw e;
        await new Promise((r) => setTimeout(r, settings.pollIntervalMs * 2 ** (attempt - 1)));
      }
    }
  } finally {
    session.close();
  }
}

export const actions: ConnectorActions = {
  capabilities: (type) => (type === 'access-key' ? ACCESS_KEY : NONE),

  describe: (ctx, ref) =>
    withSession(ctx, ref, async (s, user) => {
      const key = (await listKeys(s, user))?.find(
        (k) => k.AccessKeyId === ref.credentialExternalId,
      );
      return key ? toCredential(s, ref.identityExternalId, key) : null;
    }),

  listSiblings: (ctx, ref) =>
    withSession(ctx, ref, async (s, user) => {
      const keys = (await listKeys(s, user)) ?? [];
      return Promise.all(
        keys
          .filter((k) => k.AccessKeyId !== ref.credentialExternalId)
          .map((k) => toCredential(s, ref.identityExternalId, k)),
      );
    }),

  deactivate: (ctx, ref) =>
    withSession(ctx, ref, async (s, user) =>
      result(await s.updateAccessKey(user, ref.credentialExternalId, 'Inactive')),
    ),
  reactivate: (ctx, ref) =>
    withSession(ctx, ref, async (s, user) =>
      result(await s.updateAccessKey(user, ref.credentialExternalId, 'Active')),
    ),
  delete: (ctx, ref) =>
    withSession(ctx, ref, async (s, user) =>
      result(await s.deleteAccessKey(user, ref.credentialExternalId)),
    ),

  create: (ctx, ref) =>
    withSession(ctx, ref, async (s, user) => {
      const created = await s.createAccessKey(user);
      const credential: Credential = {
        externalId: created.key.AccessKeyId!,
        identityExternalId: ref.identityExternalId,
        type: 'access-key',
        name: `${user}/${created.key.AccessKeyId}`,
        status: keyStatus(created.key.Status),
        createdAt: created.key.CreateDate?.toISOString() ?? null,
        expiresAt: null,
        lastUsedAt: null,
        lastUsedKnown: true,
        attributes: { userName: user },
      };
      return {
        result: result(created.requestId),
        credential,
        secret: {
          values: {
            AWS_ACCESS_KEY_ID: created.key.AccessKeyId!,
            AWS_SECRET_ACCESS_KEY: created.secretAccessKey,
          },
        },
      };
    }),

  prove: proveKey,

  actor(ctx) {
    const profile = resolveSettings(ctx.options, ctx.env).profile ?? ctx.env.AWS_PROFILE;
    if (profile) return `aws profile ${profile}`;
    // An access key id names the key without revealing anything usable.
    return ctx.env.AWS_ACCESS_KEY_ID ? `aws key ${ctx.env.AWS_ACCESS_KEY_ID}` : 'aws default chain';
  },

  sinks: { 'aws-secrets-manager': secretsManagerSink },

  trim,
};
