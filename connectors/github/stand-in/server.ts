/**
 * A local GitHub REST stand-in (node:http on 127.0.0.1:0) serving a GitHubEstate: the
 * endpoints the connector and its playbook actions use, with GitHub's pagination (`Link`
 * headers pointing back at this server), rate-limit headers and faults a test can inject
 * (primary/secondary rate limits, 5xx, a repository denied to the token, latency).
 *
 * Auth model, close to GitHub's:
 * - `Authorization: token|Bearer <t>`; a missing header answers 401, except on the public
 *   `GET /apps/{app_slug}`.
 * - Tokens starting `ghs_` are GitHub App installation tokens (GitHub's own prefix); only
 *   they may call the fine-grained PAT endpoints ("Only GitHub Apps can use this endpoint").
 *   Any other token is a user token and gets 403 there.
 * - A JWT (three base64url parts, header alg RS256, payload with `iss`) is accepted on the
 *   App endpoints `POST /app/installations/{id}/access_tokens` and `GET /orgs/{org}/installation`.
 *   The signature is not verified cryptographically; the shape is.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import sodium from 'libsodium-wrappers';
import type { EstateOrg, EstateRepo, EstateSecret, GitHubEstate } from './estate.js';
import * as r from './responses.js';

export interface GitHubStandInOptions {
  estate: GitHubEstate;
  /** GHES-style API root, e.g. '/api/v3'. Default: '' (api.github.com style). */
  basePath?: string;
  latencyMs?: number;
  /** Token -> `x-oauth-scopes` header value, sent on every reply to that token (classic tokens). */
  oauthScopes?: Record<string, string>;
  /** Permissions GET /orgs/{org}/installation reports for the nhi App's installations. */
  installationPermissions?: Record<string, 'read' | 'write' | 'admin'>;
}

export interface RequestRecord {
  method: string;
  /** Path without the base path or query string. */
  path: string;
  query: string;
  status: number;
  auth: 'none' | 'user-token' | 'installation-token' | 'jwt';
  /** performance.now() when the request arrived and when its answer was sent. */
  startedAt: number;
  endedAt: number;
}

interface FaultRule {
  remaining: number;
  match: RegExp | null;
  respond: (res: ServerResponse) => void;
}

export interface GitHubStandInFaults {
  /** Added to every response. */
  latencyMs: number;
  /** The next `times` matching requests hit the primary rate limit (x-ratelimit-remaining: 0). */
  primaryLimit(opts?: { times?: number; status?: 403 | 429; match?: RegExp }): void;
  /** The next `times` matching requests hit a secondary rate limit with `retry-after`. */
  secondaryLimit(opts?: {
    times?: number;
    status?: 403 | 429;
    retryAfter?: number;
    match?: RegExp;
  }): void;
  serverError(opts?: { times?: number; status?: number; match?: RegExp }): void;
  /** The next `times` matching requests get this raw answer (e.g. a garbage payload). */
  respondWith(match: RegExp, status: number, body: unknown, times?: number): void;
  /**
   * Every call under /repos/{owner}/{repo} answers 403 (or 404): by default to user tokens;
   * `token` limits it to that one token, `installationTokensToo` extends it to App tokens.
   */
  denyRepo(
    fullName: string,
    status?: 403 | 404,
    opts?: { installationTokensToo?: boolean; token?: string },
  ): void;
  /** Any request whose path matches answers `status`. */
  deny(match: RegExp, status?: 403 | 404, message?: string): void;
  reset(): void;
}

/** A secret a client PUT, decrypted with the stand-in's private key (proves the sealed box). */
export interface ReceivedSecret {
  target: string;
  name: string;
  value: string;
}

export interface GitHubStandIn {
  /** API root for Octokit's `baseUrl` (includes the base path). */
  url: string;
  close(): Promise<void>;
  faults: GitHubStandInFaults;
  requests: RequestRecord[];
  /** Requests being served right now, and the most at once (checks bounded concurrency). */
  stats: { inFlight: number; maxInFlight: number };
  received: ReceivedSecret[];
  estate: GitHubEstate;
  /** Installation tokens this stand-in issued through the App flow. */
  issuedTokens: string[];
}

type Handler = (ctx: Ctx) => unknown;
interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  auth: RequestRecord['auth'];
  api: string;
}

class HttpFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const NOT_FOUND = 'Not Found';

export async function startGitHubStandIn(options: GitHubStandInOptions): Promise<GitHubStandIn> {
  await sodium.ready;
  const { estate } = options;
  const basePath = (options.basePath ?? '').replace(/\/$/, '');
  const keyPair = sodium.crypto_box_keypair();
  const publicKey = {
    key_id: String(3380204578043523366n),
    key: sodium.to_base64(keyPair.publicKey, sodium.base64_variants.ORIGINAL),
  };
  const requests: RequestRecord[] = [];
  const received: ReceivedSecret[] = [];
  const issuedTokens: string[] = [];
  let rules: FaultRule[] = [];
  const deniedRepos = new Map<string, { status: 403 | 404; all: boolean; token: string | null }>();
  const deniedPaths: { match: RegExp; status: 403 | 404; message: string }[] = [];
  let used = 0;
  const stats = { inFlight: 0, maxInFlight: 0 };

  const faults: GitHubStandInFaults = {
    latencyMs: options.latencyMs ?? 0,
    primaryLimit({ times = 1, status = 403, match } = {}) {
      rules.push({
        remaining: times,
        match: match ?? null,
        respond: (res) => {
          res.setHeader('x-ratelimit-remaining', '0');
          res.setHeader('x-ratelimit-reset', String(Math.floor(Date.now() / 1000) + 1));
          send(res, status, r.errorBody('API rate limit exceeded for installation.', status));
        },
      });
    },
    secondaryLimit({ times = 1, status = 403, retryAfter = 1, match } = {}) {
      rules.push({
        remaining: times,
        match: match ?? null,
        respond: (res) => {
          res.setHeader('retry-after', String(retryAfter));
          send(
            res,
            status,
            r.errorBody(
              'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
              status,
            ),
          );
        },
      });
    },
    serverError({ times = 1, status = 502, match } = {}) {
      rules.push({
        remaining: times,
        match: match ?? null,
        respond: (res) => send(res, status, r.errorBody('Server Error', status)),
      });
    },
    respondWith(match, status, body, times = Number.POSITIVE_INFINITY) {
      rules.push({ remaining: times, match, respond: (res) => send(res, status, body) });
    },
    denyRepo(fullName, status = 403, opts = {}) {
      deniedRepos.set(fullName.toLowerCase(), {
        status,
        all: (opts.installationTokensToo ?? false) || opts.token !== undefined,
        token: opts.token ?? null,
      });
    },
    deny(match, status = 403, message = 'Resource not accessible by integration') {
      deniedPaths.push({ match, status, message });
    },
    reset() {
      rules = [];
      deniedRepos.clear();
      deniedPaths.length = 0;
    },
  };

  const findOrg = (login: string): EstateOrg => {
    const org = estate.orgs.find((o) => o.login.toLowerCase() === login.toLowerCase());
    if (!org) throw new HttpFailure(404, NOT_FOUND);
    return org;
  };
  const findRepo = (owner: string, name: string): [EstateOrg, EstateRepo] => {
    const org = findOrg(owner);
    const repo = org.repos.find((x) => x.name.toLowerCase() === name.toLowerCase());
    if (!repo) throw new HttpFailure(404, NOT_FOUND);
    return [org, repo];
  };
  const findEnv = (owner: string, name: string, env: string) => {
    const [org, repo] = findRepo(owner, name);
    const e = repo.environments.find((x) => x.name === env);
    if (!e) throw new HttpFailure(404, NOT_FOUND);
    return { org, repo, env: e };
  };
  const needTokenKind = (ctx: Ctx, kind: 'installation-token' | 'jwt', message: string) => {
    if (ctx.auth !== kind) throw new HttpFailure(kind === 'jwt' ? 401 : 403, message);
  };
  const secretsPage = (ctx: Ctx, list: unknown[]) => paginate(ctx, list, 'secrets');
  const getSecret = (list: EstateSecret[], name: string) => {
    const s = list.find((x) => x.name === name);
    if (!s) throw new HttpFailure(404, NOT_FOUND);
    return s;
  };
  /** PUT a secret: check the sealed box opens with our key, then record the rotation. */
  const putSecret = (
    ctx: Ctx,
    list: EstateSecret[],
    target: string,
    visibility?: EstateSecret['visibility'],
  ) => {
    const body = (ctx.body ?? {}) as {
      encrypted_value?: unknown;
      key_id?: unknown;
      visibility?: unknown;
    };
    if (typeof body.encrypted_value !== 'string' || typeof body.key_id !== 'string') {
      throw new HttpFailure(
        422,
        'Invalid request.\n\n"encrypted_value" and "key_id" are required.',
      );
    }
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
    const name = ctx.params.secret_name!;
    received.push({ target, name, value });
    const now = new Date().toISOString();
    const existing = list.find((x) => x.name === name);
    if (existing) {
      existing.updatedAt = now;
      ctx.res.statusCode = 204;
      return undefined;
    }
    list.push({ name, createdAt: now, updatedAt: now, ...(visibility ? { visibility } : {}) });
    ctx.res.statusCode = 201;
    return {};
  };

  const routes: [string, string, Handler][] = [
    ['GET', '/orgs/{org}', (c) => r.organization(c.api, findOrg(c.params.org!))],
    [
      'GET',
      '/orgs/{org}/repos',
      (c) => {
        const org = findOrg(c.params.org!);
        return paginate(
          c,
          org.repos.map((repo) => r.repository(c.api, org, repo)),
        );
      },
    ],
    [
      'GET',
      '/orgs/{org}/installation',
      (c) => {
        needTokenKind(c, 'jwt', 'A JSON web token could not be decoded');
        const org = findOrg(c.params.org!);
        return r.installation(c.api, org, {
          id: org.nhiInstallationId,
          appId: 1,
          appSlug: 'nhi-scanner',
          repositorySelection: 'all',
          permissions: options.installationPermissions ?? {
            organization_personal_access_tokens: 'write',
            administration: 'read',
            secrets: 'read',
          },
          events: [],
          createdAt: org.createdAt,
          updatedAt: org.createdAt,
          suspendedAt: null,
        });
      },
    ],
    [
      'POST',
      '/app/installations/{installation_id}/access_tokens',
      (c) => {
        needTokenKind(c, 'jwt', 'A JSON web token could not be decoded');
        const id = Number(c.params.installation_id);
        if (!estate.orgs.some((o) => o.nhiInstallationId === id))
          throw new HttpFailure(404, NOT_FOUND);
        const token = `ghs_${randomBytes(18).toString('base64url')}`;
        issuedTokens.push(token);
        c.res.statusCode = 201;
        return {
          token,
          expires_at: new Date(Date.now() + 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
          repository_selection: 'all',
        };
      },
    ],
    [
      'GET',
      '/orgs/{org}/personal-access-tokens',
      (c) => {
        needTokenKind(c, 'installation-token', 'Resource not accessible by personal access token');
        const org = findOrg(c.params.org!);
        return paginate(
          c,
          org.patGrants.map((g) => r.patGrant(c.api, org, g)),
        );
      },
    ],
    [
      'POST',
      '/orgs/{org}/personal-access-tokens/{pat_id}',
      (c) => {
        needTokenKind(c, 'installation-token', 'Resource not accessible by personal access token');
        const org = findOrg(c.params.org!);
        if ((c.body as { action?: unknown } | null)?.action !== 'revoke')
          throw new HttpFailure(422, 'Invalid request.\n\n"action" must be "revoke".');
        const i = org.patGrants.findIndex((g) => g.id === Number(c.params.pat_id));
        if (i < 0) throw new HttpFailure(404, NOT_FOUND);
        org.patGrants.splice(i, 1);
        c.res.statusCode = 204;
        return undefined;
      },
    ],
    [
      'GET',
      '/orgs/{org}/credential-authorizations',
      (c) => {
        const org = findOrg(c.params.org!);
        if (!org.ghec) throw new HttpFailure(404, NOT_FOUND);
        const login = c.query.get('login');
        const list = org.credentialAuthorizations.filter((x) => !login || x.login === login);
        return paginate(c, list.map(r.credentialAuthorization));
      },
    ],
    [
      'DELETE',
      '/orgs/{org}/credential-authorizations/{credential_id}',
      (c) => {
        const org = findOrg(c.params.org!);
        if (!org.ghec) throw new HttpFailure(404, NOT_FOUND);
        const i = org.credentialAuthorizations.findIndex(
          (x) => x.credentialId === Number(c.params.credential_id),
        );
        if (i < 0) throw new HttpFailure(404, NOT_FOUND);
        org.credentialAuthorizations.splice(i, 1);
        c.res.statusCode = 204;
        return undefined;
      },
    ],
    [
      'GET',
      '/repos/{owner}/{repo}/keys',
      (c) => {
        const [org, repo] = findRepo(c.params.owner!, c.params.repo!);
        return paginate(
          c,
          repo.deployKeys.map((k) => r.deployKey(c.api, org, repo, k)),
        );
      },
    ],
    [
      'GET',
      '/repos/{owner}/{repo}/keys/{key_id}',
      (c) => {
        const [org, repo] = findRepo(c.params.owner!, c.params.repo!);
        const k = repo.deployKeys.find((x) => x.id === Number(c.params.key_id));
        if (!k) throw new HttpFailure(404, NOT_FOUND);
        return r.deployKey(c.api, org, repo, k);
      },
    ],
    [
      'DELETE',
      '/repos/{owner}/{repo}/keys/{key_id}',
      (c) => {
        const [, repo] = findRepo(c.params.owner!, c.params.repo!);
        const i = repo.deployKeys.findIndex((x) => x.id === Number(c.params.key_id));
        if (i < 0) throw new HttpFailure(404, NOT_FOUND);
        repo.deployKeys.splice(i, 1);
        c.res.statusCode = 204;
        return undefined;
      },
    ],
    [
      'GET',
      '/apps/{app_slug}',
      (c) => {
        const slug = c.params.app_slug!.toLowerCase();
        const found = (estate.apps ?? []).find((a) => a.slug.toLowerCase() === slug);
        if (!found) throw new HttpFailure(404, NOT_FOUND);
        // GitHub answers 404 for a private App to anyone outside its owner account; callers
        // here act for the estate's orgs (and anonymous ones for nobody).
        const ownerHere = estate.orgs.some(
          (o) => o.login.toLowerCase() === found.owner.login.toLowerCase(),
        );
        if (!found.public && (!ownerHere || c.auth === 'none'))
          throw new HttpFailure(404, NOT_FOUND);
        return r.app(c.api, found);
      },
    ],
    [
      'GET',
      '/orgs/{org}/installations',
      (c) => {
        const org = findOrg(c.params.org!);
        return paginate(
          c,
          org.installations.map((i) => r.installation(c.api, org, i)),
          'installations',
        );
      },
    ],
    // Actions secrets: org, repository, environment.
    [
      'GET',
      '/orgs/{org}/actions/secrets',
      (c) => {
        const org = findOrg(c.params.org!);
        return secretsPage(
          c,
          org.actionsSecrets.map((s) => r.orgSecret(c.api, org, s, 'actions')),
        );
      },
    ],
    ['GET', '/orgs/{org}/actions/secrets/public-key', (c) => (findOrg(c.params.org!), publicKey)],
    [
      'GET',
      '/orgs/{org}/actions/secrets/{secret_name}',
      (c) => {
        const org = findOrg(c.params.org!);
        return r.orgSecret(
          c.api,
          org,
          getSecret(org.actionsSecrets, c.params.secret_name!),
          'actions',
        );
      },
    ],
    [
      'PUT',
      '/orgs/{org}/actions/secrets/{secret_name}',
      (c) => {
        const org = findOrg(c.params.org!);
        const visibility = (c.body as { visibility?: EstateSecret['visibility'] } | null)
          ?.visibility;
        if (!visibility)
          throw new HttpFailure(422, 'Invalid request.\n\n"visibility" is required.');
        return putSecret(c, org.actionsSecrets, `org:${org.login}`, visibility);
      },
    ],
    [
      'GET',
      '/repos/{owner}/{repo}/actions/secrets',
      (c) =>
        secretsPage(c, findRepo(c.params.owner!, c.params.repo!)[1].actionsSecrets.map(r.secret)),
    ],
    [
      'GET',
      '/repos/{owner}/{repo}/actions/secrets/public-key',
      (c) => (findRepo(c.params.owner!, c.params.repo!), publicKey),
    ],
    [
      'GET',
      '/repos/{owner}/{repo}/actions/secrets/{secret_name}',
      (c) =>
        r.secret(
          getSecret(
            findRepo(c.params.owner!, c.params.repo!)[1].actionsSecrets,
            c.params.secret_name!,
          ),
        ),
    ],
    [
      'PUT',
      '/repos/{owner}/{repo}/actions/secrets/{secret_name}',
      (c) => {
        const [org, repo] = findRepo(c.params.owner!, c.params.repo!);
        return putSecret(c, repo.actionsSecrets, `${org.login}/${repo.name}`);
      },
    ],
    [
      'GET',
      '/repos/{owner}/{repo}/environments',
      (c) => {
        const [org, repo] = findRepo(c.params.owner!, c.params.repo!);
        return paginate(
          c,
          repo.environments.map((e) => r.environment(c.api, org, repo, e)),
          'environments',
        );
      },
    ],
    [
      'GET',
      '/repos/{owner}/{repo}/environments/{environment_name}/secrets',
      (c) =>
        secretsPage(
          c,
          findEnv(c.params.owner!, c.params.repo!, c.params.environment_name!).env.secrets.map(
            r.secret,
          ),
        ),
    ],
    [
      'GET',
      '/repos/{owner}/{repo}/environments/{environment_name}/secrets/public-key',
      (c) => (findEnv(c.params.owner!, c.params.repo!, c.params.environment_name!), publicKey),
    ],
    [
      'GET',
      '/repos/{owner}/{repo}/environments/{environment_name}/secrets/{secret_name}',
      (c) =>
        r.secret(
          getSecret(
            findEnv(c.params.owner!, c.params.repo!, c.params.environment_name!).env.secrets,
            c.params.secret_name!,
          ),
        ),
    ],
    [
      'PUT',
      '/repos/{owner}/{repo}/environments/{environment_name}/secrets/{secret_name}',
      (c) => {
        const { org, repo, env } = findEnv(
          c.params.owner!,
          c.params.repo!,
          c.params.environment_name!,
        );
        return putSecret(c, env.secrets, `${org.login}/${repo.name}/env/${env.name}`);
      },
    ],
    // Dependabot secrets: org and repository.
    [
      'GET',
      '/orgs/{org}/dependabot/secrets',
      (c) => {
        const org = findOrg(c.params.org!);
        return secretsPage(
          c,
          org.dependabotSecrets.map((s) => r.orgSecret(c.api, org, s, 'dependabot')),
        );
      },
    ],
    [
      'GET',
      '/repos/{owner}/{repo}/dependabot/secrets',
      (c) =>
        secretsPage(
          c,
          findRepo(c.params.owner!, c.params.repo!)[1].dependabotSecrets.map(r.secret),
        ),
    ],
    // Webhooks.
    [
      'GET',
      '/orgs/{org}/hooks',
      (c) => {
        const org = findOrg(c.params.org!);
        return paginate(
          c,
          org.hooks.map((h) => r.orgHook(c.api, org, h)),
        );
      },
    ],
    [
      'GET',
      '/repos/{owner}/{repo}/hooks',
      (c) => {
        const [org, repo] = findRepo(c.params.owner!, c.params.repo!);
        return paginate(
          c,
          repo.hooks.map((h) => r.repoHook(c.api, org, repo, h)),
        );
      },
    ],
  ];
  const compiled = routes.map(([method, template, handler]) => {
    const names: string[] = [];
    const source = template.replace(/\{(\w+)\}/g, (_m, name: string) => {
      names.push(name);
      return '([^/]+)';
    });
    return { method, template, regex: new RegExp(`^${source}$`), names, handler };
  });

  const server = createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => {
      if (!res.headersSent)
        send(res, 500, r.errorBody(`stand-in error: ${(err as Error).message}`, 500));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const host = req.headers.host ?? '127.0.0.1';
    const url = new URL(req.url ?? '/', `http://${host}`);
    const api = `http://${host}${basePath}`;
    const auth = classifyAuth(req.headers.authorization);
    const record: RequestRecord = {
      method: req.method ?? 'GET',
      path: '',
      query: url.search,
      status: 0,
      auth,
      startedAt: performance.now(),
      endedAt: 0,
    };
    requests.push(record);
    stats.inFlight += 1;
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    res.on('close', () => {
      record.status = res.statusCode;
      record.endedAt = performance.now();
      stats.inFlight -= 1;
    });
    const body = await readBody(req);
    if (faults.latencyMs > 0) await new Promise((ok) => setTimeout(ok, faults.latencyMs));

    used += 1;
    res.setHeader('x-ratelimit-limit', '5000');
    res.setHeader('x-ratelimit-remaining', String(Math.max(0, 5000 - used)));
    res.setHeader('x-ratelimit-used', String(used));
    res.setHeader('x-ratelimit-reset', String(Math.floor(Date.now() / 1000) + 3600));
    res.setHeader('x-ratelimit-resource', 'core');
    res.setHeader('x-github-request-id', randomBytes(8).toString('hex').toUpperCase());
    res.setHeader('x-github-api-version-selected', '2022-11-28');
    // GitHub lists a classic token's scopes on every reply; other tokens get no such header.
    const scopes = options.oauthScopes?.[bearerOf(req.headers.authorization) ?? ''];
    if (scopes !== undefined) res.setHeader('x-oauth-scopes', scopes);

    if (!url.pathname.startsWith(basePath + '/'))
      return send(res, 404, r.errorBody(NOT_FOUND, 404));
    const path = decodeURIComponent(url.pathname.slice(basePath.length));
    record.path = path;

    const rule = rules.find((x) => x.remaining > 0 && (!x.match || x.match.test(path)));
    if (rule) {
      rule.remaining -= 1;
      return rule.respond(res);
    }
    // GET /apps/{app_slug} is public on GitHub: it answers without credentials too.
    if (auth === 'none' && !/^\/apps\/[^/]+$/.test(path))
      return send(res, 401, r.errorBody('Requires authentication', 401));
    const denied = deniedPaths.find((d) => d.match.test(path));
    if (denied) return send(res, denied.status, r.errorBody(denied.message, denied.status));
    const repoMatch = /^\/repos\/([^/]+\/[^/]+)/.exec(path);
    const repoDenial = repoMatch ? deniedRepos.get(repoMatch[1]!.toLowerCase()) : undefined;
    const tokenMatches =
      !repoDenial?.token || bearerOf(req.headers.authorization) === repoDenial.token;
    if (repoDenial && tokenMatches && (repoDenial.all || auth !== 'installation-token')) {
      const message =
        repoDenial.status === 404 ? NOT_FOUND : 'Resource not accessible by personal access token';
      return send(res, repoDenial.status, r.errorBody(message, repoDenial.status));
    }

    const route = compiled.find((x) => x.method === req.method && x.regex.test(path));
    if (!route) return send(res, 404, r.errorBody(NOT_FOUND, 404));
    const m = route.regex.exec(path)!;
    const params = Object.fromEntries(route.names.map((n, i) => [n, m[i + 1]!]));
    const ctx: Ctx = { req, res, params, query: url.searchParams, body, auth, api };
    try {
      const out = route.handler(ctx);
      if (out === undefined) {
        res.statusCode = res.statusCode === 200 ? 204 : res.statusCode;
        res.end();
      } else send(res, res.statusCode || 200, out);
    } catch (err) {
      if (err instanceof HttpFailure)
        return send(res, err.status, r.errorBody(err.message, err.status));
      throw err;
    }
  }

  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}${basePath}`,
    faults,
    requests,
    stats,
    received,
    estate,
    issuedTokens,
    close: () =>
      new Promise<void>((ok, fail) => {
        server.closeAllConnections();
        server.close((err) => (err ? fail(err) : ok()));
      }),
  };
}

function bearerOf(header: string | undefined): string | null {
  return /^(?:token|bearer)\s+(\S+)$/i.exec(header ?? '')?.[1] ?? null;
}

function classifyAuth(header: string | undefined): RequestRecord['auth'] {
  const m = /^(?:token|bearer)\s+(\S+)$/i.exec(header ?? '');
  if (!m) return 'none';
  const token = m[1]!;
  if (isJwtShape(token)) return 'jwt';
  return token.startsWith('ghs_') ? 'installation-token' : 'user-token';
}

/** A JWT as GitHub Apps send it: header {alg: RS256}, payload with iss/iat/exp, a signature. */
function isJwtShape(token: string): boolean {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]+$/.test(p))) return false;
  try {
    const header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as {
      alg?: unknown;
    };
    const payload = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as Record<
      string,
      unknown
    >;
    return header.alg === 'RS256' && payload.iss !== undefined && typeof payload.exp === 'number';
  } catch {
    return false;
  }
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  if (!chunks.length) return null;
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return null;
  }
}

function send(res: ServerResponse, status: number, body: unknown) {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.end(JSON.stringify(body));
}

/**
 * GitHub's page-number pagination: `per_page` (default 30, max 100) and `page`, with a
 * `Link` header whose URLs point back at this server. `wrap` names the array key for
 * endpoints that answer `{ total_count, <wrap>: [...] }`.
 */
function paginate(ctx: Ctx, items: unknown[], wrap?: string): unknown {
  const perPage = Math.min(100, Math.max(1, Number(ctx.query.get('per_page') ?? 30) || 30));
  const page = Math.max(1, Number(ctx.query.get('page') ?? 1) || 1);
  const last = Math.max(1, Math.ceil(items.length / perPage));
  const link = (p: number) => {
    const q = new URLSearchParams(ctx.query);
    q.set('per_page', String(perPage));
    q.set('page', String(p));
    const path = new URL(ctx.req.url ?? '/', 'http://x').pathname;
    return `<http://${ctx.req.headers.host ?? '127.0.0.1'}${path}?${q.toString()}>`;
  };
  const parts: string[] = [];
  if (page > 1) parts.push(`${link(page - 1)}; rel="prev"`);
  if (page < last) parts.push(`${link(page + 1)}; rel="next"`);
  if (page < last) parts.push(`${link(last)}; rel="last"`);
  if (page > 1) parts.push(`${link(1)}; rel="first"`);
  if (parts.length) ctx.res.setHeader('link', parts.join(', '));
  const slice = items.slice((page - 1) * perPage, page * perPage);
  return wrap ? { total_count: items.length, [wrap]: slice } : slice;
}
