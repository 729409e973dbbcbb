import { describe, expect, it } from 'vitest';
import { lastUseOf, usageWindow } from './usage.js';

const start = new Date('2026-05-05T12:00:00Z');
const end = new Date('2026-11-01T12:00:00Z');
const bucket = (day: string, rows: { api_key_id: string | null; tokens: number }[]) => ({
  starting_at: `${day}T00:00:00Z`,
  ending_at: new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString(),
  results: rows.map((r) => ({
    api_key_id: r.api_key_id,
    uncached_input_tokens: r.tokens,
    output_tokens: 0,
  })),
});

describe('last use from the usage report', () => {
  const window = usageWindow(
    [
      bucket('2026-09-01', [{ api_key_id: 'k1', tokens: 5 }]),
      bucket('2026-10-02', [
        { api_key_id: 'k1', tokens: 9 },
        { api_key_id: 'k0', tokens: 0 },
      ]),
      // Today's bucket has not ended: the use is "by now", never later.
      bucket('2026-11-01', [
        { api_key_id: 'k2', tokens: 1 },
        { api_key_id: null, tokens: 4 },
      ]),
    ],
    start,
    end,
  );

  it.each([
    // key, created, lastUsedAt, lastUsedKnown, noUseSince
    ['k1', '2025-01-01T00:00:00Z', '2026-10-03T00:00:00.000Z', true, undefined],
    ['k2', '2026-10-31T00:00:00Z', '2026-11-01T12:00:00.000Z', true, undefined],
    // A row with zero tokens is no use.
    ['k0', '2026-06-01T00:00:00Z', null, true, undefined],
    // Created exactly at the window start, no use: never used.
    ['k3', '2026-05-05T12:00:00Z', null, true, undefined],
    // Created just before the window: unknown, not "never used".
    ['k4', '2026-05-05T11:59:59Z', null, false, '2026-05-05T12:00:00.000Z'],
  ] as const)('%s created %s -> %s (known %s)', (id, created, at, known, since) => {
    const { usage, evidence } = lastUseOf(id, created, window);
    expect(usage).toEqual({ lastUsedAt: at, lastUsedKnown: known });
    expect(evidence.noUseSince).toBe(since);
    expect(evidence.lastUsedBasis).toMatch(/no last-used field/);
  });

  it('without the report every last use is unknown, and the evidence says why', () => {
    expect(lastUseOf('k1', '2026-10-31T00:00:00Z', null)).toEqual({
      usage: { lastUsedAt: null, lastUsedKnown: false },
      evidence: { lastUsedBasis: 'unavailable: the usage report could not be read' },
    });
  });
});
