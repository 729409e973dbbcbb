/**
 * How every GCP request travels and how its failures read: the kit's pinnedFetch (configured
 * origins only, a timeout each) counted against the scan's request budget, Google's fixed
 * token URL sent to the configured oauth2 root, and any failed call as the kit's ApiError.
 * No SDK import: client.ts hands this transport to gaxios.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LimitFunction } from 'p-limit';
import {
  ApiError,
  errorMessage,
  kindOfStatus,
  pinnedFetch,
  retryAfterMs,
  type OriginPin,
} from '../../src/connector/index.js';
import { DEFAULT_ROOT_URLS, PROVIDER, type GcpOptions } from './options.js';

/**
 * Origins named by the Application Default Credentials file (workload identity federation's
 * STS and impersonation URLs, a credential source URL): the user's own configuration, so
 * requests to them are allowed alongside the root URLs.
 */
export function credentialFileOrigins(env: Readonly<Record<string, string | undefined>>): string[] {
  const file =
    env.GOOGLE_APPLICATION_CREDENTIALS ||
    (env.CLOUDSDK_CONFIG && join(env.CLOUDSDK_CONFIG, 'application_default_credentials.json')) ||
    (env.HOME && join(env.HOME, '.config', 'gcloud', 'application_default_credentials.json'));
  if (!file) return [];
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    return []; // unreadable: google-auth-library reports it when it loads the file
  }
  const source = (doc.credential_source ?? {}) as Record<string, unknown>;
  return [
    doc.token_url,
    doc.token_info_url,
    doc.service_account_impersonation_url,
    source.url,
    source.region_url,
    source.imdsv2_session_token_url,
  ].flatMap((u) => {
    try {
      return typeof u === 'string' ? [new URL(u).origin] : [];
    } catch {
      return [];
    }
  });
}

/**
 * google-auth-library sends token requests to Google's fixed token URL; with another oauth2
 * root configured (a stand-in, a private endpoint), they go there instead. The pin then
 * refuses Google's own host like any other.
 */
function rerouteTokenEndpoint(next: typeof fetch, oauth2Root: string): typeof fetch {
  const google = DEFAULT_ROOT_URLS.oauth2;
  const configured = oauth2Root.replace(/\/*$/, '/');
  if (configured === google) return next;
  return (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    return next(url.startsWith(google) ? configured + url.slice(google.length) : input, init);
  };
}

/**
 * The fetch every request takes: pinned, timed, token endpoint rerouted, and counted against
 * the scan's budget from the moment it is sent until its answer arrives. The SDK's own work
 * before and after happens outside the budget, so the budget's slots stay on the wire.
 */
export function transport(
  settings: Pick<GcpOptions, 'timeoutMs' | 'rootUrls'>,
  pin: OriginPin,
  signal: AbortSignal,
  limit: LimitFunction | null,
  onRequest: () => void,
): typeof fetch {
  const pinned = pinnedFetch({ pin, timeoutMs: settings.timeoutMs, signal, onRequest });
  const budgeted: typeof fetch = limit ? (input, init) => limit(() => pinned(input, init)) : pinned;
  return rerouteTokenEndpoint(budgeted, settings.rootUrls.oauth2);
}

/* ----- errors ----- */

interface ErrorLike {
  message?: unknown;
  code?: unknown;
  cause?: unknown;
  response?: { status?: unknown; data?: unknown; headers?: unknown };
}

function header(headers: unknown, name: string): string | null {
  if (headers && typeof (headers as Headers).get === 'function')
    return (headers as Headers).get(name);
  const v = (headers as Record<string, unknown> | undefined)?.[name];
  return typeof v === 'string' ? v : null;
}

/**
 * A failed Google call as the kit's ApiError: the google.rpc status (or OAuth error) as code,
 * the provider's message as detail; the request (whose headers hold the bearer token) never.
 * Transport failures arrive as ApiErrors from pinnedFetch, inside gaxios' error. A failure
 * with no HTTP answer at all (credentials that cannot be loaded, a bug) is `authKind`'s when
 * given — the token check — and passes through unchanged otherwise.
 */
export function toApiError(operation: string, e: unknown, authKind?: 'auth'): unknown {
  if (e instanceof ApiError) return e;
  const err = (typeof e === 'object' && e !== null ? e : {}) as ErrorLike;
  if (err.cause instanceof ApiError) return err.cause;
  const status = typeof err.response?.status === 'number' ? err.response.status : null;
  if (status === null) {
    if (!authKind) return e;
    return new ApiError({
      provider: PROVIDER,
      operation,
      kind: authKind,
      code: typeof err.code === 'string' ? err.code : 'Credentials',
      detail: errorMessage(e).split(/\. |\n/)[0] ?? '',
    });
  }
  let body = err.response?.data;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      body = null;
    }
  }
  const doc = (body ?? {}) as { error?: unknown; error_description?: unknown };
  const rpc = (typeof doc.error === 'object' && doc.error ? doc.error : {}) as {
    status?: unknown;
    message?: unknown;
  };
  // google.rpc errors: {error:{code,message,status}}; OAuth errors: {error, error_description}.
  const code =
    (typeof rpc.status === 'string' && rpc.status) ||
    (typeof doc.error === 'string' && doc.error) ||
    String(status);
  const detail =
    (typeof rpc.message === 'string' && rpc.message) ||
    (typeof doc.error_description === 'string' && doc.error_description) ||
    `HTTP ${status}`;
  return new ApiError({
    provider: PROVIDER,
    operation,
    kind: kindOfStatus(status),
    status,
    code,
    detail,
    retryAfterMs: retryAfterMs(header(err.response?.headers, 'retry-after')),
  });
}
