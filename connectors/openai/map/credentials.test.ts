import { describe, expect, it } from 'vitest';
import { adminKeyCredential, projectKeyCredential } from './credentials.js';

const NOW = new Date('2026-11-01T12:00:00Z');
const t = (iso: string) => Date.parse(iso) / 1000;
const admin = {
  id: 'key_a',
  object: 'organization.admin_api_key' as const,
  name: 'ops',
  redacted_value: 'sk-admin-...wxyz',
  created_at: t('2026-01-01T00:00:00Z'),
  expires_at: null,
  owner: { id: 'user-1', name: 'Ana', type: 'user' },
};
const project = { id: 'proj_1', object: 'organization.project' as const, name: 'p', created_at: 0 };

describe('openai key mapping', () => {
  it.each([
    // last_used_at as sent -> lastUsedAt, lastUsedKnown
    [t('2026-10-01T00:00:00Z'), '2026-10-01T00:00:00.000Z', true],
    [null, null, true], // the API says: never used
    [undefined, null, false], // the field is absent: unknown, never "never used"
  ])('admin key last_used_at %s -> %s (known %s)', (sent, at, known) => {
    const c = adminKeyCredential({ ...admin, last_used_at: sent }, 'user-1', null, NOW);
    expect(c).toMatchObject({ lastUsedAt: at, lastUsedKnown: known });
    expect(c.attributes).toMatchObject({ handle: 'sk-admin-...wxyz', keyKind: 'admin' });
  });

  it.each([
    // expires_at -> status, at the boundary and just past it
    [t('2026-11-01T12:00:00Z'), 'expired'],
    [t('2026-11-01T12:00:01Z'), 'active'],
    [null, 'active'],
  ])('expires_at %s -> %s', (expires, status) => {
    const key = {
      id: 'key_p',
      object: 'organization.project.api_key' as const,
      name: 'svc',
      redacted_value: 'sk-svcacct-...abcd',
      created_at: t('2026-01-01T00:00:00Z'),
      last_used_at: null,
      expires_at: expires,
      owner: {
        type: 'service_account' as const,
        service_account: { id: 'svc_1', name: 'bot', role: 'member', created_at: 0 },
      },
    };
    expect(projectKeyCredential(key, project, null, NOW)).toMatchObject({
      status,
      identityExternalId: 'svc_1',
      attributes: { keyKind: 'service-account', projectId: 'proj_1', ownerType: 'service-account' },
    });
  });
});
