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
  type Sink,
} from '../../src/connector/index.js';
import type { Credential } from '../../src/model/index.js';
import { AwsSession, baseCredentials } from './client.js';
import { keyStatus } from './map/credentials.js';
import { resolveSettings } from './options.js';
import type { RawAccessKey } from './schema.js';

const NONE = NO_CAPABILITIES;
const ACCESS_KEY: ActionCapabilities = {
  deactivate: true,
  reactivate: true,
  delete: true,
  create: true,
  maxPerIdentity: 2,
};

/** A session in the credential's account: the caller's own, or AssumeRole(roleName) into it. */
async function sessionFor(ctx: ConnectorContext, accountId: string | null): Promise<AwsSession> {
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
  return {
    describe: () => `aws-secrets-manager:${target}`,
    async put(secret) {
      const session = await sessionFor(ctx, null);
      try {
        const out = await session.putSecret(target, JSON.stringify(secret.values));
        return { version: out.versionId, requestId: out.requestId };
      } finally {
        session.close();
      }
    },
    async verify(version) {
      const session = await sessionFor(ctx, null);
      try {
        const stages = await session.secretStages(target);
        if (version === null) return Object.values(stages).some((s) => s.includes('AWSCURRENT'));
        return stages[version]?.includes('AWSCURRENT') ?? false;
      } finally {
        session.close();
      }
    },
  };
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

  sinks: { 'aws-secrets-manager': secretsManagerSink },
};
