/**
 * Test support: one small estate that both the stand-in (loaded directly) and moto (seeded
 * through the real SDK) serve, and the assertions both must pass — so the stand-in is checked
 * against an independent AWS emulator, not only against itself.
 */
import { expect } from 'vitest';
import type { AwsEstate, EstateAccount, EstatePolicyDocument } from './stand-in/estate.js';
import type { ScopeInventory, ScopeResult } from '../../src/model/index.js';

export const SHARED_ACCOUNT = '123456789012'; // moto's default account id
export const TEST_CALLER = {
  accessKeyId: 'AKIATESTCALLER000001',
  secretAccessKey: 'test-secret-not-real-00000000000000000000',
  accountId: SHARED_ACCOUNT,
  arn: `arn:aws:iam::${SHARED_ACCOUNT}:user/scanner`,
};

const allow = (actions: string[], resource: string | string[] = '*'): EstatePolicyDocument => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: actions, Resource: resource }],
});

const trust = (
  principal: Record<string, string>,
  condition?: Record<string, Record<string, string>>,
): EstatePolicyDocument => ({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: principal,
      Action: principal.Federated ? 'sts:AssumeRoleWithWebIdentity' : 'sts:AssumeRole',
      ...(condition ? { Condition: condition } : {}),
    },
  ],
});

export const FILLER_USERS = Array.from(
  { length: 12 },
  (_, i) => `svc-${String(i + 1).padStart(2, '0')}`,
);

/** The shared account: what both backends serve. Dates relative to `now`. */
export function sharedAccount(now: Date): EstateAccount {
  const ago = (d: number) => new Date(now.getTime() - d * 86_400_000).toISOString();
  return {
    id: SHARED_ACCOUNT,
    name: 'shared-test',
    root: { createdAt: ago(900), mfaActive: true },
    groups: [
      {
        name: 'deployers',
        createdAt: ago(300),
        inlinePolicies: [
          { name: 'pass-roles', document: allow(['iam:PassRole', 'ecs:UpdateService']) },
        ],
      },
    ],
    // A customer managed admin policy: moto loads AWS managed ones only on request, slowly.
    policies: [
      {
        name: 'DeployPolicy',
        createdAt: ago(300),
        document: allow(['ecr:GetAuthorizationToken', 'ecr:BatchGetImage']),
      },
      { name: 'FullAdmin', createdAt: ago(300), document: allow(['*']) },
    ],
    users: [
      {
        name: 'ci-bot',
        createdAt: ago(200),
        inlinePolicies: [
          { name: 'read-artifacts', document: allow(['s3:GetObject'], 'arn:aws:s3:::artifacts/*') },
        ],
        accessKeys: [
          {
            id: 'AKIASHAREDCIBOT00001',
            status: 'Active',
            createdAt: ago(150),
            lastUsedAt: ago(2),
            lastUsedService: 's3',
          },
        ],
        serviceLastAccessed: { s3: ago(2) },
      },
      {
        name: 'deployer',
        createdAt: ago(250),
        groups: ['deployers'],
        attachedPolicies: [`arn:aws:iam::${SHARED_ACCOUNT}:policy/DeployPolicy`],
        accessKeys: [
          { id: 'AKIASHAREDDEPLOY0001', status: 'Inactive', createdAt: ago(240), lastUsedAt: null },
          {
            id: 'AKIASHAREDDEPLOY0002',
            status: 'Active',
            createdAt: ago(10),
            lastUsedAt: ago(1),
            lastUsedService: 'ecs',
          },
        ],
      },
      {
        name: 'admin-bot',
        createdAt: ago(400),
        attachedPolicies: [`arn:aws:iam::${SHARED_ACCOUNT}:policy/FullAdmin`],
        accessKeys: [{ id: 'AKIASHAREDADMIN00001', status: 'Active', createdAt: ago(390) }],
      },
      { name: 'alice', createdAt: ago(100), passwordEnabled: true, passwordLastChanged: ago(100) },
      { name: 'scanner', createdAt: ago(5) },
      ...FILLER_USERS.map((name) => ({ name, createdAt: ago(30) })),
    ],
    roles: [
      {
        name: 'partner-access',
        createdAt: ago(100),
        trustPolicy: trust({ AWS: 'arn:aws:iam::999988887777:root' }),
        inlinePolicies: [{ name: 'read', document: allow(['s3:GetObject']) }],
      },
      {
        name: 'vendor-role',
        createdAt: ago(100),
        trustPolicy: trust(
          { AWS: 'arn:aws:iam::464622532012:root' },
          { StringEquals: { 'sts:ExternalId': 'vendor-123' } },
        ),
      },
      {
        name: 'gha-deploy',
        createdAt: ago(50),
        trustPolicy: trust(
          {
            Federated: `arn:aws:iam::${SHARED_ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`,
          },
          { StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' } },
        ),
        attachedPolicies: [`arn:aws:iam::${SHARED_ACCOUNT}:policy/FullAdmin`],
      },
      {
        name: 'lambda-exec',
        createdAt: ago(60),
        trustPolicy: trust({ Service: 'lambda.amazonaws.com' }),
      },
    ],
  };
}

export function sharedEstate(now: Date): AwsEstate {
  return { accounts: [sharedAccount(now)], callers: [TEST_CALLER] };
}

/** What any faithful AWS backend serving sharedAccount() must yield. */
export function assertSharedInventory(results: ScopeResult[]): ScopeInventory {
  const inv = results.find(
    (r): r is ScopeInventory => r.kind === 'inventory' && r.scope.id === SHARED_ACCOUNT,
  );
  expect(
    inv,
    `an inventory for ${SHARED_ACCOUNT}; got ${JSON.stringify(results.map((r) => [r.kind, r.scope.id]))}`,
  ).toBeDefined();
  const i = inv!;
  const byName = (kind: string) =>
    new Map(i.identities.filter((x) => x.kind === kind).map((x) => [x.name, x]));
  const users = byName('user');
  const roles = byName('role');
  expect([...users.keys()].sort()).toEqual(
    expect.arrayContaining(['admin-bot', 'alice', 'ci-bot', 'deployer', ...FILLER_USERS]),
  );
  expect(users.size).toBeGreaterThanOrEqual(17);
  expect([...roles.keys()]).toEqual(
    expect.arrayContaining(['gha-deploy', 'lambda-exec', 'partner-access', 'vendor-role']),
  );
  expect(byName('group').get('deployers')?.attributes.members).toEqual(['deployer']);

  const keysOf = (user: string) =>
    i.credentials
      .filter(
        (c) => c.type === 'access-key' && c.identityExternalId === users.get(user)!.externalId,
      )
      .map((c) => c.status)
      .sort();
  expect(keysOf('ci-bot')).toEqual(['active']);
  expect(keysOf('deployer')).toEqual(['active', 'inactive']);
  expect(keysOf('admin-bot')).toEqual(['active']);
  expect(keysOf('alice')).toEqual([]);
  expect(
    i.credentials
      .filter((c) => c.type === 'access-key')
      .every((c) => /^AKIA[A-Z0-9]{16}$/.test(c.externalId)),
  ).toBe(true);

  // Human traits: a console password shows as an attribute and as a credential.
  expect(users.get('alice')!.attributes.consolePassword).toBe(true);
  expect(users.get('ci-bot')!.attributes.consolePassword).toBe(false);
  expect(
    i.credentials.some(
      (c) =>
        c.type === 'console-password' && c.identityExternalId === users.get('alice')!.externalId,
    ),
  ).toBe(true);

  // Trust policies.
  expect(roles.get('partner-access')!.attributes.externalAccountsWithoutExternalId).toEqual([
    '999988887777',
  ]);
  expect(roles.get('vendor-role')!.attributes).toMatchObject({
    externalAccounts: ['464622532012'],
    externalAccountsWithoutExternalId: [],
    hasExternalIdCondition: true,
  });
  expect(roles.get('gha-deploy')!.attributes).toMatchObject({
    oidcProviders: ['token.actions.githubusercontent.com'],
    oidcWithoutSubCondition: true,
  });
  expect(roles.get('lambda-exec')!.attributes.trustedPrincipals).toEqual([
    'Service:lambda.amazonaws.com',
  ]);

  // Grants: inline, managed, and through a group all count.
  const grantsOf = (principal: string) =>
    i.grants.filter((g) => g.identityExternalId === principal);
  const admin = grantsOf(users.get('admin-bot')!.externalId);
  expect(admin).toEqual([
    expect.objectContaining({
      permission: '*',
      privilege: 'admin',
      source: `arn:aws:iam::${SHARED_ACCOUNT}:policy/FullAdmin`,
    }),
  ]);
  expect(grantsOf(roles.get('gha-deploy')!.externalId).map((g) => g.privilege)).toEqual(['admin']);
  expect(grantsOf(users.get('ci-bot')!.externalId)).toEqual([
    expect.objectContaining({
      permission: 's3:GetObject',
      privilege: 'read',
      resource: 'arn:aws:s3:::artifacts/*',
      source: 'inline:read-artifacts',
    }),
  ]);
  const deployer = grantsOf(users.get('deployer')!.externalId);
  expect(deployer.map((g) => [g.permission, g.privilege, g.source]).sort()).toEqual([
    [
      'ecr:{BatchGetImage,GetAuthorizationToken}',
      'read',
      `arn:aws:iam::${SHARED_ACCOUNT}:policy/DeployPolicy`,
    ],
    ['ecs:UpdateService', 'write', 'group:deployers/inline:pass-roles'],
    ['iam:PassRole', 'write', 'group:deployers/inline:pass-roles'],
  ]);
  return i;
}
