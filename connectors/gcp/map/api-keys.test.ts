import { describe, expect, it } from 'vitest';
import { mapApiKey } from './api-keys.js';

describe('API keys', () => {
  it('maps an API key without its key string, unrestricted keys flagged, deleted keys dropped', () => {
    const c = mapApiKey(
      {
        name: 'projects/1/locations/global/keys/uid1',
        uid: 'uid1',
        displayName: 'Tracking',
        createTime: '2026-01-01T00:00:00Z',
      },
      'projects/p/apiKeys',
    );
    expect(c).toMatchObject({
      externalId: 'uid1',
      type: 'api-key',
      expiresAt: null,
      lastUsedKnown: false,
      attributes: { restricted: false },
    });
    expect(
      mapApiKey(
        { name: 'projects/1/locations/global/keys/u2', deleteTime: '2026-10-01T00:00:00Z' },
        'h',
      ),
    ).toBeNull();
  });
});
