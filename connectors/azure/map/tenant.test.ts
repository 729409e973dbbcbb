/** Pure mapping: privilege tables at their edges, usage known vs unknown, payload errors. */
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../src/connector/index.js';
import { applicationSchema, parseList, type ArmRoleDefinition } from '../schema.js';
import { credentialStatus } from './credentials.js';
import { tenantName } from './identities.js';
import { graphPermissionPrivilege, rbacPrivilege, scopeLevel } from './privilege.js';
import { buildTenantRecords, type TenantData } from './tenant.js';
import { credentialUsageMap } from './usage.js';

const NOW = new Date('2026-11-01T12:00:00Z');
const def = (
  actions: string[],
  notActions: string[] = [],
  dataActions: string[] = [],
): ArmRoleDefinition => ({
  id: 'x',
  name: 'x',
  roleName: 'x',
  roleType: 'CustomRole',
  permissions: [{ actions, notActions, dataActions }],
});

describe('graphPermissionPrivilege', () => {
  it.each([
    ['Directory.ReadWrite.All', 'admin'],
    ['RoleManagement.ReadWrite.Directory', 'admin'],
    ['AppRoleAssignment.ReadWrite.All', 'admin'],
    ['Application.ReadWrite.All', 'admin'],
    ['Application.ReadWrite.OwnedBy', 'write'],
    ['Sites.ReadWrite.All', 'write'],
    ['Mail.Send', 'write'],
    ['user_impersonation', 'write'],
    ['Directory.Read.All', 'read'],
    ['User.Read', 'read'],
    ['offline_access', 'read'],
  ] as const)('%s -> %s', (permission, privilege) => {
    expect(graphPermissionPrivilege(permission)).toBe(privilege);
  });
});

describe('rbacPrivilege', () => {
  const sub = '/subscriptions/s1';
  const rg = '/subscriptions/s1/resourceGroups/rg';
  it.each([
    ['Owner at subscription', 'Owner', def(['*']), sub, 'admin'],
    [
      'Contributor at subscription',
      'Contributor',
      def(['*'], ['Microsoft.Authorization/*/Write']),
      sub,
      'admin',
    ],
    [
      'User Access Administrator',
      'User Access Administrator',
      def(['*/read', 'Microsoft.Authorization/*']),
      sub,
      'admin',
    ],
    [
      'custom role that writes role assignments',
      'custom',
      def(['Microsoft.Authorization/roleAssignments/write']),
      sub,
      'admin',
    ],
    ['Owner on a resource group', 'Owner', def(['*']), rg, 'write'],
    ['Reader', 'Reader', def(['*/read']), sub, 'read'],
    [
      'data reader',
      'KV',
      def([], [], ['Microsoft.KeyVault/vaults/secrets/getSecret/action']),
      rg,
      'read',
    ],
    [
      'data writer',
      'Blob',
      def(['Microsoft.Storage/storageAccounts/blobServices/containers/write']),
      rg,
      'write',
    ],
    [
      'unknown definition, known name',
      'Owner',
      null,
      '/providers/Microsoft.Management/managementGroups/mg',
      'admin',
    ],
    ['unknown definition and name', null, null, sub, 'unknown'],
  ] as const)('%s', (_label, name, definition, scope, privilege) => {
    expect(rbacPrivilege(name, definition, scope)).toBe(privilege);
  });

  it('classifies scope levels', () => {
    expect(scopeLevel('/')).toBe('root');
    expect(scopeLevel(sub)).toBe('subscription');
    expect(scopeLevel(rg)).toBe('resourceGroup');
    expect(scopeLevel(`${rg}/providers/Microsoft.KeyVault/vaults/kv`)).toBe('resource');
  });
});

describe('credentials', () => {
  it('is expired exactly at endDateTime and inactive before startDateTime', () => {
    expect(credentialStatus('2026-01-01T00:00:00Z', NOW.toISOString(), NOW)).toBe('expired');
    expect(credentialStatus('2026-01-01T00:00:00Z', '2026-11-01T12:00:01Z', NOW)).toBe('active');
    expect(credentialStatus('2026-11-02T00:00:00Z', '2027-01-01T00:00:00Z', NOW)).toBe('inactive');
  });

  it('keeps the latest use of a key across resources', () => {
    const m = credentialUsageMap([
      { keyId: 'k', signInActivity: { lastSignInDateTime: '2026-10-01T00:00:00Z' } },
      { keyId: 'k', signInActivity: { lastNonInteractiveSignInDateTime: '2026-10-20T00:00:00Z' } },
      { keyId: 'k', signInActivity: null },
    ]);
    expect(m.get('k')).toBe('2026-10-20T00:00:00Z');
  });

  const data = (usage: TenantData['usage']): TenantData => ({
    tenantId: 't',
    applications: [
      {
        id: 'app1',
        appId: 'appid1',
        displayName: 'a',
        passwordCredentials: [
          {
            keyId: 'k1',
            displayName: 's',
            hint: 'abc',
            startDateTime: '2026-01-01T00:00:00Z',
            endDateTime: null,
          },
        ],
        keyCredentials: [],
      },
    ],
    servicePrincipals: [],
    federated: new Map(),
    appRoleAssignments: new Map(),
    oauth2Grants: [],
    usage,
    rbac: [],
  });

  it('says "never used" only when the report was read, and "unknown" when it was not', () => {
    const read = buildTenantRecords(
      data({ servicePrincipals: new Map(), credentials: new Map() }),
      NOW,
    );
    expect(read.credentials[0]).toMatchObject({ lastUsedKnown: true, lastUsedAt: null });
    expect(read.identities[0]).toMatchObject({
      lastUsedKnown: true,
      lastUsedAt: null,
      owner: null,
      attributes: { ownersKnown: false },
    });
    const unread = buildTenantRecords(data({ servicePrincipals: null, credentials: null }), NOW);
    expect(unread.credentials[0]).toMatchObject({ lastUsedKnown: false, lastUsedAt: null });
  });
});

describe('grant usage', () => {
  const LAST = '2026-05-01T00:00:00Z';
  const tenant = (spUsage: Map<string, string | null> | null): TenantData => ({
    tenantId: 't',
    applications: [{ id: 'app1', appId: 'appid1', displayName: 'a' }],
    servicePrincipals: [
      { id: 'sp1', appId: 'appid1', displayName: 'a' },
      {
        id: 'graph',
        appId: 'graph-app',
        displayName: 'Microsoft Graph',
        appRoles: [{ id: 'r1', value: 'User.Read.All' }],
      },
    ],
    federated: new Map(),
    appRoleAssignments: new Map([
      ['sp1', [{ id: 'ara1', appRoleId: 'r1', principalId: 'sp1', resourceId: 'graph' }]],
    ]),
    oauth2Grants: [{ id: 'o1', clientId: 'sp1', resourceId: 'graph', scope: 'Mail.Read' }],
    usage: { servicePrincipals: spUsage, credentials: null },
    rbac: [
      {
        subscriptionId: 's',
        subscriptionName: 's',
        definitions: [],
        assignments: [
          {
            id: '/subscriptions/s/providers/Microsoft.Authorization/roleAssignments/ra1',
            scope: '/subscriptions/s',
            roleDefinitionId: '/providers/Microsoft.Authorization/roleDefinitions/acdd72a7',
            principalId: 'sp1',
          },
        ],
      },
    ],
  });
  const byKind = (r: ReturnType<typeof buildTenantRecords>) =>
    Object.fromEntries(r.grants.map((g) => [String(g.attributes.kind), g]));

  it("application permissions and role assignments carry the principal's last sign-in; delegated ones stay unknown", () => {
    const g = byKind(buildTenantRecords(tenant(new Map([['appid1', LAST]])), NOW));
    for (const kind of ['application-permission', 'azure-rbac'])
      expect(g[kind], kind).toMatchObject({
        lastUsedKnown: true,
        lastUsedAt: LAST,
        attributes: { usageOf: 'principal' },
      });
    expect(g['delegated-permission']).toMatchObject({ lastUsedKnown: false, lastUsedAt: null });
    expect(g['delegated-permission']!.attributes.usageOf).toBeUndefined();
  });

  it('a principal without a row in the report never signed in; no report means unknown', () => {
    const never = byKind(buildTenantRecords(tenant(new Map()), NOW));
    expect(never['azure-rbac']).toMatchObject({ lastUsedKnown: true, lastUsedAt: null });
    const unread = byKind(buildTenantRecords(tenant(null), NOW));
    expect(unread['azure-rbac']).toMatchObject({ lastUsedKnown: false, lastUsedAt: null });
    expect(unread['azure-rbac']!.attributes.usageOf).toBeUndefined();
  });
});

describe('parsing', () => {
  it('names the payload, item and field of a bad response', () => {
    // The kit's invalid-response error (it fails the scope) replaces the connector's own class.
    expect(() =>
      parseList(applicationSchema, [{ id: 'a', appId: 'b' }, { id: 'c' }], 'GET /applications'),
    ).toThrow(
      new ApiError({
        provider: 'azure',
        operation: 'GET /applications',
        kind: 'invalid-response',
        code: 'InvalidResponse',
        detail: 'unexpected response: [1].appId Invalid input: expected string, received undefined',
      }),
    );
  });

  it('names the tenant by its default domain', () => {
    expect(
      tenantName(
        {
          id: 't',
          displayName: 'Orbital',
          verifiedDomains: [
            { name: 'x.onmicrosoft.com', isInitial: true },
            { name: 'x.example', isDefault: true },
          ],
        },
        't',
      ),
    ).toBe('x.example');
    expect(tenantName(null, 't')).toBe('t');
  });
});
