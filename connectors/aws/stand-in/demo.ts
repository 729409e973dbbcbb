/**
 * Orbital Freight's AWS estate for `nhi scan --demo`: four accounts in one organization, each
 * with a story a reviewer recognises — keys of every age, a user with two active keys, an
 * inactive key, people with console passwords, a root key, roles open to outside accounts or to
 * any GitHub repository, service-linked roles that must not be flagged, and the ML platform's
 * Bedrock API keys (one that never expires, one expiring soon) next to CodeCommit credentials.
 * Dates hang off `now`. The production account is in demo-prod.ts.
 */
import { COMPANY, daysAgo } from '../../../fixtures/demo/company.js';
import type { AwsEstate, EstateAccount, EstateCaller } from './estate.js';
import { prod } from './demo-prod.js';
import {
  A,
  allow,
  aws,
  baseGroups,
  keys,
  orgAccessRole,
  person,
  serviceLinked,
  teamServiceUsers,
  trustAccount,
  trustGithub,
  usage,
} from './demo-kit.js';

/** The demo's scanner credentials (fake; accepted only by the stand-in). */
export const DEMO_CALLER: EstateCaller = {
  accessKeyId: 'AKIAORBITALDEMO00001',
  secretAccessKey: 'demo-secret-not-real-000000000000000000',
  accountId: A.management.id,
  arn: `arn:aws:iam::${A.management.id}:user/automation/nhi-scanner`,
};

function management(now: Date): EstateAccount {
  const id = A.management.id;
  return {
    id,
    name: A.management.name,
    alias: A.management.name,
    email: `aws-management@${COMPANY.domain}`,
    joinedAt: daysAgo(now, 1500),
    root: { createdAt: daysAgo(now, 1500), mfaActive: true, passwordLastUsed: daysAgo(now, 40) },
    groups: baseGroups(now),
    policies: [
      {
        name: 'OrgReadOnly',
        createdAt: daysAgo(now, 700),
        updatedAt: daysAgo(now, 300),
        document: allow(['organizations:Describe*', 'organizations:List*']),
      },
    ],
    users: [
      {
        name: 'nhi-scanner',
        path: '/automation/',
        createdAt: daysAgo(now, 20),
        tags: { owner: 'security', purpose: 'nhi inventory' },
        attachedPolicies: [aws('SecurityAudit')],
        accessKeys: [
          {
            id: DEMO_CALLER.accessKeyId,
            status: 'Active',
            createdAt: daysAgo(now, 20),
            lastUsedAt: daysAgo(now, 0),
            lastUsedService: 'iam',
            lastUsedRegion: 'us-east-1',
          },
        ],
        serviceLastAccessed: usage(now, { iam: 0, organizations: 0 }),
      },
      {
        name: 'terraform-org',
        path: '/automation/',
        createdAt: daysAgo(now, 1200),
        tags: { owner: 'platform' },
        attachedPolicies: [aws('AdministratorAccess')],
        accessKeys: keys(now, id, 'terraform-org', [
          { age: 980, used: 2, service: 'organizations' },
        ]),
        serviceLastAccessed: usage(now, { organizations: 2, iam: 2, s3: 2 }),
      },
      {
        name: 'billing-export',
        createdAt: daysAgo(now, 500),
        tags: { team: 'data' },
        inlinePolicies: [
          {
            name: 'cur-read',
            document: allow(['cur:DescribeReportDefinitions', 's3:GetObject', 's3:ListBucket']),
          },
        ],
        accessKeys: keys(now, id, 'billing-export', [{ age: 140, used: 1 }]),
        serviceLastAccessed: usage(now, { s3: 1 }),
      },
      {
        name: 'sso-sync',
        createdAt: daysAgo(now, 300),
        attachedPolicies: [`arn:aws:iam::${id}:policy/OrgReadOnly`],
        accessKeys: keys(now, id, 'sso-sync', [{ age: 290, used: null }]),
      },
      person(now, id, 'amara.okafor', { mfa: true, lastLogin: 1, groups: ['admins'] }),
      person(now, id, 'tom.becker', {
        mfa: false,
        lastLogin: 75,
        groups: ['auditors'],
        key: [{ age: 460, used: 75, service: 'iam' }],
      }),
      ...teamServiceUsers(now, id, 'mgmt', 0).slice(0, 6),
    ],
    roles: [
      serviceLinked(
        now,
        'AWSServiceRoleForOrganizations',
        'organizations.amazonaws.com',
        'AWSOrganizationsServiceTrustPolicy',
        1500,
        1,
      ),
      serviceLinked(
        now,
        'AWSServiceRoleForSupport',
        'support.amazonaws.com',
        'AWSSupportServiceRolePolicy',
        1500,
        null,
      ),
      {
        name: 'github-actions-org',
        createdAt: daysAgo(now, 200),
        trustPolicy: trustGithub(id, 'repo:orbital-freight/infrastructure:ref:refs/heads/main'),
        attachedPolicies: [`arn:aws:iam::${id}:policy/OrgReadOnly`],
        lastUsedAt: daysAgo(now, 1),
        serviceLastAccessed: usage(now, { organizations: 1 }),
      },
      {
        name: 'security-audit-vendor',
        createdAt: daysAgo(now, 365),
        description: 'Cloud security posture vendor',
        trustPolicy: trustAccount('464622532012', 'orbital-7c1f0e'),
        attachedPolicies: [aws('SecurityAudit')],
        lastUsedAt: daysAgo(now, 0),
        serviceLastAccessed: usage(now, { iam: 0, cloudtrail: 0 }),
      },
    ],
  };
}

function staging(now: Date): EstateAccount {
  const id = A.staging.id;
  return {
    id,
    name: A.staging.name,
    alias: A.staging.name,
    email: `aws-staging@${COMPANY.domain}`,
    joinedAt: daysAgo(now, 1000),
    // The root access key someone created "just for a test" years ago.
    root: {
      createdAt: daysAgo(now, 1000),
      mfaActive: false,
      passwordLastUsed: daysAgo(now, 300),
      accessKeys: [
        {
          id: 'root-1',
          status: 'Active',
          createdAt: daysAgo(now, 820),
          lastUsedAt: daysAgo(now, 33),
          lastUsedService: 's3',
          lastUsedRegion: 'eu-west-1',
        },
      ],
    },
    groups: baseGroups(now),
    policies: [],
    users: [
      {
        name: 'ci-deployer',
        path: '/automation/',
        createdAt: daysAgo(now, 500),
        tags: { owner: 'platform' },
        attachedPolicies: [aws('PowerUserAccess')],
        accessKeys: keys(now, id, 'ci-deployer', [{ age: 160, used: 0, service: 'ecs' }]),
        serviceLastAccessed: usage(now, { ecs: 0, ecr: 0, s3: 1 }),
      },
      {
        name: 'terraform-staging',
        path: '/automation/',
        createdAt: daysAgo(now, 700),
        attachedPolicies: [aws('AdministratorAccess')],
        accessKeys: keys(now, id, 'terraform-staging', [{ age: 45, used: 1, service: 'ec2' }]),
        serviceLastAccessed: usage(now, { ec2: 1, s3: 1 }),
      },
      {
        name: 'load-test-runner',
        createdAt: daysAgo(now, 330),
        tags: { team: 'logistics' },
        attachedPolicies: [aws('AmazonEC2FullAccess')],
        accessKeys: keys(now, id, 'load-test-runner', [{ age: 320, used: 90, service: 'ec2' }]),
        serviceLastAccessed: usage(now, { ec2: 90 }),
      },
      person(now, id, 'sofia.lindqvist', { mfa: true, lastLogin: 0, groups: ['developers'] }),
      ...teamServiceUsers(now, id, 'staging', 2),
    ],
    roles: [
      orgAccessRole(now),
      {
        name: 'github-actions-staging',
        createdAt: daysAgo(now, 120),
        trustPolicy: trustGithub(id, 'repo:orbital-freight/*'),
        attachedPolicies: [aws('PowerUserAccess')],
        lastUsedAt: daysAgo(now, 0),
        serviceLastAccessed: usage(now, { ecs: 0, s3: 0 }),
      },
      {
        name: 'qa-vendor-access',
        createdAt: daysAgo(now, 260),
        trustPolicy: trustAccount('555566667777'),
        attachedPolicies: [aws('ReadOnlyAccess')],
        lastUsedAt: daysAgo(now, 140),
        serviceLastAccessed: usage(now, { s3: 140 }),
      },
      serviceLinked(
        now,
        'AWSServiceRoleForECS',
        'ecs.amazonaws.com',
        'AmazonECSServiceRolePolicy',
        900,
        0,
      ),
      serviceLinked(
        now,
        'AWSServiceRoleForSupport',
        'support.amazonaws.com',
        'AWSSupportServiceRolePolicy',
        1000,
        null,
      ),
    ],
  };
}

function sandbox(now: Date): EstateAccount {
  const id = A.sandbox.id;
  return {
    id,
    name: A.sandbox.name,
    alias: A.sandbox.name,
    email: `aws-sandbox@${COMPANY.domain}`,
    joinedAt: daysAgo(now, 700),
    root: { createdAt: daysAgo(now, 700), mfaActive: true, passwordLastUsed: null },
    groups: baseGroups(now),
    policies: [],
    users: [
      {
        name: 'hackathon-bot',
        createdAt: daysAgo(now, 420),
        attachedPolicies: [aws('AdministratorAccess')],
        accessKeys: keys(now, id, 'hackathon-bot', [{ age: 415, used: 380 }]),
        serviceLastAccessed: usage(now, { s3: 380, lambda: 380 }),
      },
      {
        name: 'ml-experiments',
        createdAt: daysAgo(now, 200),
        tags: { team: 'data' },
        attachedPolicies: [aws('AmazonS3FullAccess')],
        inlinePolicies: [{ name: 'sagemaker', document: allow(['sagemaker:*']) }],
        accessKeys: keys(now, id, 'ml-experiments', [
          { age: 190, used: 8 },
          { age: 60, used: null },
        ]),
        serviceLastAccessed: usage(now, { s3: 8 }),
      },
      person(now, id, 'lucas.moreau', {
        mfa: false,
        lastLogin: 20,
        groups: ['admins'],
        key: [{ age: 35, used: 20 }],
      }),
      ...teamServiceUsers(now, id, 'sandbox', 3),
    ],
    roles: [
      orgAccessRole(now),
      {
        name: 'sandbox-anyone-admin',
        createdAt: daysAgo(now, 90),
        description: 'Temporary cross-account access for a contractor',
        trustPolicy: trustAccount('123412341234'),
        attachedPolicies: [aws('AdministratorAccess')],
        lastUsedAt: daysAgo(now, 70),
        serviceLastAccessed: usage(now, { ec2: 70 }),
      },
      serviceLinked(
        now,
        'AWSServiceRoleForSupport',
        'support.amazonaws.com',
        'AWSSupportServiceRolePolicy',
        700,
        null,
      ),
    ],
  };
}

export function buildAwsDemoEstate(now: Date): AwsEstate {
  return {
    managementAccountId: A.management.id,
    accounts: [management(now), prod(now), staging(now), sandbox(now)],
    callers: [DEMO_CALLER],
  };
}
