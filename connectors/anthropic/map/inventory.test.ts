import { describe, expect, it } from 'vitest';
import { toCredential, toIdentity } from './inventory.js';

const sa = {
  id: 'sa-1',
  name: 'ci-bot',
  description: 'deploys from CI',
  created_at: '2026-01-01T00:00:00Z',
  owner_email: 'amara@example.com',
};
const key = {
  id: 'key-1',
  redacted_value: '…x9Qa',
  status: 'active' as const,
  created_at: '2026-02-01T00:00:00Z',
  expires_at: null,
  last_used_at: null,
};

describe('anthropic map', () => {
  it('keeps "never used" (the API reports use) apart from "unknown" (it does not)', () => {
    expect(toCredential(sa, key)).toMatchObject({ lastUsedAt: null, lastUsedKnown: true });
    expect(toIdentity(sa)).toMatchObject({ lastUsedAt: null, lastUsedKnown: false });
  });

  it('records the handle a person recognises the key by, never a secret', () => {
    const c = toCredential(sa, { ...key, status: 'disabled' });
    expect(c).toMatchObject({ status: 'inactive', attributes: { handle: '…x9Qa' } });
    expect(toIdentity(sa)).toMatchObject({ owner: 'amara@example.com' });
  });
});
