import { describe, expect, it } from 'vitest';
import * as m from './index.js';

const NOW = new Date('2026-11-01T12:00:00Z');

describe('privilegeForPermission', () => {
  it.each([
    ['contents', 'read', 'read'],
    ['contents', 'write', 'write'],
    ['issues', 'write', 'write'],
    ['administration', 'read', 'read'],
    ['administration', 'write', 'admin'],
    ['organization_administration', 'write', 'admin'],
    ['members', 'write', 'admin'],
    ['secrets', 'write', 'admin'],
    ['workflows', 'write', 'admin'],
    ['organization_hooks', 'write', 'admin'],
    ['repository_projects', 'admin', 'admin'],
    ['metadata', 'none', 'unknown'],
  ] as const)('%s:%s -> %s', (perm, lvl, expected) => {
    expect(m.privilegeForPermission(perm, lvl)).toBe(expected);
  });
});

describe('privilegeForScope (classic tokens)', () => {
  it.each([
    ['admin:org', 'admin'],
    ['admin:org_hook', 'admin'],
    ['admin:enterprise', 'admin'],
    ['delete_repo', 'admin'],
    ['repo', 'write'],
    ['workflow', 'write'],
    ['write:packages', 'write'],
    ['public_repo', 'write'],
    ['read:org', 'read'],
    ['read:packages', 'read'],
    ['something-new', 'unknown'],
  ] as const)('%s -> %s', (scope, expected) => {
    expect(m.privilegeForScope(scope)).toBe(expected);
  });
});

describe('cloudKeyOf', () => {
  it.each([
    ['AWS_ACCESS_KEY_ID', 'aws'],
    ['AWS_SECRET_ACCESS_KEY', 'aws'],
    ['PROD_AWS_SECRET_ACCESS_KEY', 'aws'],
    ['aws_access_key_id', 'aws'],
    ['AZURE_CLIENT_SECRET', 'azure'],
    ['AZURE_CREDENTIALS', 'azure'],
    ['ARM_CLIENT_SECRET', 'azure'],
    ['GOOGLE_CREDENTIALS', 'gcp'],
    ['GCP_SA_KEY', 'gcp'],
    ['BIGQUERY_SERVICE_ACCOUNT_KEY', 'gcp'],
    ['NPM_TOKEN', null],
    ['AWS_REGION', null],
    ['AZURE_CLIENT_ID', null],
    ['SLACK_WEBHOOK_URL', null],
  ])('%s -> %s', (name, expected) => {
    expect(m.cloudKeyOf(name)).toBe(expected);
  });
});

const grant = (over: Record<string, unknown> = {}) => ({
  id: 7,
  owner: { login: 'alice', id: 1 },
  repository_selection: 'subset',
  permissions: {
    organization: { members: 'read' },
    repository: { contents: 'write', administration: 'write' },
  },
  access_granted_at: '2026-01-01T00:00:00Z',
  token_id: 70,
  token_name: 'ci',
  token_expired: false,
  token_expires_at: null,
  token_last_used_at: null,
  ...over,
});

describe('mapPatGrants', () => {
  const parse = (items: unknown[]) => m.parseList(m.PatGrantSchema, items, 'test');

  it('records a token without expiry, never used, owned by its user, one grant per permission', () => {
    const out = m.mapPatGrants('acme', parse([grant()]), NOW);
    expect(out.identities).toEqual([
      expect.objectContaining({ externalId: 'user:alice', kind: 'github-user', owner: 'alice' }),
    ]);
    const [cred] = out.credentials;
    expect(cred).toMatchObject({
      type: 'fine-grained-pat',
      name: 'ci',
      status: 'active',
      expiresAt: null,
      lastUsedAt: null,
      lastUsedKnown: true,
      attributes: { patGrantId: 7, tokenId: 70, noExpiry: true, repositorySelection: 'subset' },
    });
    expect(out.grants.map((g) => [g.permission, g.resource, g.privilege])).toEqual([
      ['organization:members', 'org:acme', 'read'],
      ['repository:contents', 'acme/(selected repositories)', 'write'],
      ['repository:administration', 'acme/(selected repositories)', 'admin'],
    ]);
  });

  it('marks a token expired by GitHub or by its expiry date', () => {
    const flagged = m.mapPatGrants(
      'acme',
      parse([grant({ token_expired: true, token_expires_at: '2027-01-01T00:00:00Z' })]),
      NOW,
    );
    const dated = m.mapPatGrants(
      'acme',
      parse([grant({ token_expires_at: '2026-10-01T00:00:00Z' })]),
      NOW,
    );
    const live = m.mapPatGrants(
      'acme',
      parse([grant({ token_expires_at: '2026-12-01T00:00:00Z' })]),
      NOW,
    );
    expect([flagged, dated, live].map((o) => o.credentials[0]!.status)).toEqual([
      'expired',
      'expired',
      'active',
    ]);
  });

  it('all-repository tokens grant on every repository', () => {
    const out = m.mapPatGrants('acme', parse([grant({ repository_selection: 'all' })]), NOW);
    expect(out.grants.find((g) => g.permission === 'repository:contents')!.resource).toBe('acme/*');
  });
});

describe('mapDeployKeys', () => {
  const key = {
    id: 3,
    key: 'ssh-ed25519 AAAA',
    title: 'ci',
    read_only: false,
    created_at: '2025-01-01T00:00:00Z',
    verified: true,
  };

  it('maps write access, owner and last use; a disabled key is inactive', () => {
    const out = m.mapDeployKeys(
      'acme/api',
      m.parseList(
        m.DeployKeySchema,
        [{ ...key, added_by: 'bob', last_used: '2025-06-01T00:00:00Z', enabled: false }],
        't',
      ),
    );
    expect(out.credentials[0]).toMatchObject({
      externalId: 'deploy-key:acme/api:3',
      identityExternalId: 'repo:acme/api',
      status: 'inactive',
      lastUsedAt: '2025-06-01T00:00:00.000Z',
      lastUsedKnown: true,
      attributes: { readOnly: false, owner: 'bob', keyId: 3, repository: 'acme/api' },
    });
    expect(out.grants[0]).toMatchObject({
      permission: 'contents:write',
      resource: 'acme/api',
      privilege: 'write',
    });
  });

  it('"never used" (last_used null) differs from "not reported" (older GHES without the field)', () => {
    const never = m.mapDeployKeys(
      'a/b',
      m.parseList(m.DeployKeySchema, [{ ...key, last_used: null }], 't'),
    ).credentials[0]!;
    const legacy = m.mapDeployKeys('a/b', m.parseList(m.DeployKeySchema, [key], 't'))
      .credentials[0]!;
    expect([never.lastUsedKnown, never.lastUsedAt]).toEqual([true, null]);
    expect([legacy.lastUsedKnown, legacy.status]).toEqual([false, 'active']);
  });

  it('read-only keys grant read', () => {
    const out = m.mapDeployKeys(
      'a/b',
      m.parseList(m.DeployKeySchema, [{ ...key, read_only: true }], 't'),
    );
    expect(out.grants[0]!.privilege).toBe('read');
  });
});

describe('mapCredentialAuthorizations', () => {
  it('maps classic PAT scopes to privileges and keeps only the last eight characters GitHub shows, as the handle', () => {
    const items = m.parseList(
      m.CredentialAuthorizationSchema,
      [
        {
          login: 'carol',
          credential_id: 11,
          credential_type: 'personal access token',
          token_last_eight: 'abcd1234',
          credential_authorized_at: '2025-01-01T00:00:00Z',
          credential_accessed_at: null,
          authorized_credential_id: 99,
          authorized_credential_note: 'automation',
          authorized_credential_expires_at: '2026-10-01T00:00:00Z',
          scopes: ['admin:org', 'read:user'],
        },
      ],
      't',
    );
    const out = m.mapCredentialAuthorizations('acme', items, NOW);
    expect(out.credentials[0]).toMatchObject({
      type: 'classic-pat',
      status: 'expired',
      name: 'automation',
      lastUsedAt: null,
      lastUsedKnown: true,
    });
    expect(out.grants.map((g) => [g.permission, g.privilege])).toEqual([
      ['scope:admin:org', 'admin'],
      ['scope:read:user', 'read'],
    ]);
    // token_last_eight is GitHub's own handle for a token (not the secret): kept once, as such.
    expect(out.credentials[0]!.attributes.handle).toBe('…abcd1234');
    expect(JSON.stringify(out).split('abcd1234')).toHaveLength(2);
  });
});

describe('mapInstallations', () => {
  it('a suspended installation is inactive; org-level permissions apply to the org', () => {
    const items = m.parseList(
      m.InstallationSchema,
      [
        {
          id: 5,
          app_id: 50,
          app_slug: 'ci-app',
          repository_selection: 'all',
          permissions: { administration: 'write', contents: 'read', organization_secrets: 'read' },
          events: [],
          created_at: '2025-01-01T00:00:00Z',
          updated_at: '2025-01-01T00:00:00Z',
          suspended_at: '2025-02-01T00:00:00Z',
          suspended_by: { login: 'dave' },
        },
      ],
      't',
    );
    const out = m.mapInstallations('acme', items);
    expect(out.credentials[0]).toMatchObject({
      type: 'app-installation',
      status: 'inactive',
      identityExternalId: 'app:ci-app',
    });
    expect(out.grants.map((g) => [g.permission, g.resource, g.privilege])).toEqual([
      ['administration', 'acme/*', 'admin'],
      ['contents', 'acme/*', 'read'],
      ['organization_secrets', 'org:acme', 'read'],
    ]);
  });
});

describe('mapInstallations: who owns the App', () => {
  const install = (slug: string, permissions: Record<string, string>) => ({
    id: slug.length,
    app_id: 100 + slug.length,
    app_slug: slug,
    repository_selection: 'all' as const,
    permissions,
    events: [],
    created_at: '2025-01-01T00:00:00Z',
    updated_at: '2025-01-01T00:00:00Z',
    suspended_at: null,
  });
  const owner = (login: string, type = 'Organization'): m.AppOwner => ({
    login,
    type,
    appName: login,
  });
  const attrs = (out: m.Mapped, slug: string) =>
    out.identities.find((i) => i.externalId === `app:${slug}`)!.attributes;

  it('an App owned by another account is third-party; one owned by the org is not', () => {
    const out = m.mapInstallations(
      'acme',
      [install('vendor-ci', { contents: 'write', metadata: 'read' }), install('acme-bot', {})],
      new Map([
        ['vendor-ci', owner('vendor-inc')],
        // GitHub logins are case-insensitive.
        ['acme-bot', owner('ACME')],
      ]),
    );
    expect(attrs(out, 'vendor-ci')).toMatchObject({
      appOwner: 'vendor-inc',
      appOwnerType: 'Organization',
      thirdParty: true,
      permissions: { contents: 'write', metadata: 'read' },
    });
    expect(attrs(out, 'acme-bot')).toMatchObject({ appOwner: 'ACME', thirdParty: false });
  });

  it('an App owned by another org of the same scan, or by an enterprise, is first-party', () => {
    const owners = new Map([
      ['tools-bot', owner('acme-tools')],
      ['ent-app', owner('acme-enterprise', 'Enterprise')],
    ]);
    const items = [install('tools-bot', {}), install('ent-app', {})];
    const together = m.mapInstallations('acme', items, owners, ['acme', 'acme-tools']);
    expect(attrs(together, 'tools-bot').thirdParty).toBe(false);
    expect(attrs(together, 'ent-app').thirdParty).toBe(false);
    // Scanned alone, acme does not own acme-tools' App.
    expect(attrs(m.mapInstallations('acme', items, owners), 'tools-bot').thirdParty).toBe(true);
  });

  it('an App whose owner GitHub would not show gets no owner and no verdict, not a guess', () => {
    const out = m.mapInstallations('acme', [install('private-app', { contents: 'write' })]);
    const a = attrs(out, 'private-app');
    expect(a).not.toHaveProperty('thirdParty');
    expect(a).not.toHaveProperty('appOwner');
    expect(a.permissions).toEqual({ contents: 'write' });
    expect(out.grants).toHaveLength(1);
  });

  it('reads the owner of a user-, org- or enterprise-owned App (GET /apps/{app_slug})', () => {
    const parse = (owner: unknown) =>
      m.appOwnerOf(
        m.parseOne(m.AppSchema, { id: 1, slug: 'x', name: 'X App', owner }, 'GET /apps/x'),
      );
    expect(parse({ login: 'octo', id: 2, type: 'User' })).toEqual({
      login: 'octo',
      type: 'User',
      appName: 'X App',
    });
    expect(parse({ slug: 'big-co', name: 'Big Co', id: 3 })).toMatchObject({
      login: 'big-co',
      type: 'Enterprise',
    });
    expect(() => parse(null)).toThrow(/GET \/apps\/x: .*\.owner/);
    expect(() => parse({ id: 4 })).toThrow(/GET \/apps\/x: .*\.owner/);
  });
});

describe('mapSecrets and mapHooks', () => {
  it('uses created_at as creation, updated_at as last rotation, and flags static cloud keys', () => {
    const items = m.parseList(
      m.SecretSchema,
      [
        {
          name: 'AWS_SECRET_ACCESS_KEY',
          created_at: '2024-01-01T00:00:00Z',
          updated_at: '2024-06-01T00:00:00Z',
        },
      ],
      't',
    );
    const [c] = m.mapSecrets(
      'actions-secret',
      { level: 'environment', repo: 'acme/api', environment: 'prod' },
      items,
    ).credentials;
    expect(c).toMatchObject({
      externalId: 'actions-secret:acme/api/env/prod:AWS_SECRET_ACCESS_KEY',
      identityExternalId: 'env:acme/api/prod',
      createdAt: '2024-01-01T00:00:00.000Z',
      lastUsedKnown: false,
      attributes: {
        lastRotatedAt: '2024-06-01T00:00:00.000Z',
        storesCloudKey: 'aws',
        sinkTarget: 'acme/api/env/prod:AWS_SECRET_ACCESS_KEY',
      },
    });
    expect(String(c!.attributes.recommendation)).toMatch(/OIDC/);
  });

  it('only webhooks with a secret are credentials, and only the host of their URL is kept', () => {
    const hooks = m.parseList(
      m.HookSchema,
      [
        {
          id: 1,
          active: true,
          events: ['push'],
          config: { url: 'https://ci.example/hook?token=hunter2', secret: '********' },
          created_at: '2025-01-01T00:00:00Z',
          updated_at: '2025-01-01T00:00:00Z',
        },
        {
          id: 2,
          active: true,
          events: ['push'],
          config: { url: 'https://chat.example/x' },
          created_at: '2025-01-01T00:00:00Z',
          updated_at: '2025-01-01T00:00:00Z',
        },
      ],
      't',
    );
    const out = m.mapHooks({ level: 'repository', repo: 'acme/api' }, hooks);
    expect(out.credentials.map((c) => c.externalId)).toEqual(['webhook-secret:acme/api:1']);
    expect(out.credentials[0]!.attributes.targetHost).toBe('ci.example');
    expect(JSON.stringify(out)).not.toContain('hunter2');
  });
});

describe('parsing garbage', () => {
  it('names the endpoint, the item and the field', () => {
    expect(() =>
      m.parseList(
        m.DeployKeySchema,
        [{ id: 1, title: 't', read_only: true, created_at: '2025-01-01T00:00:00Z' }, { id: 'x' }],
        'GET /repos/a/b/keys',
      ),
    ).toThrow(/GET \/repos\/a\/b\/keys: .*\[1\]\.id/);
    expect(() => m.parseList(m.DeployKeySchema, { message: 'hi' }, 'GET /repos/a/b/keys')).toThrow(
      /expected array/,
    );
    expect(() => m.parseOne(m.OrgSchema, null, 'GET /orgs/acme')).toThrow(/GET \/orgs\/acme/);
  });
});
