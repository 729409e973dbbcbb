/**
 * The only module that imports @octokit/*: authentication (token or GitHub App), the API
 * root (github.com or GHES), pagination, rate-limit handling and the translation of
 * GitHub's 403/404 answers into "denied" results that callers turn into coverage gaps.
 * Error messages built here name the request and status, never a token or a secret.
 */
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { Octokit } from '@octokit/rest';
import { throttling } from '@octokit/plugin-throttling';
import { retry } from '@octokit/plugin-retry';
import { createAppAuth } from '@octokit/auth-app';
import { UserError, parseOptions } from '../../src/connector/index.js';
import { options, type GitHubOptions } from './options.js';
import type { ConnectorContext } from '../../src/connector/index.js';

const GitHubOctokit = Octokit.plugin(throttling, retry);
type GitHubOctokitInstance = InstanceType<typeof GitHubOctokit>;

export const DEFAULT_API_URL = 'https://api.github.com';

export type GitHubAuth =
  | { kind: 'token'; token: string; envName: string }
  | { kind: 'app'; appId: string; privateKey: string; installationId: number | null };

/** Everything the connector needs to reach GitHub, resolved from options and env. */
export interface GitHubSettings {
  apiUrl: string;
  auth: GitHubAuth;
  orgs: string[];
  concurrency: number;
  retryAfterBaseValue: number;
  timeoutMs: number;
  maxAttempts: number;
}

/** Why a call was refused (403/404), for a coverage gap. */
export interface Denied {
  status: number;
  message: string;
}

export type Attempt<T> = { ok: true; value: T } | { ok: false; denied: Denied };

/** A non-access failure (5xx after retries, 401, network), described without secrets. */
export class GitHubApiError extends Error {
  override name = 'GitHubApiError';
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message);
  }
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

/** Options and environment -> settings; a missing or bad setting is a UserError. */
export function resolveSettings(
  ctx: Pick<ConnectorContext, 'options' | 'env'>,
  { requireOrgs = true }: { requireOrgs?: boolean } = {},
): GitHubSettings {
  if (ctx.options.privateKey !== undefined) {
    throw new UserError(
      'github: a private key is never taken inline',
      'set privateKeyPath (or GITHUB_APP_PRIVATE_KEY_PATH) to the key file',
    );
  }
  const o = parseOptions(options, ctx.options);
  const env = ctx.env;
  const orgs = (typeof o.orgs === 'string' ? o.orgs.split(',') : (o.orgs ?? []))
    .map((x) => x.trim())
    .filter(Boolean);
  if (orgs.length === 0 && requireOrgs) {
    throw new UserError(
      'github: no organization configured',
      'set github.orgs in the config file (e.g. orgs: [my-org]) or pass the organization on the command line',
    );
  }
  const apiUrl = (o.apiUrl ?? str(env.GITHUB_API_URL) ?? DEFAULT_API_URL).replace(/\/+$/, '');
  try {
    new URL(apiUrl);
  } catch {
    throw new UserError(
      `github: apiUrl '${apiUrl}' is not a URL`,
      'use e.g. https://ghe.example.com/api/v3',
    );
  }
  return {
    apiUrl,
    auth: resolveAuth(o, env),
    orgs: [...new Set(orgs)],
    concurrency: o.concurrency,
    retryAfterBaseValue: o.retryAfterBaseValue,
    timeoutMs: o.timeoutMs,
    maxAttempts: o.maxAttempts,
  };
}

function resolveAuth(o: GitHubOptions, env: ConnectorContext['env']): GitHubAuth {
  const appId = str(o.appId === undefined ? undefined : String(o.appId)) ?? str(env.GITHUB_APP_ID);
  const keyPath = str(o.privateKeyPath) ?? str(env.GITHUB_APP_PRIVATE_KEY_PATH);
  if (appId || keyPath) {
    if (!appId || !keyPath) {
      throw new UserError(
        'github: GitHub App auth needs both appId and privateKeyPath',
        'set appId/privateKeyPath or GITHUB_APP_ID/GITHUB_APP_PRIVATE_KEY_PATH',
      );
    }
    let privateKey: string;
    try {
      privateKey = readFileSync(keyPath, 'utf8');
    } catch (e) {
      throw new UserError(
        `github: cannot read the GitHub App private key file ${keyPath} (${(e as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
    const rawInstallation = o.installationId ?? env.GITHUB_APP_INSTALLATION_ID;
    const installationId =
      rawInstallation === undefined || rawInstallation === '' ? null : Number(rawInstallation);
    if (installationId !== null && !Number.isInteger(installationId)) {
      throw new UserError('github: installationId must be a number');
    }
    return { kind: 'app', appId, privateKey, installationId };
  }
  const tokenEnv = str(o.tokenEnv);
  const names = tokenEnv ? [tokenEnv] : ['GITHUB_TOKEN', 'GH_TOKEN'];
  for (const name of names) {
    const token = str(env[name]);
    if (token) return { kind: 'token', token, envName: name };
  }
  throw new UserError(
    `github: no credentials (looked for ${names.join(', ')} and GitHub App settings)`,
    'export a token in GITHUB_TOKEN, or configure a GitHub App (appId + privateKeyPath)',
  );
}

/** One authenticated connection to one organization's API, counting every HTTP request. */
export class GitHubClient {
  private constructor(
    private readonly octokit: GitHubOctokitInstance,
    readonly authKind: GitHubAuth['kind'],
    private readonly counter: { n: number },
  ) {}

  /** HTTP requests sent so far, retries and the App's token exchange included. */
  get calls(): number {
    return this.counter.n;
  }

  /**
   * Opens a client for `org`. With App auth and no installationId, the org's installation
   * is looked up with the App's JWT first (GET /orgs/{org}/installation).
   */
  static async open(
    settings: GitHubSettings,
    org: string,
    ctx: Pick<ConnectorContext, 'log' | 'signal'>,
  ): Promise<GitHubClient> {
    const counter = { n: 0 };
    const make = (auth: unknown, authStrategy?: unknown) =>
      new GitHubOctokit({
        baseUrl: settings.apiUrl,
        userAgent: 'nhi-github-connector',
        ...(authStrategy ? { authStrategy } : {}),
        auth,
        request: {
          // A fresh signal per request, tied to the scan's: fetch leaves its abort listener on
          // the signal it gets, so handing it the shared one would pile up thousands.
          fetch: (url: string, init: RequestInit) => {
            counter.n += 1;
            return fetch(url, { ...init, signal: AbortSignal.any([ctx.signal]) });
          },
        },
        log: {
          debug: () => {},
          info: () => {},
          warn: (m: string) => ctx.log.debug(`github: ${m}`),
          error: (m: string) => ctx.log.debug(`github: ${m}`),
        },
        throttle: {
          // A per-client id keeps one org's write spacing from delaying another's.
          id: randomUUID(),
          retryAfterBaseValue: settings.retryAfterBaseValue,
          fallbackSecondaryRateRetryAfter: 60,
          onRateLimit: (
            after: number,
            options: { method: string; url: string },
            _o: unknown,
            retryCount: number,
          ) => {
            ctx.log.debug(
              `github: primary rate limit on ${options.method} ${options.url}; retry #${retryCount + 1} in ${after}s`,
            );
            return retryCount < 3;
          },
          onSecondaryRateLimit: (
            after: number,
            options: { method: string; url: string },
            _o: unknown,
            retryCount: number,
          ) => {
            ctx.log.debug(
              `github: secondary rate limit on ${options.method} ${options.url}; retry #${retryCount + 1} in ${after}s`,
            );
            return retryCount < 3;
          },
        },
        retry: { retries: 3, retryAfterBaseValue: settings.retryAfterBaseValue },
      });
    let octokit: GitHubOctokitInstance;
    const auth = settings.auth;
    if (auth.kind === 'token') {
      octokit = make(auth.token);
    } else {
      let installationId = auth.installationId;
      if (installationId === null) {
        const appOctokit = make({ appId: auth.appId, privateKey: auth.privateKey }, createAppAuth);
        try {
          const res = await appOctokit.request('GET /orgs/{org}/installation', { org });
          installationId = res.data.id;
        } catch (e) {
          throw describeError(e, `looking up the GitHub App installation for ${org}`);
        }
      }
      octokit = make(
        { appId: auth.appId, privateKey: auth.privateKey, installationId },
        createAppAuth,
      );
    }
    return new GitHubClient(octokit, auth.kind, counter);
  }

  /** Every page of a list endpoint (`Link` rel="next"), 100 per page. */
  async list(route: string, params: Record<string, unknown>): Promise<unknown[]> {
    try {
      return (await this.octokit.paginate(route, { ...params, per_page: 100 })) as unknown[];
    } catch (e) {
      throw describeError(e, route, params);
    }
  }

  async get(route: string, params: Record<string, unknown>): Promise<unknown> {
    try {
      return (await this.octokit.request(route, params)).data as unknown;
    } catch (e) {
      throw describeError(e, route, params);
    }
  }

  /** A write; returns GitHub's request id for the journal. Never echoes the body. */
  async send(
    route: string,
    params: Record<string, unknown>,
  ): Promise<{ status: number; requestId: string | null }> {
    try {
      const res = await this.octokit.request(route, params);
      return {
        status: res.status,
        requestId: (res.headers['x-github-request-id'] as string | undefined) ?? null,
      };
    } catch (e) {
      throw describeError(e, route, redactParams(params));
    }
  }

  /**
   * Scopes of a classic token, from the `x-oauth-scopes` header GitHub adds to every reply to
   * one; null when the header is absent (fine-grained and App installation tokens).
   */
  async oauthScopes(org: string): Promise<string[] | null> {
    try {
      const res = await this.octokit.request('GET /orgs/{org}', { org });
      const header = res.headers['x-oauth-scopes'];
      if (typeof header !== 'string') return null;
      return header
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean);
    } catch (e) {
      throw describeError(e, 'GET /orgs/{org}', { org });
    }
  }

  /**
   * What the App's installation on `org` was granted (GET /orgs/{org}/installation, signed
   * with the App's JWT), e.g. { administration: 'write', secrets: 'read' }. Read-only.
   */
  static async installationPermissions(
    settings: GitHubSettings,
    org: string,
    ctx: Pick<ConnectorContext, 'log' | 'signal'>,
  ): Promise<Record<string, string>> {
    const auth = settings.auth;
    if (auth.kind !== 'app') throw new UserError('github: installation permissions need App auth');
    const octokit = new Octokit({
      baseUrl: settings.apiUrl,
      userAgent: 'nhi-github-connector',
      authStrategy: createAppAuth,
      auth: { appId: auth.appId, privateKey: auth.privateKey },
      request: {
        fetch: (url: string, init: RequestInit) =>
          fetch(url, { ...init, signal: AbortSignal.any([ctx.signal]) }),
      },
      log: {
        debug: () => {},
        info: () => {},
        warn: (m: string) => ctx.log.debug(`github: ${m}`),
        error: (m: string) => ctx.log.debug(`github: ${m}`),
      },
    });
    try {
      const res = await octokit.request('GET /orgs/{org}/installation', { org });
      const out: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.data.permissions ?? {}))
        if (typeof v === 'string') out[k] = v;
      return out;
    } catch (e) {
      throw describeError(e, 'GET /orgs/{org}/installation', { org });
    }
  }
}

/** A 403/404 becomes a Denied value; anything else stays an error. */
export async function attempt<T>(fn: () => Promise<T>): Promise<Attempt<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (e) {
    if (e instanceof DeniedError)
      return { ok: false, denied: { status: e.status, message: e.message } };
    throw e;
  }
}

export class DeniedError extends GitHubApiError {
  override name = 'DeniedError';
  constructor(
    message: string,
    override readonly status: number,
  ) {
    super(message, status);
  }
}

function redactParams(params: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(params))
    if (k !== 'encrypted_value' && k !== 'data') out[k] = v;
  return out;
}

function expand(route: string, params: Record<string, unknown> = {}): string {
  return route.replace(/\{(\w+)\}/g, (m, name: string) =>
    params[name] === undefined ? m : String(params[name]),
  );
}

/**
 * Octokit's errors carry the request (with headers) and response; we keep only the route,
 * the status and GitHub's message, so nothing sensitive can travel further.
 */
function describeError(e: unknown, route: string, params?: Record<string, unknown>): Error {
  const where = expand(route, params);
  if (isHttpError(e)) {
    const data = e.response?.data as { message?: unknown } | undefined;
    const msg = typeof data?.message === 'string' ? data.message : e.message.split(' - ')[0];
    if (e.status === 403 || e.status === 404)
      return new DeniedError(`${where}: ${e.status} ${msg}`, e.status);
    if (e.status === 401)
      return new GitHubApiError(
        `${where}: 401 ${msg} (check the token or GitHub App credentials)`,
        401,
      );
    return new GitHubApiError(`${where}: ${e.status} ${msg}`, e.status);
  }
  if (e instanceof UserError || e instanceof GitHubApiError) return e;
  const name = e instanceof Error ? e.name : 'Error';
  const msg = e instanceof Error ? e.message : String(e);
  return new GitHubApiError(`${where}: ${name}: ${msg}`, null);
}

/** Octokit's RequestError, recognised by shape (its package is not a direct dependency). */
function isHttpError(e: unknown): e is Error & { status: number; response?: { data?: unknown } } {
  return (
    e instanceof Error &&
    e.name === 'HttpError' &&
    typeof (e as { status?: unknown }).status === 'number'
  );
}
