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

  it('records the handle a person finds the key by in the console: its name and uid', () => {
    const named = mapApiKey(
      { name: 'projects/1/locations/global/keys/uid1', uid: 'uid1', displayName: 'Tracking' },
      'h',
    );
    expect(named?.attributes.handle).toBe('Tracking (uid1)');
    expect(
      mapApiKey({ name: 'projects/1/locations/global/keys/uid2' }, 'h')?.attributes.handle,
    ).toBe('uid2');
  });

  it.each([
    ['no restrictions at all', undefined, false, 'gemini', []],
    [
      'application restrictions only',
      { browserKeyRestrictions: { allowedReferrers: ['x.example/*'] } },
      false,
      'gemini',
      [],
    ],
    [
      'restricted to the Gemini API',
      { apiTargets: [{ service: 'generativelanguage.googleapis.com' }] },
      true,
      'gemini',
      ['generativelanguage.googleapis.com'],
    ],
    [
      'restricted to Vertex AI methods',
      { apiTargets: [{ service: 'aiplatform.googleapis.com', methods: ['Predict*'] }] },
      true,
      'vertex',
      ['aiplatform.googleapis.com'],
    ],
    [
      'restricted to Vertex AI and the Gemini API',
      {
        apiTargets: [
          { service: 'aiplatform.googleapis.com' },
          { service: 'generativelanguage.googleapis.com' },
        ],
      },
      true,
      'gemini',
      ['aiplatform.googleapis.com', 'generativelanguage.googleapis.com'],
    ],
    [
      'restricted to Maps only',
      { apiTargets: [{ service: 'maps-backend.googleapis.com' }] },
      true,
      undefined,
      ['maps-backend.googleapis.com'],
    ],
  ])(
    '%s: apiRestricted %s, aiService %s',
    (_, restrictions, apiRestricted, aiService, services) => {
      const c = mapApiKey(
        {
          name: 'projects/1/locations/global/keys/u',
          uid: 'u',
          ...(restrictions ? { restrictions } : {}),
        },
        'h',
      );
      expect(c?.attributes.apiRestricted).toBe(apiRestricted);
      expect(c?.attributes.aiService).toBe(aiService);
      expect((c?.attributes.apiTargets as { service: string }[]).map((t) => t.service)).toEqual(
        services,
      );
    },
  );

  it('keeps the API targets as Google sent them, methods included', () => {
    const c = mapApiKey(
      {
        name: 'projects/1/locations/global/keys/u',
        restrictions: {
          apiTargets: [
            {
              service: 'aiplatform.googleapis.com',
              methods: ['google.cloud.aiplatform.v1.PredictionService.Predict'],
            },
            { service: 'translate.googleapis.com' },
          ],
        },
      },
      'h',
    );
    expect(c?.attributes).toMatchObject({
      restricted: true,
      restrictionKinds: ['apiTargets'],
      apiTargets: [
        {
          service: 'aiplatform.googleapis.com',
          methods: ['google.cloud.aiplatform.v1.PredictionService.Predict'],
        },
        { service: 'translate.googleapis.com', methods: [] },
      ],
    });
  });
});
