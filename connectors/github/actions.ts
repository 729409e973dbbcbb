/**
 * Write operations for playbooks. GitHub lets nhi remove access, not suspend it:
 * - deploy key: delete (there is no "disable" in the API), and rotate: a new key pair is
 *   added and its private key delivered to a sink (deploy-keys.ts), read-only when a trim
 *   narrows a write key;
 * - fine-grained PAT: revoke the token's access to the organization (GitHub App only);
 * - classic PAT / SSH key / OAuth token under SAML SSO: delete the credential authorization
 *   (the credential keeps existing but loses access to the organization).
 * Nothing else can be created here: GitHub mints those credentials only for their owners.
 * The `github-actions` sink (sink.ts) delivers new secrets into Actions secrets.
 */
import { trim } from './trim.js';
import type {
  ActionCapabilities,
  ActionResult,
  ConnectorActions,
  ConnectorContext,
  CredentialRef,
} from '../../src/connector/index.js';
import { NO_CAPABILITIES, UserError } from '../../src/connector/index.js';
import type { Credential, CredentialType } from '../../src/model/index.js';
import { GitHubClient, isNotFound, resolveSettings } from './client.js';
import * as m from './map/index.js';
import { githubActionsSink, parseSinkTarget } from './sink.js';
import { createReplacement, deployKeyId, proveReplacement } from './deploy-keys.js';

const NONE = NO_CAPABILITIES;
const DELETABLE: ActionCapabilities = { ...NONE, delete: true };

const CAPABILITIES: Partial<Record<CredentialType, ActionCapabilities>> = {
  'deploy-key': { ...DELETABLE, create: true },
  'fine-grained-pat': DELETABLE,
  'classic-pat': DELETABLE,
  'ssh-key': DELETABLE,
  'oauth-token': DELETABLE,
};

async function clientFor(ctx: ConnectorContext, ref: CredentialRef): Promise<GitHubClient> {
  return GitHubClient.open(resolveSettings(ctx, { requireOrgs: false }), ref.scope.id, ctx);
}

function numberAttr(ref: CredentialRef, key: string): number {
  const fromAttr = ref.attributes[key];
  const fromId = Number(ref.credentialExternalId.split(':').pop());
  const n = typeof fromAttr === 'number' ? fromAttr : fromId;
  if (!Number.isInteger(n))
    throw new UserError(
      `github: ${ref.credentialExternalId} has no ${key}; rescan the organization`,
    );
  return n;
}

/** The repository a deploy key belongs to, with a client for it. */
async function repoClient(ctx: ConnectorContext, ref: CredentialRef) {
  const [owner, repo] = repoOf(ref);
  return { client: await clientFor(ctx, ref), owner, repo };
}

/** `repo:owner/name` -> [owner, name]. */
function repoOf(ref: CredentialRef): [string, string] {
  const full =
    typeof ref.attributes.repository === 'string'
      ? ref.attributes.repository
      : ref.identityExternalId.replace(/^repo:/, '');
  const [owner, repo] = full.split('/');
  if (!owner || !repo)
    throw new UserError(`github: cannot tell the repository of ${ref.credentialExternalId}`);
  return [owner, repo];
}

function ownerLogin(ref: CredentialRef): string {
  return typeof ref.attributes.owner === 'string'
    ? ref.attributes.owner
    : ref.identityExternalId.replace(/^user:/, '');
}

async function readOrNull<T>(fn: () => Promise<T>): Promise<T | null> {
  try {
    return await fn();
  } catch (e) {
    if (isNotFound(e)) return null;
    throw e;
  }
}

/** All credentials of the identity `ref` belongs to, freshly read. */
async function readSiblings(ctx: ConnectorContext, ref: CredentialRef): Promise<Credential[]> {
  const client = await clientFor(ctx, ref);
  const org = ref.scope.id;
  switch (ref.type) {
    case 'deploy-key': {
      const [owner, repo] = repoOf(ref);
      const items = await client.list('GET /repos/{owner}/{repo}/keys', { owner, repo });
      return m.mapDeployKeys(
        `${owner}/${repo}`,
        m.parseList(m.DeployKeySchema, items, `GET /repos/${owner}/${repo}/keys`),
      ).credentials;
    }
    case 'fine-grained-pat': {
      const items = await client.list('GET /orgs/{org}/personal-access-tokens', { org });
      const login = ownerLogin(ref);
      const grants = m
        .parseList(m.PatGrantSchema, items, `GET /orgs/${org}/personal-access-tokens`)
        .filter((g) => g.owner.login === login);
      return m.mapPatGrants(org, grants, ctx.now()).credentials;
    }
    case 'classic-pat':
    case 'ssh-key':
    case 'oauth-token': {
      const login = ownerLogin(ref);
      const items = await client.list('GET /orgs/{org}/credential-authorizations', { org, login });
      const auths = m
        .parseList(
          m.CredentialAuthorizationSchema,
          items,
          `GET /orgs/${org}/credential-authorizations`,
        )
        .filter((a) => a.login === login);
      return m.mapCredentialAuthorizations(org, auths, ctx.now()).credentials;
    }
    case 'app-installation': {
      const items = await client.list('GET /orgs/{org}/installations', { org });
      return m
        .mapInstallations(
          org,
          m.parseList(m.InstallationSchema, items, `GET /orgs/${org}/installations`),
        )
        .credentials.filter((c) => c.identityExternalId === ref.identityExternalId);
    }
    case 'actions-secret': {
      const target = parseSinkTarget(
        String(
          ref.attributes.sinkTarget ?? ref.credentialExternalId.replace(/^actions-secret:/, ''),
        ),
      );
      if (target.level === 'organization') {
        const items = await client.list('GET /orgs/{org}/actions/secrets', { org: target.org });
        return m.mapSecrets(
          'actions-secret',
          { level: 'organization', org: target.org },
          m.parseList(m.SecretSchema, items, `GET /orgs/${target.org}/actions/secrets`),
        ).credentials;
      }
      const full = `${target.owner}/${target.repo}`;
      if (target.level === 'repository') {
        const items = await client.list('GET /repos/{owner}/{repo}/actions/secrets', {
          owner: target.owner,
          repo: target.repo,
        });
        return m.mapSecrets(
          'actions-secret',
          { level: 'repository', repo: full },
          m.parseList(m.SecretSchema, items, `GET /repos/${full}/actions/secrets`),
        ).credentials;
      }
      const items = await client.list(
        'GET /repos/{owner}/{repo}/environments/{environment_name}/secrets',
        {
          owner: target.owner,
          repo: target.repo,
          environment_name: target.environment,
        },
      );
      return m.mapSecrets(
        'actions-secret',
        { level: 'environment', repo: full, environment: target.environment },
        m.parseList(
          m.SecretSchema,
          items,
          `GET /repos/${full}/environments/${target.environment}/secrets`,
        ),
      ).credentials;
    }
    default:
      throw new UserError(`github: reading ${ref.type} credentials back is not supported`);
  }
}

function unsupported(what: string, ref: CredentialRef): never {
  const hint =
    ref.type === 'deploy-key'
      ? 'GitHub deploy keys cannot be disabled: rotate the key (nhi rotate <id> --sink …) or delete it'
      : 'GitHub offers no such operation for this credential';
  throw new UserError(`github: cannot ${what} a ${ref.type}`, hint);
}

export const actions: ConnectorActions = {
  // Manual steps only: see trim.ts for why nhi cannot narrow GitHub access itself.
  trim,

  capabilities(type) {
    return CAPABILITIES[type] ?? NONE;
  },

  async describe(ctx, ref) {
    if (ref.type === 'deploy-key') {
      // One key can be read directly; no need to list the repository's keys.
      const client = await clientFor(ctx, ref);
      const [owner, repo] = repoOf(ref);
      const key_id = deployKeyId(ref);
      const data = await readOrNull(() =>
        client.get('GET /repos/{owner}/{repo}/keys/{key_id}', { owner, repo, key_id }),
      );
      if (data === null) return null;
      const key = m.parseOne(m.DeployKeySchema, data, `GET /repos/${owner}/${repo}/keys/${key_id}`);
      return m.mapDeployKeys(`${owner}/${repo}`, [key]).credentials[0] ?? null;
    }
    const siblings = await readOrNull(() => readSiblings(ctx, ref));
    return siblings?.find((c) => c.externalId === ref.credentialExternalId) ?? null;
  },

  async listSiblings(ctx, ref) {
    const all = await readSiblings(ctx, ref);
    return all.filter((c) => c.externalId !== ref.credentialExternalId);
  },

  async deactivate(_ctx, ref): Promise<ActionResult> {
    return unsupported('deactivate', ref);
  },

  async reactivate(_ctx, ref): Promise<ActionResult> {
    return unsupported('reactivate', ref);
  },

  async delete(ctx, ref): Promise<ActionResult> {
    const client = await clientFor(ctx, ref);
    const org = ref.scope.id;
    switch (ref.type) {
      case 'deploy-key': {
        const [owner, repo] = repoOf(ref);
        const sent = await client.send('DELETE /repos/{owner}/{repo}/keys/{key_id}', {
          owner,
          repo,
          key_id: deployKeyId(ref),
        });
        return { requestId: sent.requestId };
      }
      case 'fine-grained-pat': {
        const sent = await client.send('POST /orgs/{org}/personal-access-tokens/{pat_id}', {
          org,
          pat_id: numberAttr(ref, 'patGrantId'),
          action: 'revoke',
        });
        return { requestId: sent.requestId };
      }
      case 'classic-pat':
      case 'ssh-key':
      case 'oauth-token': {
        const sent = await client.send(
          'DELETE /orgs/{org}/credential-authorizations/{credential_id}',
          {
            org,
            credential_id: numberAttr(ref, 'credentialId'),
          },
        );
        return { requestId: sent.requestId };
      }
      default:
        return unsupported('delete', ref);
    }
  },

  async create(ctx, ref, want) {
    if (ref.type !== 'deploy-key') return unsupported('create', ref);
    return createReplacement(await repoClient(ctx, ref), ref, ctx.now(), want);
  },

  async prove(ctx, ref, secret, want) {
    if (ref.type !== 'deploy-key') return unsupported('prove', ref);
    return proveReplacement(await repoClient(ctx, ref), ref, secret, want);
  },

  actor(ctx) {
    try {
      const { auth } = resolveSettings(ctx, { requireOrgs: false });
      return auth.kind === 'app' ? `github app ${auth.appId}` : `github token (${auth.envName})`;
    } catch {
      return 'github (no credentials configured)';
    }
  },

  sinks: { 'github-actions': githubActionsSink },
};
