/**
 * The only module that imports @octokit/*: authentication (token or GitHub App), the API
 * root (github.com or GHES), and the transport rules every request follows:
 * - pinned to the configured API origin (requests, redirects, `Link: rel="next"` pages and
 *   the App's token exchange), with a timeout (the kit's `pinnedFetch`);
 * - at most `concurrency` requests in flight, writes spaced a second apart, and GitHub's
 *   primary and secondary rate limits honoured (`rate-limits.ts`): a limit pauses this
 *   client's requests until GitHub's reset / `retry-after`, then the request is retried;
 * - throttling, 5xx, timeouts and network errors retried (`maxAttempts`, the kit's `withRetry`);
 * - every answer read as JSON and validated against the schema of the document asked for.
 * Failures are the kit's ApiError naming the request and status, never a token or a secret.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { Octokit } from '@octokit/rest';
import { createAppAuth } from '@octokit/auth-app';
import pLimit, { type LimitFunction } from 'p-limit';
import type { z } from 'zod';
import {
  ApiError,
  OriginPin,
  UserError,
  errorMessage,
  kindOfStatus,
  parseJsonBody,
  parsePayload,
  pinnedFetch,
  withRetry,
  type ConnectorContext,
} from '../../src/connector/index.js';
import type { GitHubAuth, GitHubSettings } from './settings.js';

export {
  DEFAULT_API_URL,
  resolveSettings,
  type GitHubAuth,
  type GitHubSettings,
} from './settings.js';
import { rateLimitOf } from './rate-limits.js';
import {
  ANY_DOCUMENT,
  ANY_LIST,
  InstallationPermissionsSchema,
  pageSchema,
  type ListShape,
} from './schema.js';

const PROVIDER = 'github';
/** GitHub asks integrations to leave a second between writes ("Best practices for the REST API"). */
const WRITE_SPACING_MS = 1000;

type Ctx = Pick<ConnectorContext, 'log' | 'signal'>;
type Params = Record<string, unknown>;
interface OctokitResponse {
  status: number;
  headers: Record<string, string | number | undefined>;
}
/** A request as Octokit builds it (and its paginator, with a `Link: rel="next"` URL). */
type EndpointRequest = ReturnType<Octokit['request']['endpoint']>;
/** Octokit's request and paginator, typed for requests already built. */
type SendRequest = (route: string | EndpointRequest, params?: Params) => Promise<OctokitResponse>;
/** A request: a documented route and its parameters, or one the paginator built. */
type Call = [route: string, params: Params] | [request: EndpointRequest];
type Paginate = (request: unknown, params: Params) => AsyncIterable<{ data: unknown }>;

/** What one client shares between its requests: the in-flight cap and the rate-limit pause. */
class Traffic {
  calls = 0;
  readonly limit: LimitFunction;
  /** No request leaves before this time (a rate limit is being waited out). */
  resumeAt = 0;
  private lastWrite = 0;
  private writes: Promise<void> = Promise.resolve();

  constructor(concurrency: number) {
    this.limit = pLimit(concurrency);
  }

  async waitForResume(signal: AbortSignal): Promise<void> {
    for (let wait = this.resumeAt - Date.now(); wait > 0; wait = this.resumeAt - Date.now())
      await delay(wait, undefined, { signal });
  }

  /** Resolves when this write may be sent: one write per second per client. */
  writeTurn(signal: AbortSignal): Promise<void> {
    const turn = this.writes.then(async () => {
      const wait = this.lastWrite + WRITE_SPACING_MS - Date.now();
      if (wait > 0) await delay(wait, undefined, { signal });
      this.lastWrite = Date.now();
    });
    this.writes = turn.catch(() => undefined);
    return turn;
  }
}

/** One authenticated connection to one organization's API, counting every HTTP request. */
export class GitHubClient {
  private constructor(
    private readonly octokit: Octokit,
    /** The pinned fetch Octokit uses; each request wraps it to keep its raw answer. */
    private readonly pinned: typeof globalThis.fetch,
    private readonly settings: GitHubSettings,
    private readonly ctx: Ctx,
    private readonly traffic: Traffic,
    readonly authKind: GitHubAuth['kind'],
  ) {}

  /** HTTP requests sent so far, retries, pages and the App's token exchange included. */
  get calls(): number {
    return this.traffic.calls;
  }

  private static create(
    settings: GitHubSettings,
    ctx: Ctx,
    traffic: Traffic,
    kind: GitHubAuth['kind'],
    auth: unknown,
  ): GitHubClient {
    const fetch = pinnedFetch({
      pin: new OriginPin(PROVIDER, [settings.apiUrl]),
      timeoutMs: settings.timeoutMs,
      signal: ctx.signal,
      onRequest: () => (traffic.calls += 1),
    });
    const octokit = new Octokit({
      baseUrl: settings.apiUrl,
      userAgent: 'nhi-github-connector',
      ...(kind === 'app' ? { authStrategy: createAppAuth } : {}),
      auth,
      request: { fetch },
      log: {
        debug: () => {},
        info: () => {},
        warn: (m: string) => ctx.log.debug(`github: ${m}`),
        // Octokit logs each failed request; the retry and the scope's error say it once.
        error: () => {},
      },
    });
    return new GitHubClient(octokit, fetch, settings, ctx, traffic, kind);
  }

  /**
   * Opens a client for `org`. With App auth and no installationId, the org's installation
   * is looked up with the App's JWT first (GET /orgs/{org}/installation).
   */
  static async open(settings: GitHubSettings, org: string, ctx: Ctx): Promise<GitHubClient> {
    const traffic = new Traffic(settings.concurrency);
    const auth = settings.auth;
    if (auth.kind === 'token')
      return GitHubClient.create(settings, ctx, traffic, 'token', auth.token);
    let installationId = auth.installationId;
    if (installationId === null)
      installationId = (await GitHubClient.appInstallation(settings, org, ctx, traffic)).id;
    return GitHubClient.create(settings, ctx, traffic, 'app', {
      appId: auth.appId,
      privateKey: auth.privateKey,
      installationId,
    });
  }

  /** GET /orgs/{org}/installation, signed with the App's JWT: the installation and its permissions. */
  private static async appInstallation(
    settings: GitHubSettings,
    org: string,
    ctx: Ctx,
    traffic = new Traffic(settings.concurrency),
  ) {
    const auth = settings.auth;
    if (auth.kind !== 'app') throw new UserError('github: installation lookup needs App auth');
    const jwt = GitHubClient.create(settings, ctx, traffic, 'app', {
      appId: auth.appId,
      privateKey: auth.privateKey,
    });
    return jwt.get('GET /orgs/{org}/installation', { org }, InstallationPermissionsSchema);
  }

  /**
   * What the App's installation on `org` was granted, e.g. { administration: 'write',
   * secrets: 'read' }. Read-only.
   */
  static async installationPermissions(
    settings: GitHubSettings,
    org: string,
    ctx: Ctx,
  ): Promise<Record<string, string>> {
    const { permissions } = await GitHubClient.appInstallation(settings, org, ctx);
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(permissions ?? {})) if (typeof v === 'string') out[k] = v;
    return out;
  }

  /** One document, validated against `schema` (without one: any JSON, for the caller to parse). */
  async get<S extends z.ZodType = typeof ANY_DOCUMENT>(
    route: string,
    params: Params,
    schema?: S,
  ): Promise<z.infer<S>> {
    return (await this.read(route, params, schema ?? (ANY_DOCUMENT as unknown as S))).data;
  }

  /** Every item of a list endpoint, all pages (see `pages`). */
  async list<S extends z.ZodType = typeof ANY_LIST.item>(
    route: string,
    params: Params,
    shape?: ListShape<S>,
  ): Promise<z.infer<S>[]> {
    const items: z.infer<S>[] = [];
    for await (const page of this.pages(route, params, shape)) items.push(...page);
    return items;
  }

  /**
   * A list endpoint page by page, as each arrives (Octokit's paginator, `Link: rel="next"`,
   * 100 per page); every page validated before it is yielded.
   */
  async *pages<S extends z.ZodType = typeof ANY_LIST.item>(
    route: string,
    params: Params,
    shape?: ListShape<S>,
  ): AsyncIterable<z.infer<S>[]> {
    const operation = `GET ${expand(route, params)}`;
    const schema = pageSchema(shape ?? (ANY_LIST as unknown as ListShape<S>));
    // The paginator takes a request function; this one hands it the validated items.
    const page = Object.assign(
      async (next: EndpointRequest) => {
        const { response, data } = await this.exchange([next], operation, schema);
        return { ...response, data };
      },
      { endpoint: (p: Params) => this.octokit.request.endpoint(route, p) },
    );
    const iterator = this.octokit.paginate.iterator as unknown as Paginate;
    for await (const res of iterator(page, { ...params, per_page: 100 }))
      yield (res as { data: z.infer<S>[] }).data;
  }

  /** A write; returns GitHub's request id for the journal. Never echoes the body. */
  async send(route: string, params: Params): Promise<{ status: number; requestId: string | null }> {
    const method = route.split(' ')[0]!;
    await this.traffic.writeTurn(this.ctx.signal);
    // PUT and DELETE are idempotent; a POST is sent once, unless GitHub throttled it unread.
    const { response } = await this.exchange(
      [route, params],
      `${method} ${expand(route, params)}`,
      null,
      method === 'POST' ? 1 : this.settings.maxAttempts,
    );
    const id = response.headers['x-github-request-id'];
    return { status: response.status, requestId: typeof id === 'string' ? id : null };
  }

  /**
   * A POST that creates something and answers with it (validated against `schema`): sent
   * once, like `send`'s POSTs, since a retried create could make two. Never echoes the body.
   */
  async create<S extends z.ZodType>(
    route: string,
    params: Params,
    schema: S,
  ): Promise<{ data: z.infer<S>; requestId: string | null }> {
    await this.traffic.writeTurn(this.ctx.signal);
    const { response, data } = await this.exchange(
      [route, params],
      `POST ${expand(route, params)}`,
      schema,
      1,
    );
    const id = response.headers['x-github-request-id'];
    return { data, requestId: typeof id === 'string' ? id : null };
  }

  /**
   * Scopes of a classic token, from the `x-oauth-scopes` header GitHub adds to every reply to
   * one; null when the header is absent (fine-grained and App installation tokens).
   */
  async oauthScopes(org: string): Promise<string[] | null> {
    const { headers } = (await this.read('GET /orgs/{org}', { org }, null)).response;
    const header = headers['x-oauth-scopes'];
    if (typeof header !== 'string') return null;
    return header
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean);
  }

  private read<S extends z.ZodType>(route: string, params: Params, schema: S | null) {
    const [method] = route.split(' ');
    return this.exchange([route, params], `${method} ${expand(route, params)}`, schema);
  }

  /**
   * Sends one request through the in-flight cap (retried as a whole: a body cut short is
   * sent again) and parses its answer; `schema` null reads no body.
   */
  private async exchange<S extends z.ZodType>(
    [route, params]: Call,
    operation: string,
    schema: S | null,
    maxAttempts = this.settings.maxAttempts,
  ): Promise<{ response: OctokitResponse; data: z.infer<S> }> {
    const { ctx, traffic } = this;
    const source = { provider: PROVIDER, operation };
    return withRetry(
      () =>
        traffic.limit(async () => {
          await traffic.waitForResume(ctx.signal);
          let raw: Response | undefined;
          const capture = async (url: string, init: RequestInit) =>
            (raw = await this.pinned(url, init));
          let response: OctokitResponse;
          try {
            // Octokit's own body parsing is left out: the raw answer is read and validated here.
            const request = { fetch: capture, parseSuccessResponseBody: false };
            const send = this.octokit.request as unknown as SendRequest;
            response = await (typeof route === 'string'
              ? send(route, { ...params, request })
              : send({ ...route, request }));
          } catch (e) {
            throw this.translate(e, operation);
          }
          if (schema === null || response.status === 204) {
            await raw?.body?.cancel();
            return { response, data: undefined as z.infer<S> };
          }
          const text = await raw!.text();
          return { response, data: parsePayload(schema, parseJsonBody(text, source), source) };
        }),
      {
        maxAttempts,
        // Backoff on the same scale as GitHub's waits (retryAfterBaseValue: ms per second).
        baseDelayMs: this.settings.retryAfterBaseValue / 2,
        maxDelayMs: 20 * this.settings.retryAfterBaseValue,
        signal: ctx.signal,
        onRetry: (e, n) => ctx.log.debug(`github: ${e.message}; retry #${n}`),
      },
    );
  }

  /**
   * Octokit's errors carry the request (with headers) and the response; only the route, the
   * status and GitHub's message are kept, so nothing sensitive travels further. A rate limit
   * pauses this client until GitHub says requests may resume.
   */
  private translate(e: unknown, operation: string): unknown {
    if (this.ctx.signal.aborted) return e;
    if (e instanceof ApiError || e instanceof UserError) return e;
    if (!isHttpError(e))
      return new ApiError({
        provider: PROVIDER,
        operation,
        kind: 'client',
        detail: errorMessage(e),
      });
    // A failure before any answer (off-origin, timeout, network) comes from pinnedFetch.
    if (e.cause instanceof ApiError) return e.cause;
    if (!e.response)
      return new ApiError({
        provider: PROVIDER,
        operation,
        kind: 'network',
        detail: errorMessage(e.cause ?? e),
      });
    const data = e.response.data as { message?: unknown } | string | undefined;
    const message = visibleControls(
      typeof data === 'object' && data !== null && typeof data.message === 'string'
        ? data.message
        : (e.message.split(' - ')[0] ?? ''),
    );
    const headers = e.response.headers ?? {};
    const limit = rateLimitOf(e.status, headers, message, Date.now());
    if (limit) {
      const waitMs = limit.waitSeconds * this.settings.retryAfterBaseValue;
      this.traffic.resumeAt = Math.max(this.traffic.resumeAt, Date.now() + waitMs);
      return new ApiError({
        provider: PROVIDER,
        operation,
        kind: 'throttled',
        status: e.status,
        detail: `${limit.kind} rate limit: ${message} (wait ${limit.waitSeconds} s)`,
        retryAfterMs: 0, // the client's pause already waits it out
      });
    }
    return new ApiError({
      provider: PROVIDER,
      operation,
      kind: kindOfStatus(e.status),
      status: e.status,
      detail: e.status === 401 ? `${message} (check the token or GitHub App credentials)` : message,
    });
  }
}

/**
 * GitHub's message with its control characters written as escapes (`\r\n`, `\u001b`): the
 * error stays one line, and a line break or escape sequence an error body carries is shown
 * for what it is rather than folded into a space.
 */
function visibleControls(message: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what it escapes
  return message.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) =>
    c < '\u0020'
      ? JSON.stringify(c).slice(1, -1)
      : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** A refusal GitHub gives for what the credentials may not see: 403, or 404 for private things. */
export function isRefused(e: unknown): e is ApiError {
  return e instanceof ApiError && (e.kind === 'denied' || e.kind === 'not-found');
}

export function isNotFound(e: unknown): e is ApiError {
  return e instanceof ApiError && e.kind === 'not-found';
}

/** `GET /repos/{owner}/{repo}` with its parameters filled in (for messages and gaps). */
export function expand(route: string, params: Params = {}): string {
  const path = route.includes(' ') ? route.slice(route.indexOf(' ') + 1) : route;
  return path.replace(/\{(\w+)\}/g, (m, name: string) =>
    params[name] === undefined ? m : String(params[name]),
  );
}

/** Octokit's RequestError, recognised by shape (its package is not a direct dependency). */
function isHttpError(e: unknown): e is Error & {
  status: number;
  cause?: unknown;
  response?: { data?: unknown; headers?: Record<string, string | number | undefined> };
} {
  return (
    e instanceof Error &&
    e.name === 'HttpError' &&
    typeof (e as { status?: unknown }).status === 'number'
  );
}
