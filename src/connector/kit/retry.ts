/**
 * The retry policy for calls an SDK does not retry itself: throttling, 5xx, timeouts and
 * network errors are retried with exponential backoff (honouring Retry-After); anything else
 * fails at once. Built on p-retry.
 */
import pRetry, { AbortError } from 'p-retry';
import { setTimeout as delay } from 'node:timers/promises';
import { ApiError, type ApiErrorKind } from './errors.js';

const RETRYABLE: ReadonlySet<ApiErrorKind> = new Set(['throttled', 'server', 'timeout', 'network']);

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** First backoff; doubles each time, capped at maxDelayMs. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  signal: AbortSignal;
  /** Called before each retry (debug logs). */
  onRetry?: (error: ApiError, attempt: number) => void;
}

/** Seconds or an HTTP date, as in a Retry-After header; null when absent or unusable. */
export function retryAfterMs(header: string | null | undefined): number | null {
  if (!header) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}

export function isRetryable(e: unknown): boolean {
  return e instanceof ApiError && RETRYABLE.has(e.kind);
}

/** Runs `fn`, retrying retryable ApiErrors; a `retryAfterMs` on the error is waited out first. */
export async function withRetry<T>(fn: () => Promise<T>, policy: RetryPolicy): Promise<T> {
  const base = policy.baseDelayMs ?? 500;
  return pRetry(
    async () => {
      try {
        return await fn();
      } catch (e) {
        // p-retry needs an Error; anything not retryable stops at once with the original.
        if (!isRetryable(e) || policy.signal.aborted) throw new AbortError(e as Error);
        throw e;
      }
    },
    {
      retries: Math.max(0, policy.maxAttempts - 1),
      minTimeout: base,
      maxTimeout: policy.maxDelayMs ?? 20_000,
      factor: 2,
      randomize: true,
      signal: policy.signal,
      onFailedAttempt: async ({ error, attemptNumber }) => {
        const e = error as ApiError & { retryAfterMs?: number | null };
        policy.onRetry?.(e, attemptNumber);
        if (e.retryAfterMs) await delay(e.retryAfterMs, undefined, { signal: policy.signal });
      },
    },
  ).catch((e: unknown) => {
    // AbortError wraps the original: callers see what actually failed.
    throw e instanceof AbortError ? (e.originalError ?? e) : e;
  });
}
