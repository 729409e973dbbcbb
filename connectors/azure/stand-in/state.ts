/** What the stand-in's services share: the live estate, issued tokens, errors, paging. */
import { randomUUID } from 'node:crypto';
import type { StandInRequest, StandInResponse } from '../../../src/connector/stand-in.js';
import type { AzureEstate } from './estate.js';

export interface StoredSecretVersion {
  version: string;
  value: string;
  contentType: string | null;
  tags: Record<string, string>;
  enabled: boolean;
  created: number;
}

export interface StandInState {
  /** Live estate: addPassword/removePassword mutate it. */
  estate: AzureEstate;
  clock: () => Date;
  /** Largest page served whatever $top asks (Graph: 999); tests shrink it to force paging. */
  maxPageSize: number;
  /** Access tokens the token endpoint issued (only these open Graph, ARM and Key Vault). */
  tokens: Set<string>;
  /** Secrets minted by addPassword, so a rotated secret can really sign in. keyId -> secret. */
  minted: Map<string, string>;
  /** Key Vault contents: vault -> secret -> versions. */
  vaults: Map<string, Map<string, StoredSecretVersion[]>>;
  /** The main server's origin (the authority a Key Vault challenge names). */
  origin: () => string;
}

export type Api = 'authority' | 'graph' | 'arm' | 'keyvault';

/** An error answer in the calling API's own error document (see `errorBody`). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function apiOf(path: string): Api {
  if (path.startsWith('/v1.0/') || path.startsWith('/beta/')) return 'graph';
  if (path.startsWith('/subscriptions') || path.startsWith('/providers/')) return 'arm';
  return 'authority';
}

export function defaultCode(status: number, api: Api): string {
  if (status === 401) return api === 'authority' ? 'invalid_client' : 'InvalidAuthenticationToken';
  if (status === 429) return 'TooManyRequests';
  if (status === 403) return api === 'arm' ? 'AuthorizationFailed' : 'Authorization_RequestDenied';
  if (status === 404) return api === 'graph' ? 'Request_ResourceNotFound' : 'NotFound';
  if (status === 503) return 'ServiceUnavailable';
  return status >= 500 ? 'InternalServerError' : 'BadRequest';
}

/** Each API's error document: OAuth's for the authority, Graph's with innerError, ARM's. */
export function errorBody(api: Api, e: HttpError, now: Date): StandInResponse {
  // Azure sends Retry-After with throttling and unavailability; 0 keeps tests fast.
  const retry: Record<string, string> =
    e.status === 429 || e.status === 503 ? { 'retry-after': '0' } : {};
  const headers = { ...retry, ...e.headers };
  if (api === 'authority')
    return {
      status: e.status,
      headers,
      body: {
        error: e.code,
        error_description: e.message,
        error_codes: [],
        timestamp: now.toISOString(),
      },
    };
  const innerError =
    api === 'graph' ? { innerError: { date: now.toISOString(), 'request-id': randomUUID() } } : {};
  return {
    status: e.status,
    headers,
    body: { error: { code: e.code, message: e.message, ...innerError } },
  };
}

/** Offset paging with an opaque $skiptoken, as Graph and ARM page. */
export function page(
  state: StandInState,
  req: StandInRequest,
  items: unknown[],
  link: '@odata.nextLink' | 'nextLink',
): StandInResponse {
  const size = Math.min(state.maxPageSize, Math.max(1, Number(req.query.get('$top') ?? 100)));
  const offset = decodeSkip(req.query.get('$skiptoken'));
  const out: Record<string, unknown> =
    link === '@odata.nextLink'
      ? { '@odata.context': `${req.origin}${req.path}/$metadata`, value: [] }
      : { value: [] };
  out.value = items.slice(offset, offset + size);
  if (offset + size < items.length) {
    const next = new URLSearchParams(req.query);
    next.set('$skiptoken', Buffer.from(`skip:${offset + size}`).toString('base64url'));
    out[link] = `${req.origin}${req.path}?${next.toString()}`;
  }
  return { body: out };
}

function decodeSkip(token: string | null): number {
  if (!token) return 0;
  const n = Number(/^skip:(\d+)$/.exec(Buffer.from(token, 'base64url').toString())?.[1]);
  if (!Number.isFinite(n)) throw new HttpError(400, 'BadRequest', 'Invalid $skiptoken');
  return n;
}

export function bearer(req: StandInRequest): string | undefined {
  const h = req.headers.authorization;
  return /^Bearer (.+)$/i.exec(Array.isArray(h) ? (h[0] ?? '') : (h ?? ''))?.[1];
}
