import { describe, expect, it } from 'vitest';
import { grantsFromPolicies, type PolicySource } from './grants.js';
import { parsePolicyDocument } from './policy.js';

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
