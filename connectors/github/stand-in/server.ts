/**
 * A local GitHub REST stand-in serving a GitHubEstate, built on the stand-in kit (faults,
 * latency, a request log, an optional GHES base path): the endpoints the connector and its
 * playbook actions use, with GitHub's pagination (`Link` headers back to this server),
 * rate-limit headers and error documents. Payloads follow GitHub's OpenAPI description
 * (conformance.test.ts checks each one).
 *
 * Auth model, close to GitHub's:
 * - `Authorization: token|Bearer <t>`; a missing header answers 401, except on the public
 *   `GET /apps/{app_slug}`.
 * - Tokens starting `ghs_` are GitHub App installation tokens (GitHub's own prefix); only
 *   they may call the fine-grained PAT endpoints ("Only GitHub Apps can use this endpoint").
 *   Any other token is a user token and gets 403 there.
 * - A JWT (three base64url parts, header alg RS256, payload with `iss`) is accepted on the App
 *   endpoints `POST /app/installations/{id}/access_tokens` and `GET /orgs/{org}/installation`.
 *   The signature is not verified cryptographically; the shape is.
 */
import { randomBytes } from 'node:crypto';
import sodium from 'libsodium-wrappers';
import {
  router,
  serveStandIn,
  type StandInRequest,
  type StandInResponse,
  type StandInServer,
} from '../../../src/connector/stand-in.js';
import type { GitHubEstate } from './estate.js';
import { NOT_FOUND, bearerOf, callerOf, fail, route, type Caller, type Ctx } from './http.js';
import { inventoryRoutes } from './routes.js';
import { secretRoutes, type ReceivedSecret } from './secrets.js';

export type { ReceivedSecret } from './secrets.js';

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

export interface GitHubStandIn extends StandInServer {
  /** The live estate: playbook actions change it. */
  estate: GitHubEstate;
  /** Secrets clients PUT, opened with the stand-in's private key. */
  received: ReceivedSecret[];
  /** Installation tokens this stand-in issued through the App flow. */
  issuedTokens: string[];
  /**
   * Every call under /repos/{owner}/{repo} answers 403 (or 404): by default to user tokens;
   * `token` limits it to that one token, `installationTokensToo` extends it to App tokens.
   * (Access control of the estate, not a fault: `faults.clear()` keeps it.)
   */
  denyRepo(
    fullName: string,
    status?: 403 | 404,
    opts?: { installationTokensToo?: boolean; token?: string },
  ): void;
}

/** GitHub's error document for a status, as a fault or a refusal answers it. */
function errorFor(status: number): StandInResponse {
  const message =
    status === 401
      ? 'Requires authentication'
      : status === 403
        ? 'Resource not accessible by integration'
        : status === 404
          ? NOT_FOUND
          : status === 429
            ? 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.'
            : status >= 500
              ? 'Server Error'
              : `HTTP ${status}`;
  return { ...fail(status, message), headers: { 'x-github-request-id': requestId() } };
}

const requestId = () => randomBytes(8).toString('hex').toUpperCase();

export async function startGitHubStandIn(options: GitHubStandInOptions): Promise<GitHubStandIn> {
  await sodium.ready;
  const { estate } = options;
  const basePath = (options.basePath ?? '').replace(/\/$/, '');
  const received: ReceivedSecret[] = [];
  const issuedTokens: string[] = [];
  const deniedRepos = new Map<string, { status: 403 | 404; all: boolean; token: string | null }>();
  let used = 0;

  const context = (req: StandInRequest, params: Record<string, string>): Ctx => ({
    req,
    params,
    auth: callerOf(req),
    api: `${req.origin}${basePath}`,
  });
  const handlers = [
    ...inventoryRoutes({
      estate,
      issuedTokens,
      ...(options.installationPermissions
        ? { installationPermissions: options.installationPermissions }
        : {}),
    }),
    ...secretRoutes({ estate, received }),
  ];
  const routes = router(
    handlers.map(([template, handle]) => route(template, handle, context)),
    () => fail(404, NOT_FOUND),
  );

  /** A repository denied to this caller, as GitHub answers it. */
  const repoDenial = (req: StandInRequest, auth: Caller): StandInResponse | null => {
    const name = /^\/repos\/([^/]+\/[^/]+)/.exec(req.path)?.[1];
    const denial = name ? deniedRepos.get(name.toLowerCase()) : undefined;
    if (!denial) return null;
    if (denial.token && bearerOf(req.headers.authorization) !== denial.token) return null;
    if (!denial.all && auth === 'installation-token') return null;
    return fail(
      denial.status,
      denial.status === 404 ? NOT_FOUND : 'Resource not accessible by personal access token',
    );
  };

  const server = await serveStandIn(
    async (req) => {
      const auth = callerOf(req);
      used += 1;
      const answer =
        // GET /apps/{app_slug} is public on GitHub: it answers without credentials too.
        (auth === 'none' && !/^\/apps\/[^/]+$/.test(req.path)
          ? fail(401, 'Requires authentication')
          : null) ??
        repoDenial(req, auth) ??
        (await routes(req));
      return withGitHubHeaders(answer, req, used, options.oauthScopes);
    },
    {
      basePath,
      authKind: callerOf,
      errorBody: errorFor,
      ...(options.latencyMs !== undefined ? { latencyMs: options.latencyMs } : {}),
    },
  );
  return Object.assign(server, {
    estate,
    received,
    issuedTokens,
    denyRepo(
      fullName: string,
      status: 403 | 404 = 403,
      opts: { installationTokensToo?: boolean; token?: string } = {},
    ) {
      deniedRepos.set(fullName.toLowerCase(), {
        status,
        all: (opts.installationTokensToo ?? false) || opts.token !== undefined,
        token: opts.token ?? null,
      });
    },
  });
}

/** Rate-limit headers and a request id on every answer; a classic token's scopes. */
function withGitHubHeaders(
  answer: StandInResponse,
  req: StandInRequest,
  used: number,
  oauthScopes: Record<string, string> | undefined,
): StandInResponse {
  const headers: Record<string, string> = {
    'x-ratelimit-limit': '5000',
    'x-ratelimit-remaining': String(Math.max(0, 5000 - used)),
    'x-ratelimit-used': String(used),
    'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
    'x-ratelimit-resource': 'core',
    'x-github-request-id': requestId(),
    'x-github-api-version-selected': '2022-11-28',
    ...answer.headers,
  };
  // GitHub lists a classic token's scopes on every reply; other tokens get no such header.
  const scopes = oauthScopes?.[bearerOf(req.headers.authorization) ?? ''];
  if (scopes !== undefined) headers['x-oauth-scopes'] = scopes;
  return { ...answer, headers };
}
