/**
 * Building blocks of the demo estate (stand-in/demo.ts): deterministic key ids, keys of a given
 * age and last use, policies, trust policies, people and teams' service users. Dates hang off
 * `now`, so the demo tells the same story whenever it runs.
 */
import { COMPANY, daysAgo, daysFromNow } from '../../../fixtures/demo/company.js';
import type {
  EstateAccessKey,
  EstatePolicyDocument,
  EstateServiceCredential,
  EstateRole,
  EstateUser,
} from './estate.js';

export const A = COMPANY.aws;
export const aws = (name: string) => `arn:aws:iam::aws:policy/${name}`;

export function keyId(account: string, user: string, n: number, prefix = 'AKIA'): string {
  let h = 2166136261;
  for (const c of `${account}/${user}/${n}`) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let out = '';
  let x = h;
  for (let i = 0; i < 16; i++) {
    out += alphabet[(x + i * 7 + n) % 32];
    x = Math.imul(x ^ (x >>> 13), 0x5bd1e995) >>> 0;
  }
  return `${prefix}${out}`;
}

export interface KeySpec {
  age: number;
  /** days since last use; null = never used */
  used: number | null;
  status?: 'Active' | 'Inactive';
  service?: string;
}

export function keys(
  now: Date,
  account: string,
  user: string,
  specs: KeySpec[],
): EstateAccessKey[] {
  return specs.map((s, i) => ({
    id: keyId(account, user, i + 1),
    status: s.status ?? 'Active',
    createdAt: daysAgo(now, s.age),
    lastUsedAt: s.used === null ? null : daysAgo(now, s.used),
    lastUsedService: s.service ?? 's3',
    lastUsedRegion: 'eu-west-1',
  }));
}

export const allow = (
  actions: string[],
  resource: string | string[] = '*',
): EstatePolicyDocument => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: actions, Resource: resource }],
});

export const trustService = (service: string): EstatePolicyDocument => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }],
});

export const trustAccount = (account: string, externalId?: string): EstatePolicyDocument => ({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${account}:root` },
      Action: 'sts:AssumeRole',
      ...(externalId ? { Condition: { StringEquals: { 'sts:ExternalId': externalId } } } : {}),
    },
  ],
});

export const trustGithub = (account: string, sub?: string): EstatePolicyDocument => ({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: {
        Federated: `arn:aws:iam::${account}:oidc-provider/token.actions.githubusercontent.com`,
      },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: {
        StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' },
        ...(sub ? { StringLike: { 'token.actions.githubusercontent.com:sub': sub } } : {}),
      },
    },
  ],
});

export function serviceLinked(
  now: Date,
  name: string,
  service: string,
  policy: string,
  age: number,
  used: number | null,
): EstateRole {
  return {
    name,
    path: `/aws-service-role/${service}/`,
    createdAt: daysAgo(now, age),
    trustPolicy: trustService(service),
    attachedPolicies: [`arn:aws:iam::aws:policy/aws-service-role/${policy}`],
    lastUsedAt: used === null ? null : daysAgo(now, used),
  };
}

export function usage(now: Date, entries: Record<string, number>): Record<string, string> {
  return Object.fromEntries(Object.entries(entries).map(([ns, d]) => [ns, daysAgo(now, d)]));
}

export function person(
  now: Date,
  account: string,
  name: string,
  opts: { mfa: boolean; lastLogin: number | null; groups: string[]; key?: KeySpec[] },
): EstateUser {
  return {
    name,
    createdAt: daysAgo(now, 700),
    tags: { owner: name, kind: 'human' },
    passwordEnabled: true,
    passwordLastUsed: opts.lastLogin === null ? null : daysAgo(now, opts.lastLogin),
    passwordLastChanged: daysAgo(now, 210),
    mfaActive: opts.mfa,
    groups: opts.groups,
    accessKeys: opts.key ? keys(now, account, name, opts.key) : [],
    serviceLastAccessed: usage(now, { s3: 3, ec2: 10, iam: 30 }),
  };
}

/** A small deterministic generator so team service users vary without randomness between runs. */
export function teamServiceUsers(
  now: Date,
  account: string,
  env: string,
  seed: number,
): EstateUser[] {
  const services = ['tracker', 'notifier', 'exporter', 'sync'];
  const patterns: KeySpec[][] = [
    [{ age: 12, used: 0 }],
    [{ age: 130, used: 1 }],
    [{ age: 430, used: 3 }],
    [{ age: 220, used: null }],
    [{ age: 3, used: null }],
    [{ age: 180, used: 62, service: 'sqs' }],
    [{ age: 95, used: 0, service: 'dynamodb' }],
    [
      { age: 400, used: 200, status: 'Inactive' },
      { age: 40, used: 0 },
    ],
  ];
  const out: EstateUser[] = [];
  COMPANY.teams.forEach((team, t) => {
    for (let s = 0; s < 2; s++) {
      const svc = services[(t + s + seed) % services.length]!;
      const name = `${team}-${svc}-${env}`;
      const spec = patterns[(t * 3 + s + seed) % patterns.length]!;
      out.push({
        name,
        path: `/service/${team}/`,
        createdAt: daysAgo(now, Math.max(...spec.map((k) => k.age)) + 5),
        tags: { team, service: svc, env },
        inlinePolicies: [
          {
            name: `${svc}-access`,
            document: allow(
              svc === 'exporter'
                ? ['s3:PutObject', 's3:GetObject', 's3:ListBucket']
                : svc === 'notifier'
                  ? ['sns:Publish', 'sqs:SendMessage']
                  : ['dynamodb:GetItem', 'dynamodb:PutItem', 'sqs:ReceiveMessage'],
              svc === 'exporter'
                ? [`arn:aws:s3:::orbital-${team}-${env}`, `arn:aws:s3:::orbital-${team}-${env}/*`]
                : '*',
            ),
          },
        ],
        attachedPolicies: (t + seed) % 4 === 0 ? [aws('AmazonS3ReadOnlyAccess')] : [],
        accessKeys: keys(now, account, name, spec),
        serviceLastAccessed: usage(
          now,
          svc === 'exporter' ? { s3: 1 } : svc === 'notifier' ? { sns: 2 } : { dynamodb: 1 },
        ),
      });
    }
  });
  return out;
}

export function orgAccessRole(now: Date): EstateRole {
  return {
    name: 'OrganizationAccountAccessRole',
    createdAt: daysAgo(now, 900),
    trustPolicy: trustAccount(A.management.id),
    attachedPolicies: [aws('AdministratorAccess')],
    lastUsedAt: daysAgo(now, 0),
    serviceLastAccessed: usage(now, { iam: 0, sts: 0 }),
  };
}

export function baseGroups(now: Date) {
  return [
    {
      name: 'admins',
      createdAt: daysAgo(now, 900),
      attachedPolicies: [aws('AdministratorAccess')],
    },
    {
      name: 'developers',
      createdAt: daysAgo(now, 800),
      attachedPolicies: [aws('ReadOnlyAccess')],
      inlinePolicies: [
        {
          name: 'deploy-lambdas',
          document: allow(['lambda:UpdateFunctionCode', 'lambda:GetFunction']),
        },
      ],
    },
    { name: 'auditors', createdAt: daysAgo(now, 600), attachedPolicies: [aws('SecurityAudit')] },
  ];
}

const SERVICES = {
  bedrock: 'bedrock.amazonaws.com',
  codecommit: 'codecommit.amazonaws.com',
  keyspaces: 'cassandra.amazonaws.com',
} as const;

export interface ServiceCredentialSpec {
  service: keyof typeof SERVICES;
  age: number;
  /** Days until it expires (Bedrock API keys only); null/absent = never. */
  expiresIn?: number | null;
  status?: 'Active' | 'Inactive';
}

/** Service-specific credentials as IAM lists them: API keys carry an alias, the rest a user name. */
export function serviceCredentials(
  now: Date,
  account: string,
  user: string,
  specs: ServiceCredentialSpec[],
): EstateServiceCredential[] {
  return specs.map((s, i) => {
    const createdAt = daysAgo(now, s.age);
    const apiKey = s.service === 'bedrock';
    return {
      id: keyId(account, `${user}/${s.service}`, i + 1, 'ACCA'),
      serviceName: SERVICES[s.service],
      status: s.status ?? 'Active',
      createdAt,
      expiresAt:
        s.expiresIn === undefined || s.expiresIn === null ? null : daysFromNow(now, s.expiresIn),
      ...(apiKey
        ? { serviceCredentialAlias: `${user}+1-${createdAt.slice(0, 10).replace(/-/g, '')}` }
        : { serviceUserName: `${user}-at-${account}` }),
    };
  });
}
