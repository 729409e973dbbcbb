/**
 * The transport rules every connector follows, in one place: requests go only to the
 * configured origins (pagination links and redirects included), each has a timeout, and
 * failures become one-line ApiErrors naming the endpoint. SDKs built on fetch take
 * `pinnedFetch` directly; others use `OriginPin` and `requestTimeoutMs` with their own knobs.
 */
import { ApiError } from './errors.js';

export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_ATTEMPTS = 5;
const MAX_REDIRECTS = 5;

/** The set of origins (scheme://host:port) a connector may send requests to. */
export class OriginPin {
  private readonly origins: Set<string>;

  constructor(
    readonly provider: string,
    origins: readonly (string | URL)[],
  ) {
    this.origins = new Set(origins.map((o) => new URL(String(o)).origin));
  }

  allows(url: string | URL): boolean {
    try {
      return this.origins.has(new URL(String(url)).origin);
    } catch {
      return false;
    }
  }

  /**
   * Returns the URL when it stays on a configured origin; otherwise an `off-origin` ApiError.
   * Use it on every URL a provider hands back (next links, Location, `@odata.nextLink`).
   */
  check(url: string | URL, operation: string, base?: string | URL): URL {
    let parsed: URL;
    try {
      parsed = new URL(String(url), base === undefined ? undefined : String(base));
    } catch {
      throw new ApiError({
        provider: this.provider,
        operation,
        kind: 'invalid-response',
        code: 'InvalidURL',
        detail: `the provider sent an unusable URL`,
      });
    }
    if (!this.origins.has(parsed.origin))
      throw new ApiError({
        provider: this.provider,
        operation,
        kind: 'off-origin',
        code: 'OffOrigin',
        detail: `refused to follow ${parsed.origin} (configured: ${[...this.origins].join(', ')})`,
      });
    return parsed;
  }

  get list(): string[] {
    return [...this.origins];
  }
}

/** Origin and path, never the query (it may hold a token) — how errors name an endpoint. */
export function endpointOf(url: string | URL): string {
  try {
    const u = new URL(String(url));
    return `${u.origin}${u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

export interface PinnedFetchInit {
  pin: OriginPin;
  timeoutMs: number;
  /** The scan's signal: Ctrl-C aborts every request at once. */
  signal: AbortSignal;
  /** Called once per HTTP request sent (redirect hops included): the scope's API call count. */
  onRequest?: () => void;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** The signal's reason when the scan itself was aborted (Ctrl-C), else null. */
function abortedBy(signal: AbortSignal): unknown {
  return signal.aborted ? (signal.reason ?? new Error('aborted')) : null;
}

/** Maps a fetch failure to one line naming the endpoint; the scan's own abort passes through. */
export function transportError(
  e: unknown,
  init: { provider: string; method: string; url: string | URL; timeoutMs: number },
  signal?: AbortSignal,
): unknown {
  const interrupted = signal && abortedBy(signal);
  if (interrupted) return interrupted;
  if (e instanceof ApiError) return e;
  const err = e as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  const operation = `${init.method} ${endpointOf(init.url)}`;
  if (err?.name === 'TimeoutError' || err?.cause?.code === 'UND_ERR_HEADERS_TIMEOUT')
    return new ApiError({
      provider: init.provider,
      operation,
      kind: 'timeout',
      code: 'Timeout',
      detail: `no answer within ${Math.round(init.timeoutMs / 100) / 10} s`,
    });
  const code = err?.cause?.code ?? err?.name ?? 'NetworkError';
  return new ApiError({
    provider: init.provider,
    operation,
    kind: 'network',
    code,
    detail: err?.cause?.message ?? err?.message ?? '',
  });
}

/**
 * AbortSignal.timeout(ms), held by its timer: on Node 20 a timeout signal that only
 * AbortSignal.any() refers to can be garbage-collected before it fires, and the request then
 * hangs for ever (seen in the fault suite's "hang" case). The unref'd timer's callback keeps
 * the controller alive without keeping the process alive.
 */
function timeoutSignal(ms: number): AbortSignal {
  const controller = new AbortController();
  setTimeout(
    () => controller.abort(new DOMException('The operation timed out.', 'TimeoutError')),
    ms,
  ).unref();
  return controller.signal;
}

/**
 * A `fetch` that refuses other origins (before sending, and on redirects), times every
 * request out and counts requests. Same-origin redirects are followed (at most 5).
 */
export function pinnedFetch(init: PinnedFetchInit): typeof fetch {
  const { pin, timeoutMs, signal } = init;
  return async (input: string | URL | Request, options: RequestInit = {}) => {
    let url = input instanceof Request ? input.url : String(input);
    let method = (
      options.method ?? (input instanceof Request ? input.method : 'GET')
    ).toUpperCase();
    let body = options.body;
    for (let hop = 0; ; hop += 1) {
      pin.check(url, `${method} ${endpointOf(url)}`);
      init.onRequest?.();
      // A fresh signal per request: fetch leaves its listener on the signal it is given, and
      // the timeout must cover reading the body as well as the headers.
      const requestSignal = AbortSignal.any([signal, timeoutSignal(timeoutMs)]);
      let res: Response;
      try {
        res = await fetch(input instanceof Request && hop === 0 ? input : url, {
          ...options,
          method,
          body,
          redirect: 'manual',
          signal: requestSignal,
        });
      } catch (e) {
        throw transportError(e, { provider: pin.provider, method, url, timeoutMs }, signal);
      }
      const location = res.headers.get('location');
      if (!REDIRECTS.has(res.status) || !location)
        return withTimedBody(res, requestSignal, signal, {
          provider: pin.provider,
          method,
          url,
          timeoutMs,
        });
      await res.body?.cancel();
      if (hop >= MAX_REDIRECTS)
        throw new ApiError({
          provider: pin.provider,
          operation: `${method} ${endpointOf(url)}`,
          kind: 'invalid-response',
          code: 'TooManyRedirects',
          detail: `more than ${MAX_REDIRECTS} redirects`,
        });
      url = pin.check(location, `${method} ${endpointOf(url)}`, url).toString();
      if (res.status === 303) {
        method = 'GET';
        body = undefined;
      }
    }
  };
}

/** A response whose body reads fail as one-line timeout/network ApiErrors, like the headers. */
function withTimedBody(
  res: Response,
  requestSignal: AbortSignal,
  scanSignal: AbortSignal,
  what: { provider: string; method: string; url: string; timeoutMs: number },
): Response {
  const wrap =
    <T>(read: () => Promise<T>) =>
    async (): Promise<T> => {
      try {
        return await read();
      } catch (e) {
        throw transportError(
          requestSignal.aborted ? (requestSignal.reason ?? e) : e,
          what,
          scanSignal,
        );
      }
    };
  const text = res.text.bind(res);
  const json = res.json.bind(res);
  const arrayBuffer = res.arrayBuffer.bind(res);
  return Object.assign(res, {
    text: wrap(text),
    json: wrap(json),
    arrayBuffer: wrap(arrayBuffer),
  });
}
