import { describe, expect, it } from 'vitest';
import { parsePolicyDocument } from './policy.js';
import { analyzeTrustPolicy } from './trust.js';

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
