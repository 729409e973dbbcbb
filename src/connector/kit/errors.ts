/**
 * One error shape for every provider API failure, so the scan pipeline, doctor and playbooks
 * decide alike: a denied call is a coverage gap, anything else fails the scope. Messages are
 * one line naming the operation and never carry request payloads or credentials.
 */
import type { ProviderId } from '../../model/index.js';

/** A failure the user can fix (bad flag, missing credentials): one line, exit code 2. */
export class UserError extends Error {
  override name = 'UserError';
  /** Brand checked by the CLI, so subclasses (ConfigError, CatalogError…) need no registry. */
  readonly isUserError = true;
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

export type ApiErrorKind =
  /** The credentials may not do this (403, AccessDenied): a coverage gap, the scan goes on. */
  | 'denied'
  | 'not-found'
  /** The credentials themselves are missing, expired or rejected (401). */
  | 'auth'
  /** Still throttled after the retries. */
  | 'throttled'
  /** No answer within the request timeout. */
  | 'timeout'
  /** An answer that is not the document asked for (HTML, wrong root element, bad schema). */
  | 'invalid-response'
  /** A request, redirect or pagination link that would leave the configured origin. */
  | 'off-origin'
  /** Connection refused, reset, DNS. */
  | 'network'
  /** 5xx after the retries. */
  | 'server'
  /** Any other 4xx. */
  | 'client';

export interface ApiErrorInit {
  provider: ProviderId | string;
  /** What was asked, e.g. `iam:ListAccessKeys` or `GET /orgs/{org}/installations`. */
  operation: string;
  kind: ApiErrorKind;
  status?: number | null;
  /** The provider's error code (AccessDenied, PERMISSION_DENIED, Authorization_RequestDenied…). */
  code?: string | null;
  /** The provider's message or what was wrong, already trimmed to one line. */
  detail?: string;
  /** Retry-After as the provider sent it (throttling). */
  retryAfterMs?: number | null;
}

const oneLine = (s: string, max = 300) => s.replace(/\s+/g, ' ').trim().slice(0, max);

export class ApiError extends Error {
  override name = 'ApiError';
  readonly provider: string;
  readonly operation: string;
  readonly kind: ApiErrorKind;
  readonly status: number | null;
  readonly code: string | null;
  readonly retryAfterMs: number | null;

  constructor(init: ApiErrorInit) {
    const code = init.code ?? (init.status ? String(init.status) : null);
    const detail = init.detail ? oneLine(init.detail) : '';
    super(`${init.operation}: ${[code, detail].filter(Boolean).join(' ') || init.kind}`);
    this.provider = init.provider;
    this.operation = init.operation;
    this.kind = init.kind;
    this.status = init.status ?? null;
    this.code = code;
    this.retryAfterMs = init.retryAfterMs ?? null;
  }

  /** Permission missing for this call: record a gap and go on. */
  get denied(): boolean {
    return this.kind === 'denied';
  }
}

export function isApiError(e: unknown): e is ApiError {
  return e instanceof ApiError;
}

export function isDenied(e: unknown): e is ApiError {
  return e instanceof ApiError && e.kind === 'denied';
}

/** The error kind an HTTP status implies when the provider gives nothing more specific. */
export function kindOfStatus(status: number): ApiErrorKind {
  if (status === 401) return 'auth';
  if (status === 403) return 'denied';
  if (status === 404) return 'not-found';
  if (status === 429) return 'throttled';
  if (status >= 500) return 'server';
  return 'client';
}

/** The message of anything thrown, on one line. */
export function errorMessage(e: unknown): string {
  return oneLine(e instanceof Error ? e.message : String(e), 500);
}
