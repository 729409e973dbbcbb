/**
 * The only file that imports Google's client libraries. It owns authentication, endpoints,
 * pagination and retries, and turns every failure into a GcpApiError that carries the HTTP
 * status and google.rpc status but never the request (whose headers hold the bearer token).
 *
 * IAM goes through @googleapis/iam; Resource Manager, Policy Analyzer, Recommender and API
 * Keys have no standalone package, so they are plain REST calls through the auth client.
 */
import { setMaxListeners } from 'node:events';
import { iam_v1 } from '@googleapis/iam';
import { GoogleAuth, JWT, OAuth2Client } from 'google-auth-library';
import { z } from 'zod';
import {
  apiKeySchema,
  listApiKeysSchema,
  listFoldersSchema,
  listKeysSchema,
  listProjectsSchema,
  listRecommendationsSchema,
  listServiceAccountsSchema,
  parsePayload,
  policySchema,
  projectSchema,
  queryActivitiesSchema,
  serviceAccountKeySchema,
  type RawActivity,
  type RawApiKey,
  type RawFolder,
  type RawPolicy,
  type RawProject,
  type RawRecommendation,
  type RawServiceAccount,
  type RawServiceAccountKey,
} from './map.js';

export interface RootUrls {
  iam: string;
  cloudresourcemanager: string;
  policyanalyzer: string;
  recommender: string;
  apikeys: string;
  /** OAuth 2.0 token endpoint host (the JWT-bearer grant that proves a new key). */
  oauth2: string;
}

export const DEFAULT_ROOT_URLS: RootUrls = {
  iam: 'https://iam.googleapis.com/',
  cloudresourcemanager: 'https://cloudresourcemanager.googleapis.com/',
  policyanalyzer: 'https://policyanalyzer.googleapis.com/',
  recommender: 'https://recommender.googleapis.com/',
  apikeys: 'https://apikeys.googleapis.com/',
  oauth2: 'https://oauth2.googleapis.com/',
};

export interface RetrySettings {
  /** Retries after the first attempt (0 = no retry). */
  maxRetries: number;
  /** First backoff; doubles per attempt, with jitter, capped at maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetrySettings = { maxRetries: 5, baseDelayMs: 500, maxDelayMs: 20_000 };

/** A failed Google API call: what was attempted, HTTP status, google.rpc status. No request data. */
export class GcpApiError extends Error {
  override name = 'GcpApiError';
  constructor(
    readonly operation: string,
    readonly status: number | null,
    /** google.rpc status (PERMISSION_DENIED, RESOURCE_EXHAUSTED…) or a network error code. */
    readonly code: string | null,
    message: string,
  ) {
    super(`${operation}: ${message}`);
  }
  get denied(): boolean {
    return this.status === 403 || this.status === 401;
  }
  get notFound(): boolean {
    return this.status === 404;
  }
}

/** projects.testIamPermissions reply; Google omits `permissions` when none is held. */
const testIamPermissionsSchema = z.object({ permissions: z.array(z.string()).optional() });

export type GcpAuth = GoogleAuth | OAuth2Client;

export const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';

/**
 * With an access token (the stand-in, the demo, or a token minted elsewhere) an OAuth2Client
 * holding it is used as is: no token exchange. Otherwise Application Default Credentials.
 */
export function createAuth(env: Readonly<Record<string, string | undefined>>): GcpAuth {
  const token = env.NHI_GCP_ACCESS_TOKEN;
  if (token) {
    const client = new OAuth2Client();
    // No expiry_date: the library then never tries to refresh (there is nothing to refresh with).
    client.setCredentials({ access_token: token });
    return client;
  }
  return new GoogleAuth({
    scopes: [CLOUD_PLATFORM_SCOPE],
    ...(env.GOOGLE_APPLICATION_CREDENTIALS
      ? { keyFilename: env.GOOGLE_APPLICATION_CREDENTIALS }
      : {}),
  });
}

/** A token endpoint that accepts the connection and never answers must not hang a playbook. */
const TOKEN_TIMEOUT_MS = 30_000;

/** Where google-auth-library sends every JWT-bearer grant (it has no setting for it). */
const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';

/**
 * Exchanges a service-account key file for an access token (JWT-bearer grant, RS256-signed
 * with the key's private key) at the configured OAuth 2.0 host: proof that the key works.
 * Returns the service account it authenticated as. Errors carry Google's error code only.
 */
export async function tokenFromKeyFile(
  keyFileJson: string,
  oauth2Root: string,
): Promise<{ email: string; keyId: string }> {
  const key = z
    .object({ client_email: z.string(), private_key: z.string(), private_key_id: z.string() })
    .parse(JSON.parse(keyFileJson));
  const jwt = new JWT({
    email: key.client_email,
    key: key.private_key,
    keyId: key.private_key_id,
    scopes: [CLOUD_PLATFORM_SCOPE],
  });
  const tokenUrl = new URL('token', oauth2Root);
  // Pinned to the configured origin: the library's fixed Google URL is rewritten, nothing else.
  jwt.transporter.interceptors.request.add({
    resolved: async (opts) => {
      if (opts.url.toString() === GOOGLE_TOKEN_URL) opts.url = tokenUrl;
      opts.timeout ||= TOKEN_TIMEOUT_MS;
      return opts;
    },
  });
  try {
    const creds = await jwt.authorize();
    if (!creds.access_token) throw new Error('no access_token in the reply');
  } catch (e) {
    const data = (e as { response?: { data?: { error?: string; error_description?: string } } })
      .response?.data;
    throw new GcpApiError(
      'oauth2 token (JWT-bearer)',
      (e as { response?: { status?: number } }).response?.status ?? null,
      data?.error ?? null,
      data?.error_description ?? (e as Error).message,
    );
  }
  return { email: key.client_email, keyId: key.private_key_id };
}

interface ClientInit {
  auth: GcpAuth;
  rootUrls: RootUrls;
  retry: RetrySettings;
  signal?: AbortSignal;
  debug?: (message: string, data?: Record<string, unknown>) => void;
}

interface RestRequest {
  method?: 'GET' | 'POST' | 'DELETE';
  params?: Record<string, string | number | undefined>;
  data?: unknown;
}

type Response<T> = { data: T; headers?: unknown };

const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504]);

export class GcpClient {
  /** HTTP attempts made, retries included: reported as ScopeInventory.apiCalls. */
  calls = 0;
  private readonly iam: iam_v1.Iam;
  private readonly signal: AbortSignal | undefined;

  constructor(private readonly init: ClientInit) {
    // Each in-flight request listens on the signal; a derived signal keeps the many
    // concurrent listeners off the caller's signal (and its MaxListeners warning).
    if (init.signal) {
      this.signal = AbortSignal.any([init.signal]);
      setMaxListeners(0, this.signal);
    }
    // @googleapis/iam is typed against its own nested copy of google-auth-library; the
    // runtime contract (request()) is the same, only the nominal types differ.
    this.iam = new iam_v1.Iam({
      rootUrl: init.rootUrls.iam,
      auth: init.auth as unknown as iam_v1.Options['auth'],
    });
  }

  /* ----- IAM (through @googleapis/iam) ----- */

  async listServiceAccounts(projectId: string): Promise<RawServiceAccount[]> {
    const out: RawServiceAccount[] = [];
    let pageToken: string | undefined;
    do {
      const data = await this.call(`iam.serviceAccounts.list(${projectId})`, true, () =>
        this.iam.projects.serviceAccounts.list(
          { name: `projects/${projectId}`, pageSize: 100, ...(pageToken ? { pageToken } : {}) },
          this.methodOptions(),
        ),
      );
      const page = parsePayload(listServiceAccountsSchema, data, 'iam.serviceAccounts.list');
      out.push(...(page.accounts ?? []));
      pageToken = page.nextPageToken || undefined;
    } while (pageToken);
    return out;
  }

  /** All keys of a service account, user- and system-managed (the API does not paginate keys). */
  async listKeys(serviceAccountName: string): Promise<RawServiceAccountKey[]> {
    const data = await this.call(`iam.serviceAccounts.keys.list(${serviceAccountName})`, true, () =>
      this.iam.projects.serviceAccounts.keys.list(
        { name: serviceAccountName },
        this.methodOptions(),
      ),
    );
    return parsePayload(listKeysSchema, data, 'iam.serviceAccounts.keys.list').keys ?? [];
  }

  /** null when the key no longer exists. */
  async getKey(keyName: string): Promise<RawServiceAccountKey | null> {
    try {
      const data = await this.call(`iam.serviceAccounts.keys.get(${keyName})`, true, () =>
        this.iam.projects.serviceAccounts.keys.get({ name: keyName }, this.methodOptions()),
      );
      return parsePayload(serviceAccountKeySchema, data, 'iam.serviceAccounts.keys.get');
    } catch (e) {
      if (e instanceof GcpApiError && e.notFound) return null;
      throw e;
    }
  }

  async disableKey(keyName: string): Promise<void> {
    await this.call(`iam.serviceAccounts.keys.disable(${keyName})`, true, () =>
      this.iam.projects.serviceAccounts.keys.disable(
        { name: keyName, requestBody: {} },
        this.methodOptions(),
      ),
    );
  }

  async enableKey(keyName: string): Promise<void> {
    await this.call(`iam.serviceAccounts.keys.enable(${keyName})`, true, () =>
      this.iam.projects.serviceAccounts.keys.enable(
        { name: keyName, requestBody: {} },
        this.methodOptions(),
      ),
    );
  }

  async deleteKey(keyName: string): Promise<void> {
    await this.call(`iam.serviceAccounts.keys.delete(${keyName})`, true, () =>
      this.iam.projects.serviceAccounts.keys.delete({ name: keyName }, this.methodOptions()),
    );
  }

  /**
   * Creates a user-managed key. The response is the only place the private key ever exists;
   * the caller takes `privateKeyData` out and must not keep the rest around. Not retried on
   * 5xx: the key may have been created, and a retry would make a second one.
   */
  async createKey(
    serviceAccountName: string,
  ): Promise<{ key: RawServiceAccountKey; privateKeyData: string }> {
    const data = await this.call(
      `iam.serviceAccounts.keys.create(${serviceAccountName})`,
      false,
      () =>
        this.iam.projects.serviceAccounts.keys.create(
          {
            name: serviceAccountName,
            requestBody: {
              privateKeyType: 'TYPE_GOOGLE_CREDENTIALS_FILE',
              keyAlgorithm: 'KEY_ALG_RSA_2048',
            },
          },
          this.methodOptions(),
        ),
    );
    const key = parsePayload(serviceAccountKeySchema, data, 'iam.serviceAccounts.keys.create');
    const privateKeyData = (data as { privateKeyData?: unknown } | null)?.privateKeyData;
    if (typeof privateKeyData !== 'string' || !privateKeyData) {
      throw new GcpApiError(
        'iam.serviceAccounts.keys.create',
        null,
        null,
        'response carried no privateKeyData',
      );
    }
    return { key, privateKeyData };
  }

  /* ----- Cloud Resource Manager v3 ----- */

  async getProject(projectId: string): Promise<RawProject> {
    const data = await this.rest(
      `resourcemanager.projects.get(${projectId})`,
      'cloudresourcemanager',
      `/v3/projects/${encodeURIComponent(projectId)}`,
    );
    return parsePayload(projectSchema, data, 'resourcemanager.projects.get');
  }

  /** Projects whose direct parent is `parent` (organizations/1 or folders/2). */
  async listProjects(parent: string): Promise<RawProject[]> {
    return this.pages(
      `resourcemanager.projects.list(${parent})`,
      'cloudresourcemanager',
      '/v3/projects',
      listProjectsSchema,
      'projects',
      { parent },
    );
  }

  /** Every project the caller may see (no organization or project named). */
  async searchProjects(query: string): Promise<RawProject[]> {
    return this.pages(
      'resourcemanager.projects.search',
      'cloudresourcemanager',
      '/v3/projects:search',
      listProjectsSchema,
      'projects',
      { query },
    );
  }

  async listFolders(parent: string): Promise<RawFolder[]> {
    return this.pages(
      `resourcemanager.folders.list(${parent})`,
      'cloudresourcemanager',
      '/v3/folders',
      listFoldersSchema,
      'folders',
      { parent },
    );
  }

  /** `resource` is projects/{id}, folders/{id} or organizations/{id}. Version 3 keeps conditions. */
  async getIamPolicy(resource: string): Promise<RawPolicy> {
    const data = await this.rest(
      `resourcemanager.getIamPolicy(${resource})`,
      'cloudresourcemanager',
      `/v3/${resource}:getIamPolicy`,
      {
        method: 'POST',
        data: { options: { requestedPolicyVersion: 3 } },
      },
    );
    return parsePayload(policySchema, data, 'resourcemanager.getIamPolicy');
  }

  /**
   * The subset of `permissions` the caller holds on the project (projects.testIamPermissions):
   * a read-only check, so `nhi doctor` can tell which playbooks would work.
   */
  async testIamPermissions(projectId: string, permissions: string[]): Promise<string[]> {
    const data = await this.rest(
      `resourcemanager.projects.testIamPermissions(${projectId})`,
      'cloudresourcemanager',
      `/v3/projects/${encodeURIComponent(projectId)}:testIamPermissions`,
      { method: 'POST', data: { permissions } },
    );
    return (
      parsePayload(testIamPermissionsSchema, data, 'resourcemanager.projects.testIamPermissions')
        .permissions ?? []
    );
  }

  /* ----- Policy Analyzer, Recommender, API Keys ----- */

  /** One bulk query per project and activity type, all pages (max page size 1000). */
  async queryActivities(projectId: string, activityType: string): Promise<RawActivity[]> {
    return this.pages(
      `policyanalyzer.activities.query(${projectId}, ${activityType})`,
      'policyanalyzer',
      `/v1/projects/${encodeURIComponent(projectId)}/locations/global/activityTypes/${activityType}/activities:query`,
      queryActivitiesSchema,
      'activities',
      { pageSize: 1000 },
    );
  }

  async listIamRecommendations(projectId: string): Promise<RawRecommendation[]> {
    return this.pages(
      `recommender.recommendations.list(${projectId})`,
      'recommender',
      `/v1/projects/${encodeURIComponent(projectId)}/locations/global/recommenders/google.iam.policy.Recommender/recommendations`,
      listRecommendationsSchema,
      'recommendations',
      { pageSize: 500 },
    );
  }

  async listApiKeys(projectId: string): Promise<RawApiKey[]> {
    const keys = await this.pages(
      `apikeys.keys.list(${projectId})`,
      'apikeys',
      `/v2/projects/${encodeURIComponent(projectId)}/locations/global/keys`,
      listApiKeysSchema,
      'keys',
      { pageSize: 300 },
    );
    return keys.map((k) => parsePayload(apiKeySchema, k, 'apikeys.keys.list'));
  }

  /** Cheap token check for `nhi doctor`: obtains (or reuses) an access token. */
  async checkToken(): Promise<void> {
    try {
      const auth = this.init.auth;
      const token =
        auth instanceof GoogleAuth
          ? await auth.getAccessToken()
          : (await auth.getAccessToken()).token;
      if (!token) throw new Error('no access token');
    } catch (e) {
      throw new GcpApiError('auth', null, 'UNAUTHENTICATED', describeCause(e));
    }
  }

  /** The service account email ADC resolves to, when the credentials say so. */
  async principal(): Promise<string | null> {
    const auth = this.init.auth;
    if (!(auth instanceof GoogleAuth)) return null;
    try {
      return (await auth.getCredentials()).client_email ?? null;
    } catch {
      return null;
    }
  }

  /* ----- plumbing ----- */

  private methodOptions() {
    return { retry: false, ...(this.signal ? { signal: this.signal } : {}) };
  }

  private async pages<T, K extends string>(
    operation: string,
    api: keyof RootUrls,
    path: string,
    schema: z.ZodType<
      { nextPageToken?: string | null | undefined } & { [P in K]?: T[] | null | undefined }
    >,
    field: K,
    params: Record<string, string | number | undefined>,
  ): Promise<T[]> {
    const out: T[] = [];
    let pageToken: string | undefined;
    do {
      const data = await this.rest(operation, api, path, { params: { ...params, pageToken } });
      const page = parsePayload(schema, data, operation.replace(/\(.*$/, ''));
      out.push(...((page[field] as T[] | null | undefined) ?? []));
      pageToken = page.nextPageToken || undefined;
    } while (pageToken);
    return out;
  }

  private rest(
    operation: string,
    api: keyof RootUrls,
    path: string,
    req: RestRequest = {},
  ): Promise<unknown> {
    const url = this.init.rootUrls[api].replace(/\/+$/, '') + path;
    const params = Object.fromEntries(
      Object.entries(req.params ?? {}).filter(([, v]) => v !== undefined),
    );
    // Read-only POSTs (getIamPolicy) are safe to retry like GETs.
    return this.call(operation, true, () =>
      this.init.auth.request({
        url,
        method: req.method ?? 'GET',
        ...(Object.keys(params).length ? { params } : {}),
        ...(req.data !== undefined ? { data: req.data } : {}),
        ...this.methodOptions(),
      }),
    );
  }

  /**
   * Runs one API call with backoff on 429 RESOURCE_EXHAUSTED and, when `idempotent`, on 5xx
   * and dropped connections. Honours Retry-After. Returns the response body only.
   */
  private async call<T>(
    operation: string,
    idempotent: boolean,
    fn: () => Promise<Response<T>>,
  ): Promise<T> {
    const { maxRetries, baseDelayMs, maxDelayMs } = this.init.retry;
    for (let attempt = 0; ; attempt++) {
      this.calls++;
      try {
        const res = await fn();
        return res.data;
      } catch (e) {
        const err = toApiError(operation, e);
        const retryable =
          err.status === 429 ||
          (idempotent &&
            ((err.status !== null && RETRYABLE_STATUS.has(err.status)) ||
              isNetworkError(err.code)));
        if (!retryable || attempt >= maxRetries || this.signal?.aborted) throw err;
        const backoff = Math.min(
          maxDelayMs,
          baseDelayMs * 2 ** attempt * (0.5 + Math.random() / 2),
        );
        const delay = Math.min(maxDelayMs, Math.max(backoff, retryAfterMs(e) ?? 0));
        this.init.debug?.('gcp: retrying', {
          operation,
          status: err.status,
          attempt: attempt + 1,
          delayMs: Math.round(delay),
        });
        await sleep(delay, this.signal);
      }
    }
  }
}

function isNetworkError(code: string | null): boolean {
  return (
    code === 'ECONNRESET' || code === 'ETIMEDOUT' || code === 'ECONNREFUSED' || code === 'EPIPE'
  );
}

interface ErrorLike {
  message?: unknown;
  code?: unknown;
  status?: unknown;
  response?: { status?: unknown; data?: unknown; headers?: unknown };
}

/** Keeps status, google.rpc status and message; drops the request config (it holds the token). */
export function toApiError(operation: string, e: unknown): GcpApiError {
  if (e instanceof GcpApiError) return e;
  if (typeof e !== 'object' || e === null) return new GcpApiError(operation, null, null, String(e));
  const err = e as ErrorLike;
  const status =
    typeof err.response?.status === 'number'
      ? err.response.status
      : typeof err.status === 'number'
        ? err.status
        : null;
  const body = err.response?.data as
    { error?: { status?: unknown; message?: unknown } } | undefined;
  const rpcStatus = typeof body?.error?.status === 'string' ? body.error.status : null;
  const rpcMessage = typeof body?.error?.message === 'string' ? body.error.message : null;
  const code =
    rpcStatus ??
    (typeof err.code === 'string' ? err.code : status !== null ? String(status) : null);
  const message = rpcMessage ?? (status !== null ? `HTTP ${status}` : describeCause(e));
  return new GcpApiError(
    operation,
    status,
    code,
    status !== null ? `${status} ${code}: ${message}` : message,
  );
}

function describeCause(e: unknown): string {
  if (e instanceof Error) return e.message.split('\n')[0] ?? e.name;
  return String(e);
}

function retryAfterMs(e: unknown): number | null {
  const headers = (e as ErrorLike)?.response?.headers;
  let value: unknown;
  if (headers && typeof (headers as Headers).get === 'function')
    value = (headers as Headers).get('retry-after');
  else if (headers && typeof headers === 'object')
    value = (headers as Record<string, unknown>)['retry-after'];
  const seconds = typeof value === 'string' ? Number(value) : NaN;
  return Number.isFinite(seconds) ? seconds * 1000 : null;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new Error('aborted'));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
