/**
 * Actions secrets (organization, repository, environment) and Dependabot secrets: listing,
 * metadata, the public key, and PUT — which opens the sealed box with the stand-in's private
 * key, so a test sees exactly what a client delivered.
 */
import sodium from 'libsodium-wrappers';
import type { StandInResponse } from '../../../src/connector/stand-in.js';
import type { EstateSecret, GitHubEstate } from './estate.js';
import { HttpFailure, NOT_FOUND, bodyOf, paginate, type Ctx } from './http.js';
import { finders, type Handlers } from './routes.js';
import * as r from './responses.js';

/** A secret a client PUT, decrypted with the stand-in's private key (proves the sealed box). */
export interface ReceivedSecret {
  target: string;
  name: string;
  value: string;
}

export interface SecretsState {
  estate: GitHubEstate;
  received: ReceivedSecret[];
}

const ok = (body: unknown): StandInResponse => ({ body });

/** Call after `await sodium.ready`. */
export function secretRoutes(state: SecretsState): Handlers {
  const { findOrg, findRepo, findEnv } = finders(state.estate);
  const keyPair = sodium.crypto_box_keypair();
  const publicKey = {
    key_id: String(3380204578043523366n),
    key: sodium.to_base64(keyPair.publicKey, sodium.base64_variants.ORIGINAL),
  };
  const getSecret = (list: EstateSecret[], name: string) => {
    const s = list.find((x) => x.name === name);
    if (!s) throw new HttpFailure(404, NOT_FOUND);
    return s;
  };
  /** PUT a secret: check the sealed box opens with our key, then record the rotation. */
  const putSecret = (
    c: Ctx,
    list: EstateSecret[],
    target: string,
    visibility?: EstateSecret['visibility'],
  ): StandInResponse => {
    const body = (bodyOf(c) ?? {}) as { encrypted_value?: unknown; key_id?: unknown };
    if (typeof body.encrypted_value !== 'string' || typeof body.key_id !== 'string')
      throw new HttpFailure(
        422,
        'Invalid request.\n\n"encrypted_value" and "key_id" are required.',
      );
    if (body.key_id !== publicKey.key_id)
      throw new HttpFailure(422, 'Invalid request.\n\nkey_id does not match.');
    let value: string;
    try {
      const sealed = sodium.from_base64(body.encrypted_value, sodium.base64_variants.ORIGINAL);
      value = sodium.to_string(
        sodium.crypto_box_seal_open(sealed, keyPair.publicKey, keyPair.privateKey),
      );
    } catch {
      throw new HttpFailure(422, 'Invalid request.\n\nencrypted_value could not be decrypted.');
    }
    const name = c.params.secret_name!;
    state.received.push({ target, name, value });
    const now = new Date().toISOString();
    const existing = list.find((x) => x.name === name);
    if (existing) {
      existing.updatedAt = now;
      return { status: 204 };
    }
    list.push({ name, createdAt: now, updatedAt: now, ...(visibility ? { visibility } : {}) });
    return { status: 201, body: {} };
  };
  const repoOf = (c: Ctx) => findRepo(c.params.owner!, c.params.repo!);
  const envOf = (c: Ctx) => findEnv(c.params.owner!, c.params.repo!, c.params.environment_name!);

  return [
    [
      'GET /orgs/{org}/actions/secrets',
      (c) => {
        const org = findOrg(c.params.org!);
        const list = org.actionsSecrets.map((s) => r.orgSecret(c.api, org, s, 'actions'));
        return paginate(c, list, 'secrets');
      },
    ],
    ['GET /orgs/{org}/actions/secrets/public-key', (c) => (findOrg(c.params.org!), ok(publicKey))],
    [
      'GET /orgs/{org}/actions/secrets/{secret_name}',
      (c) => {
        const org = findOrg(c.params.org!);
        const s = getSecret(org.actionsSecrets, c.params.secret_name!);
        return ok(r.orgSecret(c.api, org, s, 'actions'));
      },
    ],
    [
      'PUT /orgs/{org}/actions/secrets/{secret_name}',
      (c) => {
        const org = findOrg(c.params.org!);
        const visibility = (bodyOf(c) as { visibility?: EstateSecret['visibility'] } | null)
          ?.visibility;
        if (!visibility)
          throw new HttpFailure(422, 'Invalid request.\n\n"visibility" is required.');
        return putSecret(c, org.actionsSecrets, `org:${org.login}`, visibility);
      },
    ],
    [
      'GET /repos/{owner}/{repo}/actions/secrets',
      (c) => paginate(c, repoOf(c)[1].actionsSecrets.map(r.secret), 'secrets'),
    ],
    ['GET /repos/{owner}/{repo}/actions/secrets/public-key', (c) => (repoOf(c), ok(publicKey))],
    [
      'GET /repos/{owner}/{repo}/actions/secrets/{secret_name}',
      (c) => ok(r.secret(getSecret(repoOf(c)[1].actionsSecrets, c.params.secret_name!))),
    ],
    [
      'PUT /repos/{owner}/{repo}/actions/secrets/{secret_name}',
      (c) => {
        const [org, repo] = repoOf(c);
        return putSecret(c, repo.actionsSecrets, `${org.login}/${repo.name}`);
      },
    ],
    [
      'GET /repos/{owner}/{repo}/environments/{environment_name}/secrets',
      (c) => paginate(c, envOf(c).env.secrets.map(r.secret), 'secrets'),
    ],
    [
      'GET /repos/{owner}/{repo}/environments/{environment_name}/secrets/public-key',
      (c) => (envOf(c), ok(publicKey)),
    ],
    [
      'GET /repos/{owner}/{repo}/environments/{environment_name}/secrets/{secret_name}',
      (c) => ok(r.secret(getSecret(envOf(c).env.secrets, c.params.secret_name!))),
    ],
    [
      'PUT /repos/{owner}/{repo}/environments/{environment_name}/secrets/{secret_name}',
      (c) => {
        const { org, repo, env } = envOf(c);
        return putSecret(c, env.secrets, `${org.login}/${repo.name}/env/${env.name}`);
      },
    ],
    [
      'GET /orgs/{org}/dependabot/secrets',
      (c) => {
        const org = findOrg(c.params.org!);
        const list = org.dependabotSecrets.map((s) => r.orgSecret(c.api, org, s, 'dependabot'));
        return paginate(c, list, 'secrets');
      },
    ],
    [
      'GET /repos/{owner}/{repo}/dependabot/secrets',
      (c) => paginate(c, repoOf(c)[1].dependabotSecrets.map(r.secret), 'secrets'),
    ],
  ];
}
