/**
 * Last use from the Messages usage report. The Admin API has no last-used field, so use is
 * read from daily usage grouped by API key over a window: a key with usage in the window was
 * last used by the end of its latest such day; a key created inside the window with no usage
 * was never used; a key older than the window with no usage in it is unknown ("no use since
 * the window start"), never "never used".
 */
import type { UsageSignal } from '../../../src/connector/index.js';
import type { UsageReport } from '../schema.js';

export interface UsageWindow {
  start: string;
  end: string;
  /** The latest day end with usage, per API key id. */
  lastUse: ReadonlyMap<string, string>;
}

export function usageWindow(buckets: UsageReport['data'], start: Date, end: Date): UsageWindow {
  const lastUse = new Map<string, string>();
  const cap = end.toISOString();
  for (const b of buckets) {
    const endAt = new Date(b.ending_at).toISOString();
    // A day that has not ended yet was used by now at the latest: never claim a later use.
    const at = endAt < cap ? endAt : cap;
    for (const r of b.results) {
      const tokens = r.uncached_input_tokens + r.output_tokens + (r.cache_read_input_tokens ?? 0);
      if (!r.api_key_id || tokens <= 0) continue;
      const prev = lastUse.get(r.api_key_id);
      if (!prev || at > prev) lastUse.set(r.api_key_id, at);
    }
  }
  return { start: start.toISOString(), end: cap, lastUse };
}

export const LAST_USE_BASIS =
  'derived from the Messages usage report grouped by API key (daily buckets): the Admin API has no last-used field, and use outside the Messages API does not appear there';

/** A key's usage signal and the evidence behind it; null window = the report was unavailable. */
export function lastUseOf(
  keyId: string,
  createdAt: string,
  window: UsageWindow | null,
): { usage: UsageSignal; evidence: Record<string, unknown> } {
  if (!window)
    return {
      usage: { lastUsedAt: null, lastUsedKnown: false },
      evidence: { lastUsedBasis: 'unavailable: the usage report could not be read' },
    };
  const base = { lastUsedBasis: LAST_USE_BASIS, usageWindowStart: window.start };
  const used = window.lastUse.get(keyId);
  if (used) return { usage: { lastUsedAt: used, lastUsedKnown: true }, evidence: base };
  if (new Date(createdAt).toISOString() >= window.start)
    return { usage: { lastUsedAt: null, lastUsedKnown: true }, evidence: base };
  return {
    usage: { lastUsedAt: null, lastUsedKnown: false },
    evidence: { ...base, noUseSince: window.start },
  };
}
