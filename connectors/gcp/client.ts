/**
 * The only file that imports Google's client libraries. It owns credentials (Application
 * Default Credentials or NHI_GCP_ACCESS_TOKEN), hands every request — the token exchanges
 * google-auth-library makes included — to one transport (transport.ts: pinned, timed,
 * budgeted), retries (the kit's withRetry), and turns every answer into the document asked
 * for (the kit's parsePayload) or an ApiError. It is longer than most files because every
 * call to the SDKs lives here and nowhere else.
 *
 * IAM goes through @googleapis/iam; Resource Manager, Policy Analyzer, Recommender and API
 * Keys have no standalone package, so they are REST calls through the auth client.
 */
import { iam_v1 } from '@googleapis/iam';
import { GoogleAuth, JWT, OAuth2Client } from 'google-auth-library';
import pLimit, { type LimitFunction } from 'p-limit';
import { z } from 'zod';
import {
  ApiError,
  DEFAULT_TIMEOUT_MS,
  OriginPin,
  isRetryable,
  parseJsonBody,
  parsePayload,
  withRetry,
  type ConnectorContext,
} from '../../src/connector/index.js';
import {
  DEFAULT_ROOT_URLS,
  PROVIDER,
  parseGcpOptions,
  type GcpOptions,
  type RootUrls,
} from './options.js';
import {
  createdKeySchema,
  emptySchema,
  listApiKeysSchema,
  listFoldersSchema,
  listKeysSchema,
  listProjectsSchema,
  listRecommendationsSchema,
  listServiceAccountsSchema,
  recommendationSchema,
  policySchema,
  projectSchema,
  queryActivitiesSchema,
  serviceAccountKeySchema,
  testIamPermissionsSchema,
  type RawActivity,
  type RawApiKey,
  type RawFolder,
  type RawPolicy,
  type RawProject,
  type RawRecommendation,
  type RawServiceAccount,
  type RawServiceAccountKey,
} from './schema.js';
import { credentialFileOrigins, toApiError, transport } from './transport.js';

export const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
export const ACCESS_TOKEN_ENV = 'NHI_GCP_ACCESS_TOKEN';

/** What one scan shares: settings, the pin, credentials, the SDK client and a request budget. */
export interface GcpSession {
  settings: GcpOptions;
  pin: OriginPin;
  auth: GoogleAuth | OAuth2Client;
  iam: iam_v1.Iam;
  /** Bounds requests awaiting an answer across the whole scan (settings.concurrency). */
  limit: LimitFunction;
  ctx: ConnectorContext;
  /** Counts requests nobody else counts (token exchanges): charged to the next scope. */
  uncounted: { calls: number };
}

export function openSession(ctx: ConnectorContext): GcpSession {
  const settings = parseGcpOptions(ctx.options, ctx.env);
  const pin = new OriginPin(PROVIDER, [
    ...Object.values(settings.rootUrls),
    ...(ctx.env[ACCESS_TOKEN_ENV] ? [] : credentialFileOrigins(ctx.env)),
  ]);
  const uncounted = { calls: 0 };
  const limit = pLimit(settings.concurrency);
  const fetchImplementation = transport(settings, pin, ctx.signal, limit, () => {
    uncounted.calls += 1;
  });
  const token = ctx.env[ACCESS_TOKEN_ENV];
  let auth: GoogleAuth | OAuth2Client;
  if (token) {
    // A token minted elsewhere (gcloud, the stand-in): used as is, never refreshed (there is
    // nothing to refresh with), so no token exchange happens.
    auth = new OAuth2Client({ transporterOptions: { fetchImplementation } });
    auth.setCredentials({ access_token: token });
  } else {
    auth = new GoogleAuth({
      scopes: [CLOUD_PLATFORM_SCOPE],
      ...(ctx.env.GOOGLE_APPLICATION_CREDENTIALS
        ? { keyFilename: ctx.env.GOOGLE_APPLICATION_CREDENTIALS }
        : {}),
      clientOptions: { transporterOptions: { fetchImplementation } },
    });
  }
  // @googleapis/iam is typed against its own nested copy of google-auth-library; the
  // runtime contract (request()) is the same, only the nominal types differ.
  const iam = new iam_v1.Iam({
    rootUrl: settings.rootUrls.iam,
    auth: auth as unknown as iam_v1.Options['auth'],
  });
  return { settings, pin, auth, iam, limit, ctx, uncounted };
}

/* ----- the client ----- */

/** What every call passes to gaxios: our transport, the body as text, no retries of its own. */
interface CallOptions {
  fetchImplementation: typeof fetch;
  responseType: 'text';
  retry: false;
  signal: AbortSignal;
}

interface RestRequest {
  method?: 'GET' | 'POST';
  params?: Record<string, string | number | undefined>;
  data?: unknown;
  /** false: a write a retry could repeat; only throttling is retried. */
  idempotent?: boolean;
}

/** One client per scope, so each scope reports its own API calls; the session is shared. */
export class GcpClient {
  /** HTTP requests sent, retries included: the scope's apiCalls. */
  calls = 0;
  private readonly fetch: typeof fetch;

  constructor(private readonly session: GcpSession) {
    this.fetch = transport(session.settings, session.pin, session.ctx.signal, session.limit, () => {
      this.calls += 1;
    });
  }

  /* ----- IAM (through @googleapis/iam) ----- */

  async listServiceAccounts(projectId: string): Promise<RawServiceAccount[]> {
    const name = `projects/${projectId}`;
    return this.pages(
      `iam.serviceAccounts.list(${name})`,
      listServiceAccountsSchema,
      (p) => p.accounts,
      (pageToken, o) =>
        this.session.iam.projects.serviceAccounts.list(
          { name, pageSize: 100, ...(pageToken ? { pageToken } : {}) },
          o,
        ),
    );
  }

  /** All keys of a service account, user- and system-managed (the API does not page keys). */
  async listKeys(serviceAccountName: string): Promise<RawServiceAccountKey[]> {
    const page = await this.send(
      `iam.serviceAccounts.keys.list(${serviceAccountName})`,
      listKeysSchema,
      (o) => this.session.iam.projects.serviceAccounts.keys.list({ name: serviceAccountName }, o),
    );
    return page.keys ?? [];
  }

  /** null when the key no longer exists. */
  async getKey(keyName: string): Promise<RawServiceAccountKey | null> {
    try {
      return await this.send(
        `iam.serviceAccounts.keys.get(${keyName})`,
        serviceAccountKeySchema,
        (o) => this.session.iam.projects.serviceAccounts.keys.get({ name: keyName }, o),
      );
    } catch (e) {
      if (e instanceof ApiError && e.kind === 'not-found') return null;
      throw e;
    }
  }

  async disableKey(keyName: string): Promise<void> {
    await this.send(`iam.serviceAccounts.keys.disable(${keyName})`, emptySchema, (o) =>
      this.session.iam.projects.serviceAccounts.keys.disable({ name: keyName, requestBody: {} }, o),
    );
  }

  async enableKey(keyName: string): Promise<void> {
    await this.send(`iam.serviceAccounts.keys.enable(${keyName})`, emptySchema, (o) =>
      this.session.iam.projects.serviceAccounts.keys.enable({ name: keyName, requestBody: {} }, o),
    );
  }

  async deleteKey(keyName: string): Promise<void> {
    await this.send(`iam.serviceAccounts.keys.delete(${keyName})`, emptySchema, (o) =>
      this.session.iam.projects.serviceAccounts.keys.delete({ name: keyName }, o),
    );
  }

  /**
   * Creates a user-managed key. The response is the only place the private key ever exists;
   * the caller takes `privateKeyData` out and must not keep the rest around. Only throttling
   * is retried: after a 5xx or a timeout the key may exist, and a retry would make a second.
   */
  async createKey(
    serviceAccountName: string,
  ): Promise<{ key: RawServiceAccountKey; privateKeyData: string }> {
    const { privateKeyData, ...key } = await this.send(
      `iam.serviceAccounts.keys.create(${serviceAccountName})`,
      createdKeySchema,
      (o) =>
        this.session.iam.projects.serviceAccounts.keys.create(
          {
            name: serviceAccountName,
            requestBody: {
              privateKeyType: 'TYPE_GOOGLE_CREDENTIALS_FILE',
              keyAlgorithm: 'KEY_ALG_RSA_2048',
            },
          },
          o,
        ),
      false,
    );
    return { key, privateKeyData };
  }

  /* ----- Cloud Resource Manager v3 ----- */

  getProject(projectId: string): Promise<RawProject> {
    return this.rest(
      `resourcemanager.projects.get(${projectId})`,
      'cloudresourcemanager',
      `/v3/projects/${encodeURIComponent(projectId)}`,
      projectSchema,
    );
  }

  /** Projects whose direct parent is `parent` (organizations/1 or folders/2). */
  listProjects(parent: string): Promise<RawProject[]> {
    return this.restPages(
      `resourcemanager.projects.list(${parent})`,
      'cloudresourcemanager',
      '/v3/projects',
      listProjectsSchema,
      (p) => p.projects,
      { parent },
    );
  }

  /** Every project the caller may see (no organization or project named). */
  searchProjects(query: string): Promise<RawProject[]> {
    return this.restPages(
      'resourcemanager.projects.search',
      'cloudresourcemanager',
      '/v3/projects:search',
      listProjectsSchema,
      (p) => p.projects,
      { query },
    );
  }

  listFolders(parent: string): Promise<RawFolder[]> {
    return this.restPages(
      `resourcemanager.folders.list(${parent})`,
      'cloudresourcemanager',
      '/v3/folders',
      listFoldersSchema,
      (p) => p.folders,
      { parent },
    );
  }

  /** `resource` is projects/{id}, folders/{id} or organizations/{id}. Version 3 keeps conditions. */
  getIamPolicy(resource: string): Promise<RawPolicy> {
    // A read-only POST: safe to retry like a GET.
    return this.rest(
      `resourcemanager.getIamPolicy(${resource})`,
      'cloudresourcemanager',
      `/v3/${resource}:getIamPolicy`,
      policySchema,
      {
        method: 'POST',
        data: { options: { requestedPolicyVersion: 3 } },
      },
    );
  }

  /**
   * Writes a project's IAM policy. Google refuses it (409 ABORTED) when `policy.etag` is not
   * the current one: someone wrote in between, and the caller reads and modifies again. Not
   * retried here beyond throttling: a retried write after a timeout would meet its own etag.
   */
  setIamPolicy(resource: string, policy: RawPolicy): Promise<RawPolicy> {
    return this.rest(
      `resourcemanager.setIamPolicy(${resource})`,
      'cloudresourcemanager',
      `/v3/${resource}:setIamPolicy`,
      policySchema,
      { method: 'POST', data: { policy, updateMask: 'bindings,etag' }, idempotent: false },
    );
  }

  /** The subset of `permissions` the caller holds on the project (read-only; `nhi doctor`). */
  async testIamPermissions(projectId: string, permissions: string[]): Promise<string[]> {
    const held = await this.rest(
      `resourcemanager.projects.testIamPermissions(${projectId})`,
      'cloudresourcemanager',
      `/v3/projects/${encodeURIComponent(projectId)}:testIamPermissions`,
      testIamPermissionsSchema,
      { method: 'POST', data: { permissions } },
    );
    return held.permissions ?? [];
  }

  /* ----- Policy Analyzer, Recommender, API Keys ----- */

  /** One bulk query per project and activity type, all pages (max page size 1000). */
  queryActivities(projectId: string, activityType: string): Promise<RawActivity[]> {
    return this.restPages(
      `policyanalyzer.activities.query(${projectId}, ${activityType})`,
      'policyanalyzer',
      `/v1/projects/${encodeURIComponent(projectId)}/locations/global/activityTypes/${activityType}/activities:query`,
      queryActivitiesSchema,
      (p) => p.activities,
      { pageSize: 1000 },
    );
  }

  listIamRecommendations(projectId: string): Promise<RawRecommendation[]> {
    return this.restPages(
      `recommender.recommendations.list(${projectId})`,
      'recommender',
      `/v1/projects/${encodeURIComponent(projectId)}/locations/global/recommenders/google.iam.policy.Recommender/recommendations`,
      listRecommendationsSchema,
      (p) => p.recommendations,
      { pageSize: 500 },
    );
  }

  /** Moves a recommendation on (CLAIMED, SUCCEEDED, FAILED); `etag` is the one last read. */
  markRecommendation(
    name: string,
    to: 'Claimed' | 'Succeeded' | 'Failed',
    etag: string,
  ): Promise<RawRecommendation> {
    return this.rest(
      `recommender.recommendations.mark${to}(${name})`,
      'recommender',
      `/v1/${name}:mark${to}`,
      recommendationSchema,
      { method: 'POST', data: { etag, stateMetadata: { tool: 'nhi' } }, idempotent: false },
    );
  }

  listApiKeys(projectId: string): Promise<RawApiKey[]> {
    return this.restPages(
      `apikeys.keys.list(${projectId})`,
      'apikeys',
      `/v2/projects/${encodeURIComponent(projectId)}/locations/global/keys`,
      listApiKeysSchema,
      (p) => p.keys,
      { pageSize: 300 },
    );
  }

  /** Obtains (or reuses) an access token: the credentials work, or one ApiError says why. */
  async checkToken(): Promise<void> {
    const auth = this.session.auth;
    try {
      const token =
        auth instanceof GoogleAuth
          ? await auth.getAccessToken()
          : (await auth.getAccessToken()).token;
      if (!token) throw new Error('no access token');
    } catch (e) {
      throw toApiError('oauth2 token', e, 'auth');
    }
  }

  /** The service account email ADC resolves to, when the credentials say so. */
  async principal(): Promise<string | null> {
    const auth = this.session.auth;
    if (!(auth instanceof GoogleAuth)) return null;
    try {
      return (await auth.getCredentials()).client_email ?? null;
    } catch {
      return null;
    }
  }

  /* ----- plumbing ----- */

  /**
   * One call through the scan's request budget, retried per the kit's policy (`idempotent`
   * false: throttling only), its body parsed as the document asked for. Gaxios neither retries
   * nor parses: `responseType: 'text'` hands the body over as it came.
   */
  private async send<S extends z.ZodType>(
    operation: string,
    schema: S,
    call: (options: CallOptions) => Promise<{ data: unknown }>,
    idempotent = true,
  ): Promise<z.infer<S>> {
    const { settings, ctx } = this.session;
    const source = { provider: PROVIDER, operation };
    const attempt = async (): Promise<z.infer<S>> => {
      let data: unknown;
      try {
        ({ data } = await call({
          fetchImplementation: this.fetch,
          responseType: 'text',
          retry: false,
          signal: ctx.signal,
        }));
      } catch (e) {
        if (ctx.signal.aborted) throw ctx.signal.reason ?? e;
        throw toApiError(operation, e);
      }
      const doc = typeof data === 'string' ? parseJsonBody(data, source) : data;
      return parsePayload(schema, doc, source);
    };
    const outcome = await withRetry(
      async () => {
        try {
          return { ok: await attempt() };
        } catch (e) {
          // Not idempotent: a 5xx or timeout may have done the work; only throttling is safe.
          if (!idempotent && isRetryable(e) && (e as ApiError).kind !== 'throttled')
            return { failed: e };
          throw e;
        }
      },
      {
        maxAttempts: settings.maxAttempts,
        baseDelayMs: settings.retry.baseDelayMs,
        maxDelayMs: settings.retry.maxDelayMs,
        signal: ctx.signal,
        onRetry: (e, n) => ctx.log.debug(`gcp: retry #${n} after ${e.message}`),
      },
    );
    if ('failed' in outcome) throw outcome.failed;
    return outcome.ok;
  }

  private rest<S extends z.ZodType>(
    operation: string,
    api: keyof RootUrls,
    path: string,
    schema: S,
    req: RestRequest = {},
  ): Promise<z.infer<S>> {
    const url = this.session.settings.rootUrls[api].replace(/\/+$/, '') + path;
    const params = Object.fromEntries(
      Object.entries(req.params ?? {}).filter(([, v]) => v !== undefined),
    );
    return this.send(
      operation,
      schema,
      (o) =>
        this.session.auth.request({
          url,
          method: req.method ?? 'GET',
          ...(Object.keys(params).length ? { params } : {}),
          ...(req.data !== undefined ? { data: req.data } : {}),
          ...o,
        }),
      req.idempotent ?? true,
    );
  }

  /** Every page of a list, following nextPageToken (a token seen twice is a broken answer). */
  private async pages<S extends z.ZodType<{ nextPageToken?: string | null }>, T>(
    operation: string,
    schema: S,
    pick: (page: z.infer<S>) => T[] | null | undefined,
    call: (pageToken: string | undefined, options: CallOptions) => Promise<{ data: unknown }>,
  ): Promise<T[]> {
    const out: T[] = [];
    const seen = new Set<string>();
    let pageToken: string | undefined;
    do {
      const token = pageToken;
      const page = await this.send(operation, schema, (o) => call(token, o));
      out.push(...(pick(page) ?? []));
      pageToken = page.nextPageToken || undefined;
      if (pageToken && seen.has(pageToken))
        throw new ApiError({
          provider: PROVIDER,
          operation,
          kind: 'invalid-response',
          code: 'InvalidResponse',
          detail: 'the same page token came back twice',
        });
      if (pageToken) seen.add(pageToken);
    } while (pageToken);
    return out;
  }

  private restPages<S extends z.ZodType<{ nextPageToken?: string | null }>, T>(
    operation: string,
    api: keyof RootUrls,
    path: string,
    schema: S,
    pick: (page: z.infer<S>) => T[] | null | undefined,
    params: Record<string, string | number>,
  ): Promise<T[]> {
    const url = this.session.settings.rootUrls[api].replace(/\/+$/, '') + path;
    return this.pages(operation, schema, pick, (pageToken, o) =>
      this.session.auth.request({
        url,
        method: 'GET',
        params: { ...params, ...(pageToken ? { pageToken } : {}) },
        ...o,
      }),
    );
  }
}

/** A client on a session of its own (playbook actions, doctor: one call or a few). */
export function clientFor(ctx: ConnectorContext): GcpClient {
  return new GcpClient(openSession(ctx));
}

/* ----- proving a key file ----- */

/**
 * Exchanges a service-account key file for an access token (JWT-bearer grant, RS256-signed
 * with the key's private key) at the configured OAuth 2.0 host, through the same pinned,
 * timed transport as the scan: proof that the key works. Returns whom it authenticated as.
 */
export async function tokenFromKeyFile(
  keyFileJson: string,
  oauth2Root: string,
  init: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<{ email: string; keyId: string }> {
  const operation = 'oauth2 token (JWT-bearer)';
  const key = parsePayload(
    z.object({ client_email: z.string(), private_key: z.string(), private_key_id: z.string() }),
    parseJsonBody(keyFileJson, { provider: PROVIDER, operation }),
    { provider: PROVIDER, operation },
  );
  const fetchImplementation = transport(
    {
      timeoutMs: init.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      rootUrls: { ...DEFAULT_ROOT_URLS, oauth2: oauth2Root },
    },
    new OriginPin(PROVIDER, [oauth2Root]),
    init.signal ?? new AbortController().signal,
    null,
    () => {},
  );
  const jwt = new JWT({
    email: key.client_email,
    key: key.private_key,
    keyId: key.private_key_id,
    scopes: [CLOUD_PLATFORM_SCOPE],
    transporterOptions: { fetchImplementation },
  });
  try {
    const creds = await jwt.authorize();
    if (!creds.access_token) throw new Error('no access_token in the reply');
  } catch (e) {
    throw toApiError(operation, e, 'auth');
  }
  return { email: key.client_email, keyId: key.private_key_id };
}
