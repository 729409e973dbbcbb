import { describe, expect, it } from 'vitest';
import type { RawServiceAccount, RawServiceAccountKey } from '../schema.js';
import { expiryOrNull, indexActivities, mapKey, mapServiceAccount } from './service-accounts.js';

const NOW = new Date('2026-11-01T12:00:00Z');
const EMAIL = 'etl@of-prod-data.iam.gserviceaccount.com';
const SA: RawServiceAccount = {
  name: `projects/of-prod-data/serviceAccounts/${EMAIL}`,
  email: EMAIL,
  uniqueId: '104857392018374650123',
};
const keyName = (id: string) => `${SA.name}/keys/${id}`;
const key = (over: Partial<RawServiceAccountKey> = {}): RawServiceAccountKey => ({
  name: keyName('aaaa'),
  keyType: 'USER_MANAGED',
  validAfterTime: '2026-01-01T00:00:00Z',
  validBeforeTime: '9999-12-31T23:59:59Z',
  ...over,
});

describe('service-account keys', () => {
  it('stores the 9999 "never expires" sentinel as no expiry, and real expiries as dates', () => {
    expect(expiryOrNull('9999-12-31T23:59:59Z')).toBeNull();
    expect(expiryOrNull('2027-01-01T00:00:00Z')).toBe('2027-01-01T00:00:00.000Z');
    expect(mapKey(key(), SA, null, NOW)?.expiresAt).toBeNull();
  });

  it('maps created/expiry/status: disabled -> inactive, past validBeforeTime -> expired', () => {
    expect(mapKey(key(), SA, null, NOW)).toMatchObject({
      externalId: 'aaaa',
      identityExternalId: EMAIL,
      type: 'service-account-key',
      status: 'active',
      createdAt: '2026-01-01T00:00:00.000Z',
    });
    expect(mapKey(key({ disabled: true }), SA, null, NOW)?.status).toBe('inactive');
    expect(mapKey(key({ validBeforeTime: '2026-10-31T00:00:00Z' }), SA, null, NOW)?.status).toBe(
      'expired',
    );
    expect(mapKey(key({ validBeforeTime: '2026-11-02T00:00:00Z' }), SA, null, NOW)?.status).toBe(
      'active',
    );
  });

  it('does not emit system-managed keys as credentials but counts them on the identity', () => {
    const sys = key({ keyType: 'SYSTEM_MANAGED', name: keyName('sys') });
    expect(mapKey(sys, SA, null, NOW)).toBeNull();
    const identity = mapServiceAccount(SA, [key(), sys, { ...sys, name: keyName('sys2') }], null);
    expect(identity.attributes).toMatchObject({ systemManagedKeyCount: 2, userManagedKeyCount: 1 });
  });

  it('flags a key Google found published', () => {
    const c = mapKey(
      key({
        disabled: true,
        extendedStatus: [{ key: 'SERVICE_ACCOUNT_KEY_EXPOSED', value: 'https://x' }],
      }),
      SA,
      null,
      NOW,
    );
    expect(c?.attributes.exposed).toBe(true);
  });

  it('keeps "never used" (known, null) apart from "not known"', () => {
    const index = indexActivities([]);
    expect(mapKey(key(), SA, index, NOW)).toMatchObject({ lastUsedKnown: true, lastUsedAt: null });
    expect(mapKey(key(), SA, null, NOW)).toMatchObject({ lastUsedKnown: false, lastUsedAt: null });
    expect(mapServiceAccount(SA, [], null)).toMatchObject({
      lastUsedKnown: false,
      lastUsedAt: null,
    });
  });

  it('marks disabled service accounts in attributes', () => {
    expect(mapServiceAccount({ ...SA, disabled: true }, [], null).attributes).toMatchObject({
      disabled: true,
      status: 'disabled',
    });
  });
});

describe('Policy Analyzer activities', () => {
  const saActivity = (resourceId: string, when: string) => ({
    fullResourceName: `//iam.googleapis.com/projects/of-prod-data/serviceAccounts/${resourceId}`,
    activityType: 'serviceAccountLastAuthentication',
    observationPeriod: { startTime: when, endTime: when },
    activity: { lastAuthenticatedTime: when, serviceAccount: { serviceAccountId: SA.uniqueId } },
  });

  it('indexes last authentication of service accounts (by email or unique id) and keys', () => {
    const index = indexActivities([
      saActivity(EMAIL, '2026-10-01T07:00:00Z'),
      {
        fullResourceName: `//iam.googleapis.com/projects/of-prod-data/serviceAccounts/${EMAIL}/keys/aaaa`,
        activity: { lastAuthenticatedTime: '2026-09-01T07:00:00Z' },
      },
    ]);
    expect(mapServiceAccount(SA, [], index).lastUsedAt).toBe('2026-10-01T07:00:00.000Z');
    expect(mapKey(key(), SA, index, NOW)?.lastUsedAt).toBe('2026-09-01T07:00:00.000Z');

    const byId = indexActivities([saActivity(SA.uniqueId!, '2026-08-01T07:00:00Z')]);
    expect(mapServiceAccount(SA, [], byId).lastUsedAt).toBe('2026-08-01T07:00:00.000Z');
  });

  it('keeps the latest of several observations', () => {
    const index = indexActivities([
      saActivity(EMAIL, '2026-10-01T07:00:00Z'),
      saActivity(EMAIL, '2026-10-05T07:00:00Z'),
    ]);
    expect(mapServiceAccount(SA, [], index).lastUsedAt).toBe('2026-10-05T07:00:00.000Z');
  });
});

describe('handles', () => {
  it('a key is found in the console by its id, on its service account', () => {
    expect(mapKey(key(), SA, null, NOW)?.attributes.handle).toBe(`aaaa (${EMAIL})`);
  });
});
