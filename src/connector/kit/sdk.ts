/**
 * Helpers for connectors whose SDK owns the HTTP loop (it retries, pages and parses itself):
 * keep the kit's one-line transport errors the SDK would rewrap without the endpoint, turn an
 * SDK's HTTP error into the kit's ApiError, and page through an SDK paginator while validating
 * each raw page (a paginator reads a page without its item array as an empty page).
 */
import type { z } from 'zod';
import { ApiError, kindOfStatus } from './errors.js';
import { parsePayload } from './payload.js';
import { retryAfterMs } from './retry.js';

/**
 * Wraps a fetch (usually the kit's pinnedFetch) so the last error it threw can be recovered
 * after the SDK has turned it into its own "connection error".
 */
export function rememberingFetch(inner: typeof fetch): {
  fetch: typeof fetch;
  /** The last transport error since the previous call, then forgets it. */
  takeError(): unknown;
} {
  let last: unknown = null;
  return {
    fetch: async (input, init) => {
      try {
        return await inner(input, init);
      } catch (e) {
        last = e;
        throw e;
      }
    },
    takeError() {
      const e = last;
      last = null;
      return e;
    },
  };
}

/** An HTTP error answer (status, headers, the provider's code and message) as the kit's ApiError. */
export function httpApiError(init: {
  provider: string;
  operation: string;
  status: number;
  code?: string | null;
  message?: string | null;
  headers?: { get(name: string): string | null } | null;
}): ApiError {
  return new ApiError({
    provider: init.provider,
    operation: init.operation,
    kind: kindOfStatus(init.status),
    status: init.status,
    code: init.code ?? String(init.status),
    detail: init.message || `HTTP ${init.status}`,
    retryAfterMs: retryAfterMs(init.headers?.get('retry-after')),
  });
}

export interface SdkErrorInit {
  provider: string;
  operation: string;
  /** The scan's signal: after Ctrl-C the abort reason passes through unchanged. */
  signal: AbortSignal;
  /** The kit's transport error behind an SDK "connection error" (see rememberingFetch). */
  transportError(): unknown;
  isConnectionError(e: unknown): boolean;
  /** The HTTP answer behind an SDK error, or null when it is not one. */
  httpError(e: unknown): {
    status: number;
    code: string | null;
    message: string | null;
    headers: Headers | null;
  } | null;
}

/**
 * Whatever an SDK call threw, as the kit's error: the kit's own errors as they are, a
 * connection error as the transport error behind it, an HTTP error by its status, a body that
 * is not JSON as an invalid response. Anything else (a bug) passes through.
 */
export function fromSdkError(e: unknown, init: SdkErrorInit): unknown {
  const { provider, operation } = init;
  if (init.signal.aborted) return init.signal.reason ?? e;
  if (e instanceof ApiError) return e;
  if (init.isConnectionError(e))
    return (
      init.transportError() ??
      new ApiError({ provider, operation, kind: 'network', detail: (e as Error).message })
    );
  const http = init.httpError(e);
  if (http) return httpApiError({ provider, operation, ...http });
  if (e instanceof SyntaxError)
    return new ApiError({
      provider,
      operation,
      kind: 'invalid-response',
      code: 'InvalidResponse',
      detail: `response is not JSON (${e.message})`,
    });
  return e;
}

/** What an SDK page offers: the paginator, and the raw document it was built from. */
export interface SdkPage {
  hasNextPage(): boolean;
  getNextPage(): Promise<SdkPage>;
}

export interface PageThroughInit<S extends z.ZodType, T> {
  provider: string;
  operation: string;
  /** The schema of one whole page document. */
  page: S;
  items(page: z.infer<S>): T[];
  /** The raw document a page was built from (e.g. a Stainless SDK page's `body`). */
  bodyOf(page: SdkPage): unknown;
  first(): Promise<SdkPage>;
  /** Runs each SDK call, mapping its errors (default: as is). */
  call?<R>(fn: () => Promise<R>): Promise<R>;
  /** The page's cursor: a cursor that comes back twice would page forever. */
  cursor?(page: z.infer<S>): string | null | undefined;
  /** A listing longer than this many pages is taken for a cursor that never ends. */
  maxPages?: number;
}

/** Every item of an SDK listing, each page validated before the paginator is trusted with it. */
export async function pageThrough<S extends z.ZodType, T>(
  init: PageThroughInit<S, T>,
): Promise<T[]> {
  const call = init.call ?? (<R>(fn: () => Promise<R>) => fn());
  const source = { provider: init.provider, operation: init.operation };
  const max = init.maxPages ?? 10_000;
  const out: T[] = [];
  const cursors = new Set<string>();
  const broken = (detail: string) =>
    new ApiError({ ...source, kind: 'invalid-response', code: 'InvalidResponse', detail });
  let page = await call(init.first);
  for (let n = 1; ; n += 1) {
    const doc = parsePayload(init.page, init.bodyOf(page), source);
    out.push(...init.items(doc));
    if (!page.hasNextPage()) return out;
    if (n >= max) throw broken(`pagination did not end after ${max} pages`);
    const cursor = init.cursor?.(doc);
    if (cursor) {
      if (cursors.has(cursor)) throw broken(`the same page cursor came back twice (${cursor})`);
      cursors.add(cursor);
    }
    const current = page;
    page = await call(() => current.getNextPage());
  }
}
