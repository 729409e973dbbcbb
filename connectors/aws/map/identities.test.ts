import { describe, expect, it } from 'vitest';
import { parseCredentialReport } from './credential-report.js';
import { serviceCredential } from './credentials.js';
import { mapRole, mapRoot, mapUser } from './identities.js';
import { alice, ciBot, header, root } from './report-rows.fixture.js';

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

describe('credentials of users', () => {
  const rows = parseCredentialReport([header, root, ciBot, alice].join('\n'));
  const ciBotUser = {
    UserName: 'ci-bot',
    Arn: 'arn:aws:iam::111122223333:user/ci-bot',
    CreateDate: new Date('2024-01-01T00:00:00Z'),
  };

  it('a key newer than the report takes no report slot: its last use is unknown, not borrowed', () => {
    const { credentials } = mapUser(
      ciBotUser,
      rows[1],
      [
        { AccessKeyId: 'AKIAOLD', Status: 'Active', CreateDate: new Date('2024-01-02T00:00:00Z') },
        // The 2024-06-01 key was deleted after the report; this one replaced it.
        {
          AccessKeyId: 'AKIAREPLACED',
          Status: 'Active',
          CreateDate: new Date('2026-11-01T10:00:00Z'),
        },
      ],
      true,
      '2026-11-01T08:00:00.000Z',
    );
    const byId = Object.fromEntries(credentials.map((c) => [c.externalId, c]));
    expect(byId.AKIAOLD).toMatchObject({ lastUsedKnown: true, attributes: { reportSlot: 1 } });
    expect(byId.AKIAREPLACED).toMatchObject({
      lastUsedKnown: false,
      lastUsedAt: null,
      attributes: { reportSlot: null, handle: 'AKIAREPLACED' },
    });
  });

  it('maps a Bedrock API key with its expiry, alias as handle and unknown last use', () => {
    const c = serviceCredential('arn:aws:iam::111122223333:user/ml', {
      UserName: 'ml',
      Status: 'Active',
      ServiceName: 'bedrock.amazonaws.com',
      ServiceSpecificCredentialId: 'ACCAEXAMPLE123456789',
      ServiceCredentialAlias: 'ml+1-20261101',
      CreateDate: new Date('2026-10-01T00:00:00Z'),
      ExpirationDate: new Date('2026-12-01T00:00:00Z'),
    });
    expect(c).toMatchObject({
      type: 'service-specific-credential',
      status: 'active',
      expiresAt: '2026-12-01T00:00:00.000Z',
      lastUsedKnown: false,
      attributes: {
        service: 'bedrock.amazonaws.com',
        aiService: 'bedrock',
        handle: 'ml+1-20261101',
      },
    });
    expect(
      serviceCredential('arn:aws:iam::111122223333:user/dev', {
        UserName: 'dev',
        Status: 'Expired',
        ServiceName: 'codecommit.amazonaws.com',
        ServiceSpecificCredentialId: 'ACCAEXAMPLE987654321',
        ServiceUserName: 'dev-at-111122223333',
        CreateDate: new Date('2025-10-01T00:00:00Z'),
      }),
    ).toMatchObject({
      status: 'expired',
      expiresAt: null,
      attributes: { handle: 'dev-at-111122223333', service: 'codecommit.amazonaws.com' },
    });
  });
});
