/**
 * The only file that talks to the provider (with a real provider, the only one importing its
 * SDK): credentials from the documented environment variable, the endpoint from options or
 * the environment, requests pinned to that origin with a timeout, retries on throttling and
 * 5xx, pagination, and every answer parsed as the document asked for.
 */
import type { z } from 'zod';
import {
  ApiError,
  OriginPin,
  UserError,
  kindOfStatus,
  parseJsonBody,
  parseOptions,
  parsePayload,
  pinnedFetch,
  retryAfterMs,
  withRetry,
  type ConnectorContext,
} from '../../src/connector/index.js';
import { options } from './options.js';
import {
  createdKeySchema,
  keyPageSchema,
  keySchema,
  meSchema,
  projectPageSchema,
  serviceAccountPageSchema,
  type RawKey,
  type RawProject,
  type RawServiceAccount,
} from './schema.js';

export const DEFAULT_BASE_URL = 'https://api.anthropic.example';
export const TOKEN_ENV = 'ANTHROPIC_API_TOKEN';

export interface AnthropicSettings {
  baseUrl: string;
  token: string;
  projects: string[] | null;
  concurrency: number;
  timeoutMs: number;
  maxAttempts: number;
}

/** Options and environment -> settings; missing credentials are a UserError. */
export function resolveSettings(ctx: Pick<ConnectorContext, 'options' | 'env'>): AnthropicSettings {
  const o = parseOptions(options, ctx.options);
  const token = ctx.env[TOKEN_ENV];
  if (!token) throw new UserError(`anthropic: no credentials (set ${TOKEN_ENV})`);
  return {
    baseUrl: (o.baseUrl ?? ctx.env.ANTHROPIC_BASE_URL ?? DEFAULT_BASE_URL).replace(/\/+$/, ''),
    token,
    projects: o.projects ?? null,
    concurrency: o.concurrency,
    timeoutMs: o.timeoutMs,
    maxAttempts: o.maxAttempts,
  };
}

export class AnthropicClient {
  /** HTTP requests sent, retries included: the scope's apiCalls. */
  calls = 0;
  private readonly fetch: typeof fetch;

  constructor(
    private readonly settings: AnthropicSettings,
    private readonly ctx: Pick<ConnectorContext, 'signal' | 'log'>,
  ) {
    this.fetch = pinnedFetch({
      pin: new OriginPin('anthropic', [settings.baseUrl]),
      timeoutMs: settings.timeoutMs,
      signal: ctx.signal,
      onRequest: () => (this.calls += 1),
    });
  }

  /** One request, retried on throttling/5xx/timeouts; answers parsed with `schema`. */
  private async request<S extends z.ZodType>(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    schema: S,
    /** false for a create: a retried 5xx might make a second key. */
    idempotent = true,
  ): Promise<z.infer<S>> {
    const operation = `${method} ${path.split('?')[0]}`;
    const source = { provider: 'anthropic', operation };
    return withRetry(
      async () => {
        const res = await this.fetch(`${this.settings.baseUrl}${path}`, {
          method,
          headers: { authorization: `Bearer ${this.settings.token}`, accept: 'application/json' },
        });
        const text = await res.text();
        if (!res.ok) {
          const message = (() => {
            try {
              return String((JSON.parse(text) as { message?: unknown }).message ?? '');
            } catch {
              return '';
            }
          })();
          throw new ApiError({
            ...source,
            kind: kindOfStatus(res.status),
            status: res.status,
            detail: message || `HTTP ${res.status}`,
            retryAfterMs: retryAfterMs(res.headers.get('retry-after')),
          });
        }
        return parsePayload(schema, text ? parseJsonBody(text, source) : {}, source);
      },
      {
        maxAttempts: idempotent ? this.settings.maxAttempts : 1,
        signal: this.ctx.signal,
        onRetry: (e, n) => this.ctx.log.debug(`retry #${n} after ${e.message}`),
      },
    );
  }

  /** Every page of a list, following next_page_token (a repeated token ends the listing). */
  private async all<S extends z.ZodType, T>(
    path: string,
    schema: S,
    pick: (page: z.infer<S>) => { items: T[]; next: string | null | undefined },
  ): Promise<T[]> {
    const items: T[] = [];
    const seen = new Set<string>();
    let token: string | null | undefined = null;
    do {
      const sep = path.includes('?') ? '&' : '?';
      const page = pick(
        await this.request(
          'GET',
          `${path}${token ? `${sep}page_token=${encodeURIComponent(token)}` : ''}`,
          schema,
        ),
      );
      items.push(...page.items);
      token = page.next;
      if (token && seen.has(token))
        throw new ApiError({
          provider: 'anthropic',
          operation: `GET ${path}`,
          kind: 'invalid-response',
          detail: 'the same page token came back twice',
        });
      if (token) seen.add(token);
    } while (token);
    return items;
  }

  whoAmI() {
    return this.request('GET', '/v1/me', meSchema);
  }

  listProjects(): Promise<RawProject[]> {
    return this.all('/v1/projects', projectPageSchema, (p) => ({
      items: p.projects,
      next: p.next_page_token,
    }));
  }

  listServiceAccounts(project: string): Promise<RawServiceAccount[]> {
    return this.all(
      `/v1/projects/${encodeURIComponent(project)}/service-accounts`,
      serviceAccountPageSchema,
      (p) => ({ items: p.service_accounts, next: p.next_page_token }),
    );
  }

  listKeys(project: string, serviceAccount: string): Promise<RawKey[]> {
    return this.all(keysPath(project, serviceAccount), keyPageSchema, (p) => ({
      items: p.keys,
      next: p.next_page_token,
    }));
  }

  getKey(project: string, serviceAccount: string, key: string): Promise<RawKey> {
    return this.request(
      'GET',
      `${keysPath(project, serviceAccount)}/${encodeURIComponent(key)}`,
      keySchema,
    );
  }

  setKeyStatus(project: string, serviceAccount: string, key: string, action: 'disable' | 'enable') {
    return this.request(
      'POST',
      `${keysPath(project, serviceAccount)}/${encodeURIComponent(key)}:${action}`,
      keySchema,
    );
  }

  async deleteKey(project: string, serviceAccount: string, key: string): Promise<void> {
    await this.request(
      'DELETE',
      `${keysPath(project, serviceAccount)}/${encodeURIComponent(key)}`,
      keySchema.partial(),
    );
  }

  /** The answer is the only place the new key's value exists: the caller must not keep it. */
  createKey(project: string, serviceAccount: string) {
    return this.request('POST', keysPath(project, serviceAccount), createdKeySchema, false);
  }
}

function keysPath(project: string, serviceAccount: string): string {
  return `/v1/projects/${encodeURIComponent(project)}/service-accounts/${encodeURIComponent(serviceAccount)}/keys`;
}
