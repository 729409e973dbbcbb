/** The demo's production account: deploy automation, the ML platform, partner and vendor roles. */
import { COMPANY, daysAgo } from '../../../fixtures/demo/company.js';
import type { EstateAccount } from './estate.js';
import {
  A,
  allow,
  aws,
  baseGroups,
  keys,
  orgAccessRole,
  person,
  serviceCredentials,
  serviceLinked,
  teamServiceUsers,
  trustAccount,
  trustGithub,
  trustService,
  usage,
} from './demo-kit.js';

export function prod(now: Date): EstateAccount {
  const id = A.prod.id;
  return {
    id,
    name: A.prod.name,
    alias: A.prod.name,
    email: `aws-prod@${COMPANY.domain}`,
    joinedAt: daysAgo(now, 1400),
    root: { createdAt: daysAgo(now, 1400), mfaActive: true, passwordLastUsed: null },
    groups: baseGroups(now),
    policies: [
      {
        name: 'DeployServices',
        createdAt: daysAgo(now, 600),
        updatedAt: daysAgo(now, 30),
        document: allow([
          'ecs:UpdateService',
          'ecs:Describe*',
          'ecr:GetAuthorizationToken',
          'ecr:BatchGetImage',
          'iam:PassRole',
        ]),
      },
      {
        name: 'BackupWriter',
        createdAt: daysAgo(now, 700),
        document: allow(
          ['s3:PutObject', 's3:GetObject', 's3:ListBucket', 'kms:GenerateDataKey'],
          ['arn:aws:s3:::orbital-backups', 'arn:aws:s3:::orbital-backups/*'],
        ),
      },
    ],
    users: [
      {
        name: 'ci-deployer',
        path: '/automation/',
        createdAt: daysAgo(now, 600),
        tags: { owner: 'platform', repo: 'orbital-freight/deploy' },
        attachedPolicies: [`arn:aws:iam::${id}:policy/DeployServices`],
        // Two active keys: the rotation that was never finished.
        accessKeys: keys(now, id, 'ci-deployer', [
          { age: 210, used: 1, service: 'ecs' },
          { age: 4, used: 0, service: 'ecs' },
        ]),
        serviceLastAccessed: usage(now, { ecs: 0, ecr: 0 }),
      },
      {
        name: 'terraform-prod',
        path: '/automation/',
        createdAt: daysAgo(now, 1100),
        tags: { owner: 'platform' },
        attachedPolicies: [aws('AdministratorAccess')],
        accessKeys: keys(now, id, 'terraform-prod', [{ age: 420, used: 2, service: 'ec2' }]),
        serviceLastAccessed: usage(now, { ec2: 2, s3: 2, iam: 5, rds: 9 }),
      },
      {
        name: 'backup-agent',
        createdAt: daysAgo(now, 800),
        tags: { team: 'data' },
        attachedPolicies: [`arn:aws:iam::${id}:policy/BackupWriter`, aws('AmazonEC2FullAccess')],
        accessKeys: keys(now, id, 'backup-agent', [{ age: 130, used: 0 }]),
        serviceLastAccessed: usage(now, { s3: 0, kms: 0 }),
      },
      {
        name: 'legacy-reporting',
        createdAt: daysAgo(now, 1300),
        tags: { team: 'logistics' },
        attachedPolicies: [aws('AmazonS3FullAccess')],
        accessKeys: keys(now, id, 'legacy-reporting', [
          { age: 900, used: 500, status: 'Inactive' },
        ]),
        serviceLastAccessed: usage(now, { s3: 500 }),
      },
      {
        name: 'payments-batch',
        createdAt: daysAgo(now, 250),
        tags: { team: 'payments' },
        attachedPolicies: [aws('AmazonDynamoDBFullAccess'), aws('AmazonSQSFullAccess')],
        accessKeys: keys(now, id, 'payments-batch', [{ age: 240, used: null }]),
      },
      {
        name: 'mobile-push',
        createdAt: daysAgo(now, 400),
        tags: { team: 'mobile' },
        inlinePolicies: [
          { name: 'push', document: allow(['sns:Publish', 'sns:CreatePlatformEndpoint']) },
        ],
        accessKeys: keys(now, id, 'mobile-push', [{ age: 390, used: 60, service: 'sns' }]),
        serviceLastAccessed: usage(now, { sns: 60 }),
      },
      {
        name: 'svc-admin-emergency',
        createdAt: daysAgo(now, 700),
        tags: {},
        passwordEnabled: true,
        passwordLastUsed: daysAgo(now, 12),
        passwordLastChanged: daysAgo(now, 700),
        mfaActive: false,
        groups: ['admins'],
        accessKeys: keys(now, id, 'svc-admin-emergency', [{ age: 690, used: 12, service: 'iam' }]),
        serviceLastAccessed: usage(now, { iam: 12, s3: 12 }),
      },
      {
        // The ML platform's inference service: a long-term Bedrock API key that never expires.
        name: 'ml-inference',
        path: '/ml/',
        createdAt: daysAgo(now, 230),
        tags: { team: 'data', owner: 'mei.tanaka' },
        inlinePolicies: [
          {
            name: 'invoke-models',
            document: allow(['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream']),
          },
        ],
        serviceCredentials: serviceCredentials(now, id, 'ml-inference', [
          { service: 'bedrock', age: 220 },
        ]),
        serviceLastAccessed: usage(now, { bedrock: 0 }),
      },
      {
        // Model evaluation jobs: a 30-day Bedrock API key, 20 days from expiry.
        name: 'ml-eval',
        path: '/ml/',
        createdAt: daysAgo(now, 120),
        tags: { team: 'data' },
        inlinePolicies: [{ name: 'invoke-models', document: allow(['bedrock:InvokeModel']) }],
        serviceCredentials: serviceCredentials(now, id, 'ml-eval', [
          { service: 'bedrock', age: 10, expiresIn: 20 },
        ]),
        serviceLastAccessed: usage(now, { bedrock: 1 }),
      },
      {
        // Mirrors release repositories into CodeCommit over HTTPS Git credentials.
        name: 'release-mirror',
        createdAt: daysAgo(now, 500),
        tags: { team: 'platform' },
        inlinePolicies: [
          { name: 'push', document: allow(['codecommit:GitPull', 'codecommit:GitPush']) },
        ],
        serviceCredentials: serviceCredentials(now, id, 'release-mirror', [
          { service: 'codecommit', age: 480 },
          { service: 'codecommit', age: 35, status: 'Inactive' },
        ]),
        serviceLastAccessed: usage(now, { codecommit: 3 }),
      },
      person(now, id, 'mei.tanaka', { mfa: true, lastLogin: 2, groups: ['developers'] }),
      person(now, id, 'ravi.patel', {
        mfa: true,
        lastLogin: 130,
        groups: ['admins'],
        key: [{ age: 300, used: 130 }],
      }),
      ...teamServiceUsers(now, id, 'prod', 1),
    ],
    roles: [
      orgAccessRole(now),
      {
        name: 'github-actions-deploy',
        createdAt: daysAgo(now, 150),
        description: 'Deploys from GitHub Actions',
        // No sub condition: any repository on GitHub can assume this role.
        trustPolicy: trustGithub(id),
        attachedPolicies: [`arn:aws:iam::${id}:policy/DeployServices`],
        lastUsedAt: daysAgo(now, 0),
        serviceLastAccessed: usage(now, { ecs: 0, ecr: 0 }),
      },
      {
        name: 'partner-logistics-access',
        createdAt: daysAgo(now, 500),
        description: 'Freight partner reads shipment manifests',
        trustPolicy: trustAccount('777788889999'),
        inlinePolicies: [
          {
            name: 'manifests',
            document: allow(
              ['s3:GetObject', 's3:ListBucket'],
              ['arn:aws:s3:::orbital-manifests', 'arn:aws:s3:::orbital-manifests/*'],
            ),
          },
        ],
        lastUsedAt: daysAgo(now, 5),
        serviceLastAccessed: usage(now, { s3: 5 }),
      },
      {
        name: 'datadog-integration',
        createdAt: daysAgo(now, 700),
        trustPolicy: trustAccount('464622532012', 'dd-orbital-3f9a'),
        attachedPolicies: [aws('ReadOnlyAccess')],
        lastUsedAt: daysAgo(now, 0),
        serviceLastAccessed: usage(now, { cloudwatch: 0, ec2: 0 }),
      },
      {
        name: 'tracking-api-task',
        path: '/ecs/',
        createdAt: daysAgo(now, 300),
        trustPolicy: trustService('ecs-tasks.amazonaws.com'),
        inlinePolicies: [
          {
            name: 'tables',
            document: allow(['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem']),
          },
        ],
        lastUsedAt: daysAgo(now, 0),
        serviceLastAccessed: usage(now, { dynamodb: 0 }),
      },
      {
        name: 'invoice-renderer-lambda',
        createdAt: daysAgo(now, 450),
        trustPolicy: trustService('lambda.amazonaws.com'),
        attachedPolicies: [aws('AWSLambdaBasicExecutionRole'), aws('AmazonS3FullAccess')],
        lastUsedAt: daysAgo(now, 210),
        serviceLastAccessed: usage(now, { logs: 210, s3: 210 }),
      },
      {
        name: 'old-migration-admin',
        createdAt: daysAgo(now, 800),
        trustPolicy: trustAccount(id),
        attachedPolicies: [aws('AdministratorAccess')],
        lastUsedAt: null,
      },
      serviceLinked(
        now,
        'AWSServiceRoleForRDS',
        'rds.amazonaws.com',
        'AmazonRDSServiceRolePolicy',
        1000,
        0,
      ),
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
        'AWSServiceRoleForElasticLoadBalancing',
        'elasticloadbalancing.amazonaws.com',
        'AWSElasticLoadBalancingServiceRolePolicy',
        900,
        0,
      ),
      serviceLinked(
        now,
        'AWSServiceRoleForSupport',
        'support.amazonaws.com',
        'AWSSupportServiceRolePolicy',
        1400,
        null,
      ),
    ],
  };
}
