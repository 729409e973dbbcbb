import { describe, expect, it } from 'vitest';
import { toInventory } from './map.js';

describe('template map', () => {
  it('keeps "never used" distinct from "unknown"', () => {
    const inv = toInventory(
      { provider: 'aws', id: 's', name: 's', kind: 'account' },
      [
        {
          id: 'a',
          name: 'a',
          keys: [{ id: 'k', created: '2026-01-01T00:00:00Z', lastUsed: null }],
        },
      ],
      1,
    );
    expect(inv.credentials[0]).toMatchObject({ lastUsedAt: null, lastUsedKnown: true });
  });
});
