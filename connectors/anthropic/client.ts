/**
 * The only file importing the Anthropic SDK: each organization's Admin API key from its
 * environment variable, the API root the SDK's way (`ANTHROPIC_BASE_URL`) or from options,
 * every request pinned to that origin with a timeout (the kit's pinnedFetch under the SDK),
 * the SDK's own retries and paginators, and every page validated before it is trusted. The
 * Messages usage report is not in the SDK: it goes through the same pinned fetch with the
 * kit's retry policy.
 */
import Anthropic from '@anthropic-ai/sdk';
import type { z } from 'zod';
import {
  ApiError,
  OriginPin,
  UserError,
  fromSdkError,
  httpApiError,
  pageThrough,
  parseJsonBody,
  parseOptions,
  parsePayload,
  pinnedFetch,
  rememberingFetch,
  withRetry,
  type ConnectorContext,
  type SdkPage,
} from '../../src/connector/index.js';
import { PROVIDER, options } from './options.js';
import {
  apiKeySchema,
  cursorPageOf,
  organizationSchema,
  pageOf,
  serviceAccountSchema,
  usageReportSchema,
  userSchema,
  workspaceSchema,
  type RawApiKey,
  type RawOrganization,
  type RawServiceAccount,
  type RawUser,
  type RawWorkspace,
  type UsageReport,
} from './schema.js';

export const DEFAULT_BASE_URL = 'https://api.anthropic.com';
export const ADMIN_KEY_ENV = 'ANTHROPIC_ADMIN_KEY';
export const BASE_URL_ENV = 'ANTHROPIC_BASE_URL';
/** The API version the usage report is asked for with (the SDK sends its own on its calls). */
const API_VERSION = '2023-06-01';

export interface OrganizationTarget {
  keyEnv: string;
  adminKey: string;
  name: string | null;
}

export interface AnthropicSettings {
  baseUrl: string;
  organizations: OrganizationTarget[];
  usageWindowDays: number;
  pageSize: number;
  timeoutMs: number;
  maxAttempts: number;
}

/** Options and environment -> settings; a missing admin key is a UserError before any request. */
export function resolveSettings(ctx: Pick<ConnectorContext, 'options' | 'env'>): AnthropicSettings {
  const o = parseOptions(options, ctx.options);
  const orgs = o.organizations ?? [{ keyEnv: ADMIN_KEY_ENV }];
  return {
    baseUrl: (o.baseUrl ?? ctx.env[BASE_URL_ENV] ?? DEFAULT_BASE_URL).replace(/\/+$/, ''),
    organizations: orgs.map((org) => {
      const adminKey = ctx.env[org.keyEnv];
      if (!adminKey)
        throw new UserError(
          `anthropic: no Admin API key for ${org.name ?? 'the organization'} (set ${org.keyEnv}; an sk-ant-admin key from the Console, never a flag)`,
        );
      return { keyEnv: org.keyEnv, adminKey, name: org.name ?? null };
    }),
    usageWindowDays: o.usageWindowDays,
    pageSize: o.pageSize,
    timeoutMs: o.timeoutMs,
    maxAttempts: o.maxAttempts,
  };
}

/** The SDK keeps each page's raw document on `body`; its paginator reads a page without `data` as empty. */
const bodyOf = (page: SdkPage): unknown => (page as unknown as { body: unknown }).body;

/** `{ type: 'error', error: { type, message } }`: the provider's code and message. */
function errorBody(doc: unknown): { code: string | null; message: string | null } {
  const error = (doc as { error?: { type?: unknown; message?: unknown } } | undefined)?.error;
  return {
    code: typeof error?.type === 'string' ? error.type : null,
    message: typeof error?.message === 'string' ? error.message : null,
  };
}

export class AnthropicClient {
  /** HTTP requests sent, retries included: the scope's apiCalls. */
  calls = 0;
  private readonly sdk: Anthropic;
  /** The kit's own error for the last failed request: the SDK rewraps it without the endpoint. */
  private readonly transport: ReturnType<typeof rememberingFetch>;

  constructor(
    private readonly settings: AnthropicSettings,
    private readonly org: OrganizationTarget,
    private readonly ctx: Pick<ConnectorContext, 'signal' | 'log'>,
  ) {
    const pinned = pinnedFetch({
      pin: new OriginPin(PROVIDER, [settings.baseUrl]),
      timeoutMs: settings.timeoutMs,
      signal: ctx.signal,
      onRequest: () => (this.calls += 1),
    });
    this.transport = rememberingFetch(pinned);
    // Everything explicit, so the SDK reads no credential or endpoint from the real environment.
    this.sdk = new Anthropic({
      apiKey: org.adminKey,
      authToken: null,
      webhookKey: null,
      baseURL: settings.baseUrl,
      timeout: settings.timeoutMs + 5_000,
      maxRetries: settings.maxAttempts - 1,
      fetch: this.transport.fetch,
      logLevel: 'off',
    });
  }

  private async call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    this.transport.takeError();
    try {
      return await fn();
    } catch (e) {
      throw this.toApiError(e, operation);
    }
  }

  private toApiError(e: unknown, operation: string): unknown {
    return fromSdkError(e, {
      provider: PROVIDER,
      operation,
      signal: this.ctx.signal,
      transportError: () => this.transport.takeError(),
      isConnectionError: (x) => x instanceof Anthropic.APIConnectionError,
      httpError: (x) =>
        x instanceof Anthropic.APIError && typeof x.status === 'number'
          ? { status: x.status, ...errorBody(x.error), headers: x.headers ?? null }
          : null,
    });
  }

  private parse<S extends z.ZodType>(schema: S, doc: unknown, operation: string): z.infer<S> {
    return parsePayload(schema, doc, { provider: PROVIDER, operation });
  }

  /** Every page of a listing through the SDK's paginator, each page validated first. */
  private all<S extends z.ZodType, T>(
    operation: string,
    page: S,
    items: (page: z.infer<S>) => T[],
    first: () => Promise<SdkPage>,
  ): Promise<T[]> {
    return pageThrough({
      provider: PROVIDER,
      operation,
      page,
      items,
      bodyOf,
      first,
      call: (fn) => this.call(operation, fn),
    });
  }

  private get limit() {
    return { limit: this.settings.pageSize };
  }

  async organization(): Promise<RawOrganization> {
    const op = 'GET /v1/organizations/me';
    return this.parse(
      organizationSchema,
      await this.call(op, () => this.sdk.organization.retrieve()),
      op,
    );
  }

  listApiKeys(): Promise<RawApiKey[]> {
    return this.all(
      'GET /v1/organizations/api_keys',
      pageOf(apiKeySchema),
      (p) => p.data,
      () => this.sdk.organization.apiKeys.list(this.limit),
    );
  }

  listWorkspaces(): Promise<RawWorkspace[]> {
    return this.all(
      'GET /v1/organizations/workspaces',
      pageOf(workspaceSchema),
      (p) => p.data,
      () =>
        this.sdk.organization.workspaces.list({
          ...this.limit,
          include_archived: true,
          include_default: true,
        }),
    );
  }

  listUsers(): Promise<RawUser[]> {
    return this.all(
      'GET /v1/organizations/users',
      pageOf(userSchema),
      (p) => p.data,
      () => this.sdk.organization.users.list(this.limit),
    );
  }

  listServiceAccounts(): Promise<RawServiceAccount[]> {
    return this.all(
      'GET /v1/organizations/service_accounts',
      cursorPageOf(serviceAccountSchema),
      (p) => p.data,
      () => this.sdk.organization.serviceAccounts.list({ ...this.limit, include_archived: true }),
    );
  }

  async getApiKey(id: string): Promise<RawApiKey> {
    const op = 'GET /v1/organizations/api_keys/{id}';
    return this.parse(
      apiKeySchema,
      await this.call(op, () => this.sdk.organization.apiKeys.retrieve(id)),
      op,
    );
  }

  /** inactive (reversible), active again, or archived (final: an archived key never works again). */
  async setApiKeyStatus(
    id: string,
    status: 'active' | 'inactive' | 'archived',
  ): Promise<RawApiKey> {
    const op = 'POST /v1/organizations/api_keys/{id}';
    const doc = await this.call(op, () => this.sdk.organization.apiKeys.update(id, { status }));
    return this.parse(apiKeySchema, doc, op);
  }

  /**
   * The Messages usage report grouped by API key, daily buckets from `start` to `end`, every
   * page (`page`/`next_page`). Not covered by the SDK: the kit's pinned fetch and retries.
   */
  async usageByKey(start: Date, end: Date): Promise<UsageReport['data']> {
    const operation = 'GET /v1/organizations/usage_report/messages';
    const source = { provider: PROVIDER, operation };
    const buckets: UsageReport['data'] = [];
    const seen = new Set<string>();
    let page: string | null = null;
    do {
      const q = new URLSearchParams({
        starting_at: start.toISOString(),
        ending_at: end.toISOString(),
        bucket_width: '1d',
        limit: '31',
      });
      q.append('group_by[]', 'api_key_id');
      if (page) q.set('page', page);
      const url = `${this.settings.baseUrl}/v1/organizations/usage_report/messages?${q}`;
      const doc = await withRetry(
        async () => {
          const res = await this.transport.fetch(url, {
            headers: {
              'x-api-key': this.org.adminKey,
              'anthropic-version': API_VERSION,
              accept: 'application/json',
            },
          });
          const text = await res.text();
          if (!res.ok) {
            const body = (() => {
              try {
                return JSON.parse(text) as unknown;
              } catch {
                return undefined;
              }
            })();
            throw httpApiError({
              ...source,
              status: res.status,
              ...errorBody(body),
              headers: res.headers,
            });
          }
          return this.parse(usageReportSchema, parseJsonBody(text, source), operation);
        },
        {
          maxAttempts: this.settings.maxAttempts,
          signal: this.ctx.signal,
          onRetry: (e, n) => this.ctx.log.debug(`retry #${n} after ${e.message}`),
        },
      );
      buckets.push(...doc.data);
      page = doc.has_more ? doc.next_page : null;
      if (page && seen.has(page))
        throw new ApiError({
          ...source,
          kind: 'invalid-response',
          code: 'InvalidResponse',
          detail: 'the same page token came back twice',
        });
      if (page) seen.add(page);
    } while (page);
    return buckets;
  }
}
