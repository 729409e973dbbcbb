/**
 * The only file importing the OpenAI SDK: each organization's admin key from its environment
 * variable, the API root the SDK's way (`OPENAI_BASE_URL`) or from options, every request
 * pinned to that origin with a timeout (the kit's pinnedFetch under the SDK), the SDK's own
 * retries (429/5xx, Retry-After) and its cursor paginators, and every page validated as the
 * document asked for (the SDK's paginator would read a page without `data` as empty).
 */
import OpenAI from 'openai';
import type { z } from 'zod';
import {
  OriginPin,
  UserError,
  fromSdkError,
  pageThrough,
  parseOptions,
  parsePayload,
  pinnedFetch,
  rememberingFetch,
  type ConnectorContext,
  type SdkPage,
} from '../../src/connector/index.js';
import { PROVIDER, options, type OrganizationOption } from './options.js';
import {
  adminKeySchema,
  createdAdminKeySchema,
  createdServiceAccountKeySchema,
  deletedSchema,
  pageOf,
  projectKeySchema,
  projectSchema,
  serviceAccountSchema,
  userSchema,
  type RawAdminKey,
  type RawProject,
  type RawProjectKey,
  type RawServiceAccount,
  type RawUser,
} from './schema.js';

export const DEFAULT_BASE_URL = 'https://api.openai.com/v1';
export const ADMIN_KEY_ENV = 'OPENAI_ADMIN_KEY';
export const BASE_URL_ENV = 'OPENAI_BASE_URL';
export const ORG_ID_ENV = 'OPENAI_ORG_ID';

/** One organization to scan: its admin key (memory only) and how to name it. */
export interface OrganizationTarget {
  keyEnv: string;
  adminKey: string;
  /** Configured or $OPENAI_ORG_ID; else the `openai-organization` header of the first answer. */
  id: string | null;
  name: string | null;
}

export interface OpenaiSettings {
  baseUrl: string;
  organizations: OrganizationTarget[];
  pageSize: number;
  concurrency: number;
  timeoutMs: number;
  maxAttempts: number;
}

function target(o: OrganizationOption, env: ConnectorContext['env'], only: boolean) {
  const adminKey = env[o.keyEnv];
  if (!adminKey)
    throw new UserError(
      `openai: no admin key for ${o.id ?? o.name ?? 'the organization'} (set ${o.keyEnv}; an admin key from the dashboard's Admin keys page, never a flag)`,
    );
  // $OPENAI_ORG_ID names the organization only when there is exactly one.
  const id = o.id ?? (only ? (env[ORG_ID_ENV] ?? null) : null);
  return { keyEnv: o.keyEnv, adminKey, id, name: o.name ?? null };
}

/** Options and environment -> settings; a missing admin key is a UserError before any request. */
export function resolveSettings(ctx: Pick<ConnectorContext, 'options' | 'env'>): OpenaiSettings {
  const o = parseOptions(options, ctx.options);
  const orgs = o.organizations ?? [{ keyEnv: ADMIN_KEY_ENV }];
  const envs = orgs.map((x) => x.keyEnv);
  const dup = envs.find((e, i) => envs.indexOf(e) !== i);
  if (dup)
    throw new UserError(
      `openai option 'organizations': two organizations read the same key variable ${dup} (give each its own keyEnv)`,
    );
  return {
    baseUrl: (o.baseUrl ?? ctx.env[BASE_URL_ENV] ?? DEFAULT_BASE_URL).replace(/\/+$/, ''),
    organizations: orgs.map((x) => target(x, ctx.env, orgs.length === 1)),
    pageSize: o.pageSize,
    concurrency: o.concurrency,
    timeoutMs: o.timeoutMs,
    maxAttempts: o.maxAttempts,
  };
}

/** The SDK keeps each page's raw document on `body`: validated before its paginator is trusted. */
const bodyOf = (page: SdkPage): unknown => (page as unknown as { body: unknown }).body;

export class OpenaiClient {
  /** HTTP requests sent, retries included: the scope's apiCalls. */
  calls = 0;
  /** The `openai-organization` header of the latest answer. */
  organizationHeader: string | null = null;
  private readonly sdk: OpenAI;
  /** The kit's own error for the last failed request: the SDK rewraps it without the endpoint. */
  private readonly transport: ReturnType<typeof rememberingFetch>;

  constructor(
    private readonly settings: OpenaiSettings,
    org: OrganizationTarget,
    private readonly ctx: Pick<ConnectorContext, 'signal' | 'log'>,
  ) {
    const pinned = pinnedFetch({
      pin: new OriginPin(PROVIDER, [settings.baseUrl]),
      timeoutMs: settings.timeoutMs,
      signal: ctx.signal,
      onRequest: () => (this.calls += 1),
    });
    this.transport = rememberingFetch(async (input, init) => {
      const res = await pinned(input, init);
      this.organizationHeader = res.headers.get('openai-organization') ?? this.organizationHeader;
      return res;
    });
    // Everything explicit: the SDK would otherwise read OPENAI_API_KEY, OPENAI_ORG_ID… from the
    // real process environment, which a demo or a second organization must never see.
    this.sdk = new OpenAI({
      apiKey: null,
      adminAPIKey: org.adminKey,
      organization: null,
      project: null,
      webhookSecret: null,
      baseURL: settings.baseUrl,
      // The kit's timeout governs each request; the SDK's is only a backstop.
      timeout: settings.timeoutMs + 5_000,
      maxRetries: settings.maxAttempts - 1,
      fetch: this.transport.fetch,
      logLevel: 'off',
    });
  }

  /** Runs one SDK call; its failure becomes the kit's ApiError naming the operation. */
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
      isConnectionError: (x) => x instanceof OpenAI.APIConnectionError,
      httpError: (x) => {
        if (!(x instanceof OpenAI.APIError) || typeof x.status !== 'number') return null;
        const { message } = (x.error ?? {}) as { message?: unknown };
        return {
          status: x.status,
          code: x.code ?? x.type ?? null,
          message: typeof message === 'string' ? message : null,
          headers: x.headers ?? null,
        };
      },
    });
  }

  private one<S extends z.ZodType>(schema: S, doc: unknown, operation: string): z.infer<S> {
    return parsePayload(schema, doc, { provider: PROVIDER, operation });
  }

  /** Every page of a cursor list (after/limit/has_more), each validated before it is trusted. */
  private all<S extends z.ZodType>(
    operation: string,
    item: S,
    first: () => Promise<SdkPage>,
  ): Promise<z.infer<S>[]> {
    return pageThrough({
      provider: PROVIDER,
      operation,
      page: pageOf(item),
      items: (p) => p.data as z.infer<S>[],
      cursor: (p) => p.last_id,
      bodyOf,
      first,
      call: (fn) => this.call(operation, fn),
    });
  }

  private get org() {
    return this.sdk.admin.organization;
  }

  private get limit() {
    return { limit: this.settings.pageSize };
  }

  listProjects(): Promise<RawProject[]> {
    return this.all('GET /organization/projects', projectSchema, () =>
      this.org.projects.list({ ...this.limit, include_archived: true }),
    );
  }

  listUsers(): Promise<RawUser[]> {
    return this.all('GET /organization/users', userSchema, () => this.org.users.list(this.limit));
  }

  listAdminKeys(): Promise<RawAdminKey[]> {
    return this.all('GET /organization/admin_api_keys', adminKeySchema, () =>
      this.org.adminAPIKeys.list(this.limit),
    );
  }

  /** Every enabled key of the project, whether or not its owner still has access to it. */
  listProjectKeys(project: string): Promise<RawProjectKey[]> {
    return this.all('GET /organization/projects/{project}/api_keys', projectKeySchema, () =>
      this.org.projects.apiKeys.list(project, { ...this.limit, owner_project_access: 'any' }),
    );
  }

  listServiceAccounts(project: string): Promise<RawServiceAccount[]> {
    return this.all(
      'GET /organization/projects/{project}/service_accounts',
      serviceAccountSchema,
      () => this.org.projects.serviceAccounts.list(project, this.limit),
    );
  }

  async getProjectKey(project: string, key: string): Promise<RawProjectKey> {
    const op = 'GET /organization/projects/{project}/api_keys/{key}';
    const doc = await this.call(op, () =>
      this.org.projects.apiKeys.retrieve(key, { project_id: project }),
    );
    return this.one(projectKeySchema, doc, op);
  }

  async getAdminKey(key: string): Promise<RawAdminKey> {
    const op = 'GET /organization/admin_api_keys/{key}';
    return this.one(
      adminKeySchema,
      await this.call(op, () => this.org.adminAPIKeys.retrieve(key)),
      op,
    );
  }

  /** Deletes a project key, a service account's included (it leaves the account and its other keys). */
  async deleteProjectKey(project: string, key: string): Promise<void> {
    const op = 'DELETE /organization/projects/{project}/api_keys/{key}';
    const doc = await this.call(op, () =>
      this.org.projects.apiKeys.delete(key, { project_id: project }),
    );
    this.one(deletedSchema, doc, op);
  }

  async deleteAdminKey(key: string): Promise<void> {
    const op = 'DELETE /organization/admin_api_keys/{key}';
    this.one(deletedSchema, await this.call(op, () => this.org.adminAPIKeys.delete(key)), op);
  }

  /** The answer is the only place the new key exists: the caller must not keep it. No retries: a retried create could make two. */
  async createAdminKey(name: string) {
    const op = 'POST /organization/admin_api_keys';
    const doc = await this.call(op, () =>
      this.org.adminAPIKeys.create({ name }, { maxRetries: 0 }),
    );
    return this.one(createdAdminKeySchema, doc, op);
  }

  async createServiceAccountKey(project: string, serviceAccount: string, name: string) {
    const op = 'POST /organization/projects/{project}/service_accounts/{sa}/api_keys';
    const doc = await this.call(op, () =>
      this.org.projects.serviceAccounts.apiKeys.create(
        serviceAccount,
        { project_id: project, name },
        { maxRetries: 0 },
      ),
    );
    return this.one(createdServiceAccountKeySchema, doc, op);
  }
}
