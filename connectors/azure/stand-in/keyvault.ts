/**
 * The Key Vault secrets REST API for one vault (each vault has its own origin, like
 * `https://name.vault.azure.net`, because the SDK parses secret ids as
 * `https://host/secrets/name/version`): set a version, list versions (metadata only), get one.
 * An unauthenticated request gets the bearer challenge Key Vault clients learn the authority from.
 */
import { randomBytes } from 'node:crypto';
import type { Handler, StandInRequest } from '../../../src/connector/stand-in.js';
import { HttpError, bearer, type StandInState, type StoredSecretVersion } from './state.js';

export function keyVaultHandler(state: StandInState, vaultName: string): Handler {
  return (req: StandInRequest) => {
    const token = bearer(req);
    if (!token)
      throw new HttpError(
        401,
        'Unauthorized',
        'AKV10000: Request is missing a Bearer or PoP token.',
        {
          'www-authenticate': `Bearer authorization="${state.origin()}/${state.estate.tenant.id}", resource="https://vault.azure.net"`,
        },
      );
    if (!state.tokens.has(token))
      throw new HttpError(401, 'Unauthorized', 'AKV10032: Invalid issuer.');
    const [, collection, name, version] = req.path.split('/');
    const vault = state.vaults.get(vaultName);
    if (!vault) throw new HttpError(404, 'VaultNotFound', `Vault '${vaultName}' does not exist.`);
    if (collection !== 'secrets' || !name)
      throw new HttpError(400, 'BadParameter', `Unsupported path ${req.path}`);
    const bundle = (v: StoredSecretVersion, withValue: boolean) => ({
      ...(withValue ? { value: v.value } : {}),
      id: `${req.origin}/secrets/${name}/${v.version}`,
      contentType: v.contentType ?? undefined,
      tags: v.tags,
      attributes: {
        enabled: v.enabled,
        created: v.created,
        updated: v.created,
        recoveryLevel: 'Recoverable+Purgeable',
        recoverableDays: 90,
      },
    });
    if (req.method === 'PUT' && !version) {
      const input = req.json() as {
        value?: string;
        contentType?: string;
        tags?: Record<string, string>;
        attributes?: { enabled?: boolean };
      };
      if (typeof input.value !== 'string')
        throw new HttpError(400, 'BadParameter', 'The secret value is missing.');
      const stored: StoredSecretVersion = {
        version: randomBytes(16).toString('hex'),
        value: input.value,
        contentType: input.contentType ?? null,
        tags: input.tags ?? {},
        enabled: input.attributes?.enabled ?? true,
        created: Math.floor(state.clock().getTime() / 1000),
      };
      vault.set(name, [...(vault.get(name) ?? []), stored]);
      return { body: bundle(stored, true) };
    }
    const versions = vault.get(name);
    if (!versions?.length)
      throw new HttpError(
        404,
        'SecretNotFound',
        `A secret with (name/id) ${name} was not found in this key vault.`,
      );
    if (req.method === 'GET' && version === 'versions')
      return { body: { value: versions.map((v) => bundle(v, false)), nextLink: null } };
    if (req.method === 'GET') {
      const v = version ? versions.find((x) => x.version === version) : versions.at(-1);
      if (!v)
        throw new HttpError(
          404,
          'SecretNotFound',
          `A secret with (name/id) ${name}/${version} was not found in this key vault.`,
        );
      return { body: bundle(v, true) };
    }
    throw new HttpError(405, 'MethodNotAllowed', `${req.method} ${req.path}`);
  };
}
