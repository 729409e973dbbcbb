/**
 * GitHub's rate limits, read from an error answer the way GitHub documents them ("Rate limits
 * for the REST API" > "Exceeding the rate limit"): a secondary limit says so in its message or
 * sends `retry-after`; a primary limit has `x-ratelimit-remaining: 0` and a reset time; a 429
 * without either still means "wait at least a minute". Anything else is not a rate limit (a
 * plain 403 is a denial).
 */

export interface RateLimit {
  kind: 'primary' | 'secondary';
  /** Seconds to wait before the request may be sent again. */
  waitSeconds: number;
}

/** Seconds to wait on a secondary limit that gives no `retry-after` (GitHub: "at least one minute"). */
export const SECONDARY_FALLBACK_SECONDS = 60;

export function rateLimitOf(
  status: number,
  headers: Readonly<Record<string, string | number | undefined>>,
  message: string,
  nowMs: number,
): RateLimit | null {
  if (status !== 403 && status !== 429) return null;
  const retryAfter = Number(headers['retry-after']);
  const hasRetryAfter = headers['retry-after'] !== undefined && Number.isFinite(retryAfter);
  const exhausted = String(headers['x-ratelimit-remaining']) === '0';
  const resetSeconds = () => {
    const reset = Number(headers['x-ratelimit-reset']);
    // One second past the reset, as GitHub advises.
    return Number.isFinite(reset) ? Math.max(0, Math.ceil(reset - nowMs / 1000)) + 1 : 60;
  };
  if (/\bsecondary rate limit\b/i.test(message) || hasRetryAfter) {
    const waitSeconds = hasRetryAfter
      ? Math.max(0, retryAfter)
      : exhausted
        ? resetSeconds()
        : SECONDARY_FALLBACK_SECONDS;
    return { kind: 'secondary', waitSeconds };
  }
  if (exhausted) return { kind: 'primary', waitSeconds: resetSeconds() };
  if (status === 429) return { kind: 'secondary', waitSeconds: SECONDARY_FALLBACK_SECONDS };
  return null;
}
