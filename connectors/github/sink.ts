/**
 * The `github-actions` sink: delivers a new secret into GitHub Actions secrets, encrypted
 * client-side with the holder's public key (libsodium sealed box), as GitHub requires.
 *
 * Target syntax:
 *   owner/repo:NAME               repository secret NAME
 *   owner/repo/env/ENVNAME:NAME   environment secret NAME of environment ENVNAME
 *   org:ORG:NAME                  organization secret NAME (keeps its visibility; new ones are private)
 * Omit `:NAME` (e.g. `owner/repo`) to store each value under its own name
 * (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY become two secrets). With `:NAME` and
 * several values, the values are stored as one JSON object (the shape azure/login expects).
 *
 * A secret value is only ever held in memory and sent encrypted; it appears in no log,
 * error or return value.
 */
import sodium from 'libsodium-wrappers';
import type { ConnectorContext, SecretMaterial, Sink } from '../../src/connector/index.js';
import { UserError } from '../../src/connector/index.js';
import { GitHubClient, resolveSettings, isNotFound } from './client.js';
import { PublicKeySchema, SecretSchema, parseOne } from './schema.js';

export type SinkTarget =
  | { level: 'organization'; org: string; name: string | null }
  | { level: 'repository'; owner: string; repo: string; name: string | null }
  | { level: 'environment'; owner: string; repo: string; environment: string; name: string | null };

const SECRET_NAME = /^(?!GITHUB_)[A-Za-z_][A-Za-z0-9_]*$/;
const SLUG = /^[A-Za-z0-9_.-]+$/;

/** Parses a sink target; a malformed one is a UserError that shows the syntax. */
export function parseSinkTarget(target: string): SinkTarget {
  const bad = (why: string) =>
    new UserError(
      `github-actions sink: bad target '${target}': ${why}`,
      'use owner/repo:NAME, owner/repo/env/ENVNAME:NAME or org:ORG:NAME',
    );
  const checkName = (name: string | undefined): string | null => {
    if (name === undefined || name === '') return null;
    if (!SECRET_NAME.test(name))
      throw bad(
        `'${name}' is not a valid secret name (letters, digits, _; not starting with GITHUB_)`,
      );
    return name;
  };
  const org = /^org:([^:]+)(?::([^:]*))?$/.exec(target);
  if (org) {
    if (!SLUG.test(org[1]!)) throw bad('bad organization');
    return { level: 'organization', org: org[1]!, name: checkName(org[2]) };
  }
  const m = /^([^/:]+)\/([^/:]+)(?:\/env\/([^:]+))?(?::([^:]*))?$/.exec(target);
  if (!m) throw bad('unrecognised form');
  const [, owner, repo, environment, name] = m;
  if (!SLUG.test(owner!) || !SLUG.test(repo!)) throw bad('bad owner or repository');
  if (environment !== undefined)
    return { level: 'environment', owner: owner!, repo: repo!, environment, name: checkName(name) };
  return { level: 'repository', owner: owner!, repo: repo!, name: checkName(name) };
}

function routes(t: SinkTarget) {
  if (t.level === 'organization') {
    return {
      base: '/orgs/{org}/actions/secrets',
      params: { org: t.org } as Record<string, unknown>,
    };
  }
  if (t.level === 'repository') {
    return {
      base: '/repos/{owner}/{repo}/actions/secrets',
      params: { owner: t.owner, repo: t.repo } as Record<string, unknown>,
    };
  }
  return {
    base: '/repos/{owner}/{repo}/environments/{environment_name}/secrets',
    params: { owner: t.owner, repo: t.repo, environment_name: t.environment } as Record<
      string,
      unknown
    >,
  };
}

/** The named secrets a material becomes at a target (see the syntax above). */
export function secretsFor(t: SinkTarget, material: SecretMaterial): [string, string][] {
  const entries = Object.entries(material.values);
  if (entries.length === 0) throw new UserError('github-actions sink: nothing to store');
  if (t.name === null) {
    for (const [k] of entries)
      if (!SECRET_NAME.test(k))
        throw new UserError(
          `github-actions sink: '${k}' is not a valid secret name; name the target secret (…:NAME)`,
        );
    return entries;
  }
  return [[t.name, entries.length === 1 ? entries[0]![1] : JSON.stringify(material.values)]];
}

/** Seals `value` for GitHub with the holder's base64 public key. */
export async function sealForGitHub(value: string, publicKeyBase64: string): Promise<string> {
  await sodium.ready;
  try {
    const key = sodium.from_base64(publicKeyBase64, sodium.base64_variants.ORIGINAL);
    return sodium.to_base64(
      sodium.crypto_box_seal(sodium.from_string(value), key),
      sodium.base64_variants.ORIGINAL,
    );
  } catch {
    // libsodium's own message could echo input; keep ours generic.
    throw new Error(
      'github-actions sink: could not encrypt the secret with the public key GitHub returned',
    );
  }
}

export function githubActionsSink(ctx: ConnectorContext, target: string): Sink {
  const t = parseSinkTarget(target);
  const { base, params } = routes(t);
  const org = t.level === 'organization' ? t.org : t.owner;
  const label = `github-actions:${target}`;
  let client: GitHubClient | null = null;
  const open = async () =>
    (client ??= await GitHubClient.open(resolveSettings(ctx, { requireOrgs: false }), org, ctx));

  const readMeta = async (c: GitHubClient, name: string) => {
    try {
      const data = await c.get(`GET ${base}/{secret_name}`, { ...params, secret_name: name });
      return parseOne(SecretSchema, data, `GET ${label}`);
    } catch (e) {
      if (isNotFound(e)) return null;
      throw e;
    }
  };

  return {
    describe: () => label,

    /**
     * The receipt names every secret written and the updated_at GitHub recorded for each: all
     * a later process needs to check the secrets still hold this write (values cannot be read).
     */
    async put(material) {
      const c = await open();
      const items = secretsFor(t, material);
      const key = parseOne(
        PublicKeySchema,
        await c.get(`GET ${base}/public-key`, params),
        `GET ${label} public key`,
      );
      const detail: Record<string, string | string[]> = { names: items.map(([n]) => n) };
      let version: string | null = null;
      let requestId: string | null = null;
      for (const [name, value] of items) {
        const before = await readMeta(c, name);
        const encrypted_value = await sealForGitHub(value, key.key);
        const body: Record<string, unknown> = {
          ...params,
          secret_name: name,
          encrypted_value,
          key_id: key.key_id,
        };
        if (t.level === 'organization') body.visibility = before?.visibility ?? 'private';
        const sent = await c.send(`PUT ${base}/{secret_name}`, body);
        requestId = sent.requestId ?? requestId;
        const after = await readMeta(c, name);
        // updated_at has one-second precision: it may stay equal, but never go back.
        if (!after || (before && Date.parse(after.updated_at) < Date.parse(before.updated_at))) {
          throw new Error(`${label}: GitHub did not record the update of ${name}`);
        }
        detail[`updatedAt:${name}`] = after.updated_at;
        if (version === null || Date.parse(after.updated_at) < Date.parse(version))
          version = after.updated_at;
      }
      ctx.log.debug(`github: stored ${items.length} secret(s) at ${label}`);
      return { version, requestId, detail };
    },

    async verify(receipt) {
      const names = receipt.detail?.names;
      if (!Array.isArray(names) || names.length === 0)
        return { ok: false, reason: 'the delivery named no secrets' };
      const c = await open();
      for (const name of names) {
        const meta = await readMeta(c, name);
        if (!meta) return { ok: false, reason: `${name} is gone` };
        const wrote = receipt.detail?.[`updatedAt:${name}`];
        if (typeof wrote !== 'string' || Date.parse(meta.updated_at) !== Date.parse(wrote)) {
          return {
            ok: false,
            reason: `${name} was updated after this delivery (${meta.updated_at})`,
          };
        }
      }
      return { ok: true };
    },
  };
}
