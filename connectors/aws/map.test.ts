import { describe, expect, it } from 'vitest';
import {
  CREDENTIAL_REPORT_COLUMNS,
  PayloadError,
  analyzeTrustPolicy,
  grantsFromPolicies,
  mapRole,
  mapRoot,
  mapUser,
  parseCredentialReport,
  parsePolicyDocument,
  type PolicySource,
} from './map.js';

const header = CREDENTIAL_REPORT_COLUMNS.join(',');
const root =
  '<root_account>,arn:aws:iam::111122223333:root,2019-01-01T00:00:00+00:00,not_supported,2026-10-01T08:00:00+00:00,not_supported,not_supported,true,true,2020-05-01T00:00:00+00:00,2026-10-30T10:00:00+00:00,us-east-1,s3,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A';
const ciBot =
  'ci-bot,arn:aws:iam::111122223333:user/ci-bot,2024-01-01T00:00:00+00:00,false,N/A,N/A,N/A,false,true,2024-01-02T00:00:00+00:00,N/A,N/A,N/A,false,2024-06-01T00:00:00+00:00,2024-07-01T00:00:00+00:00,eu-west-1,ec2,false,N/A,false,N/A';
const alice =
  'alice,arn:aws:iam::111122223333:user/alice,2023-01-01T00:00:00+00:00,true,2026-10-31T09:00:00+00:00,2026-01-01T00:00:00+00:00,N/A,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A';

describe('parseCredentialReport', () => {
  const rows = parseCredentialReport([header, root, ciBot, alice].join('\n'));

  it('recognises the root row and its access key', () => {
    const r = rows[0]!;
    expect(r.isRoot).toBe(true);
    expect(r.passwordEnabled).toBeNull(); // not_supported
    expect(r.keys).toEqual([
      {
        slot: 1,
        active: true,
        lastRotated: '2020-05-01T00:00:00.000Z',
        lastUsedAt: '2026-10-30T10:00:00.000Z',
        lastUsedRegion: 'us-east-1',
        lastUsedService: 's3',
      },
    ]);
  });

  it('reads N/A as "no value": a never-used key has lastUsedAt null, an inactive key is kept', () => {
    const r = rows[1]!;
    expect(r.keys.map((k) => [k.slot, k.active, k.lastUsedAt])).toEqual([
      [1, true, null],
      [2, false, '2024-07-01T00:00:00.000Z'],
    ]);
    expect(r.keys[0]!.lastUsedService).toBeNull();
  });

  it('reads human traits', () => {
    const r = rows[2]!;
    expect(r).toMatchObject({
      passwordEnabled: true,
      mfaActive: true,
      passwordLastUsed: '2026-10-31T09:00:00.000Z',
      keys: [],
    });
  });

  it('names the row and column of a bad cell', () => {
    const bad = alice.replace('2026-10-31T09:00:00+00:00', 'yesterday');
    expect(() => parseCredentialReport([header, bad].join('\n'))).toThrow(
      /alice.*password_last_used.*yesterday/,
    );
  });

  it('rejects a report without the documented columns', () => {
    expect(() => parseCredentialReport('user,arn\nx,y')).toThrow(PayloadError);
  });
});

describe('parsePolicyDocument', () => {
  const doc = {
    Version: '2012-10-17',
    Statement: { Effect: 'Allow', Action: 's3:GetObject', Resource: '*' },
  };
  it('decodes the URL-encoded form GAAD returns and normalises a single statement', () => {
    const parsed = parsePolicyDocument(encodeURIComponent(JSON.stringify(doc)), 'test');
    expect(parsed.Statement).toHaveLength(1);
    expect(parsed.Statement[0]!.Action).toBe('s3:GetObject');
  });
  it('gives a clear error for garbage', () => {
    expect(() => parsePolicyDocument('{"Statement":[{"Effect":"Maybe"}]}', 'role x')).toThrow(
      /role x.*Statement/,
    );
    expect(() => parsePolicyDocument('%7Bnot json', 'policy y')).toThrow(/policy y/);
  });
});

describe('analyzeTrustPolicy', () => {
  const own = '111122223333';
  it('flags an external account trusted without sts:ExternalId, but not one with it', () => {
    const t = analyzeTrustPolicy(
      parsePolicyDocument(
        JSON.stringify({
          Statement: [
            {
              Effect: 'Allow',
              Principal: { AWS: 'arn:aws:iam::999988887777:root' },
              Action: 'sts:AssumeRole',
            },
            {
              Effect: 'Allow',
              Principal: { AWS: ['464622532012'] },
              Action: 'sts:AssumeRole',
              Condition: { StringEquals: { 'sts:ExternalId': 'abc' } },
            },
            {
              Effect: 'Allow',
              Principal: { AWS: `arn:aws:iam::${own}:role/x` },
              Action: 'sts:AssumeRole',
            },
          ],
        }),
        't',
      ),
      own,
    );
    expect(t.externalAccounts).toEqual(['464622532012', '999988887777']);
    expect(t.externalAccountsWithoutExternalId).toEqual(['999988887777']);
    expect(t.hasExternalIdCondition).toBe(true);
  });

  it('flags GitHub OIDC trust without a sub condition', () => {
    const base = {
      Effect: 'Allow',
      Principal: {
        Federated: `arn:aws:iam::${own}:oidc-provider/token.actions.githubusercontent.com`,
      },
      Action: 'sts:AssumeRoleWithWebIdentity',
    };
    const loose = analyzeTrustPolicy(
      parsePolicyDocument(
        JSON.stringify({
          Statement: [
            {
              ...base,
              Condition: {
                StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' },
              },
            },
          ],
        }),
        't',
      ),
      own,
    );
    expect(loose.oidc).toEqual([
      {
        provider: 'token.actions.githubusercontent.com',
        hasSubCondition: false,
        hasAudCondition: true,
      },
    ]);
    expect(loose.oidcWithoutSubCondition).toBe(true);
    const tight = analyzeTrustPolicy(
      parsePolicyDocument(
        JSON.stringify({
          Statement: [
            {
              ...base,
              Condition: {
                StringLike: { 'token.actions.githubusercontent.com:sub': 'repo:o/r:*' },
              },
            },
          ],
        }),
        't',
      ),
      own,
    );
    expect(tight.oidcWithoutSubCondition).toBe(false);
  });

  it('lists service principals', () => {
    const t = analyzeTrustPolicy(
      parsePolicyDocument(
        JSON.stringify({
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Service: 'ec2.amazonaws.com' },
              Action: 'sts:AssumeRole',
            },
          ],
        }),
        't',
      ),
      own,
    );
    expect(t.services).toEqual(['ec2.amazonaws.com']);
    expect(t.externalAccounts).toEqual([]);
  });
});

describe('grantsFromPolicies', () => {
  const arn = 'arn:aws:iam::111122223333:user/ci-bot';
  const src = (
    name: string,
    statements: unknown[],
    extra: Partial<PolicySource> = {},
  ): PolicySource => ({
    name,
    arn: null,
    viaGroup: null,
    updatedAt: null,
    document: parsePolicyDocument(JSON.stringify({ Statement: statements }), name),
    ...extra,
  });

  it('splits statements per service and classifies read / write / admin', async () => {
    const grants = await grantsFromPolicies(
      arn,
      [
        src('mixed', [
          {
            Effect: 'Allow',
            Action: ['s3:GetObject', 's3:ListBucket'],
            Resource: 'arn:aws:s3:::b/*',
          },
          { Effect: 'Allow', Action: 'dynamodb:PutItem', Resource: '*' },
          { Effect: 'Allow', Action: 'iam:*', Resource: '*' },
          { Effect: 'Deny', Action: 'ec2:*', Resource: '*' },
        ]),
        src('AdministratorAccess', [{ Effect: 'Allow', Action: '*', Resource: '*' }], {
          arn: 'arn:aws:iam::aws:policy/AdministratorAccess',
          viaGroup: 'admins',
        }),
      ],
      undefined,
    );
    const by = Object.fromEntries(grants.map((g) => [g.permission, g]));
    expect(Object.keys(by).sort()).toEqual([
      '*',
      'dynamodb:PutItem',
      'iam:*',
      's3:{GetObject,ListBucket}',
    ]);
    expect(by['s3:{GetObject,ListBucket}']!.privilege).toBe('read');
    expect(by['dynamodb:PutItem']!.privilege).toBe('write');
    expect(by['iam:*']!.privilege).toBe('admin');
    expect(by['*']).toMatchObject({
      privilege: 'admin',
      source: 'group:admins/arn:aws:iam::aws:policy/AdministratorAccess',
    });
    expect(grants.every((g) => g.lastUsedKnown === false && g.lastUsedAt === null)).toBe(true);
  });

  it('treats a wildcard that reaches a Permissions management action as write', async () => {
    const [g] = await grantsFromPolicies(
      arn,
      [src('p', [{ Effect: 'Allow', Action: 'iam:Attach*', Resource: '*' }])],
      undefined,
    );
    expect(g!.privilege).toBe('write');
    const [r] = await grantsFromPolicies(
      arn,
      [src('p', [{ Effect: 'Allow', Action: 's3:Get*', Resource: '*' }])],
      undefined,
    );
    expect(r!.privilege).toBe('read');
  });

  it('sets last use per namespace from Access Advisor, null for never used', async () => {
    const usage = new Map<string, string | null>([
      ['s3', '2026-10-01T00:00:00.000Z'],
      ['ec2', null],
    ]);
    const grants = await grantsFromPolicies(
      arn,
      [
        src('p', [
          {
            Effect: 'Allow',
            Action: ['s3:GetObject', 'ec2:DescribeInstances', 'sqs:SendMessage'],
            Resource: '*',
          },
        ]),
      ],
      usage,
    );
    const by = Object.fromEntries(grants.map((g) => [g.attributes.service, g]));
    expect(by.s3).toMatchObject({ lastUsedKnown: true, lastUsedAt: '2026-10-01T00:00:00.000Z' });
    expect(by.ec2).toMatchObject({ lastUsedKnown: true, lastUsedAt: null });
    expect(by.sqs).toMatchObject({ lastUsedKnown: true, lastUsedAt: null });
  });
});

describe('identity mapping', () => {
  const rows = parseCredentialReport([header, root, ciBot, alice].join('\n'));
  it('matches report slots to access keys by creation time', () => {
    const { identity, credentials } = mapUser(
      {
        UserName: 'ci-bot',
        Arn: 'arn:aws:iam::111122223333:user/ci-bot',
        CreateDate: new Date('2024-01-01T00:00:00Z'),
      },
      rows[1],
      [
        {
          AccessKeyId: 'AKIANEW',
          Status: 'Inactive',
          CreateDate: new Date('2024-06-01T00:00:00Z'),
        },
        { AccessKeyId: 'AKIAOLD', Status: 'Active', CreateDate: new Date('2024-01-02T00:00:00Z') },
      ],
      true,
    );
    const byId = Object.fromEntries(credentials.map((c) => [c.externalId, c]));
    expect(byId.AKIAOLD).toMatchObject({ status: 'active', lastUsedAt: null, lastUsedKnown: true });
    expect(byId.AKIANEW).toMatchObject({
      status: 'inactive',
      lastUsedAt: '2024-07-01T00:00:00.000Z',
    });
    expect(byId.AKIANEW!.attributes.lastUsedService).toBe('ec2');
    expect(identity.attributes.consolePassword).toBe(false);
  });

  it('gives a console-password credential to a user with a password', () => {
    const { identity, credentials } = mapUser(
      { UserName: 'alice', Arn: 'arn:aws:iam::111122223333:user/alice' },
      rows[2],
      [],
      true,
    );
    expect(credentials.map((c) => c.type)).toEqual(['console-password']);
    expect(identity.attributes).toMatchObject({
      consolePassword: true,
      mfaActive: true,
      humanTraits: ['console-password', 'mfa', 'console-sign-in'],
    });
  });

  it('maps the root row to a root identity with its access key', () => {
    const { identity, credentials } = mapRoot(rows[0]!, '111122223333');
    expect(identity.kind).toBe('root');
    expect(credentials).toHaveLength(1);
    expect(credentials[0]).toMatchObject({
      status: 'active',
      type: 'access-key',
      lastUsedAt: '2026-10-30T10:00:00.000Z',
    });
  });

  it('marks service-linked roles', () => {
    const role = mapRole(
      {
        RoleName: 'AWSServiceRoleForSupport',
        Arn: 'arn:aws:iam::111122223333:role/aws-service-role/support.amazonaws.com/AWSServiceRoleForSupport',
        Path: '/aws-service-role/support.amazonaws.com/',
        AssumeRolePolicyDocument: encodeURIComponent(
          JSON.stringify({
            Statement: [
              {
                Effect: 'Allow',
                Principal: { Service: 'support.amazonaws.com' },
                Action: 'sts:AssumeRole',
              },
            ],
          }),
        ),
      },
      '111122223333',
    );
    expect(role.attributes.serviceLinked).toBe(true);
    expect(role.lastUsedAt).toBeNull();
  });
});
