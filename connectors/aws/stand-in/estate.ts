/**
 * The estate a stand-in serves: plain data (dates as ISO strings) that fixtures build and the
 * server mutates in memory. Shapes follow IAM's own vocabulary so a fixture reads like the
 * console; the server turns them into the documented wire formats.
 */

export interface EstatePolicyDocument {
  Version?: string;
  Statement: Record<string, unknown>[] | Record<string, unknown>;
}

export interface EstateInlinePolicy {
  name: string;
  document: EstatePolicyDocument;
  /** The exact text last written (Put…Policy); absent: `document` as JSON. */
  text?: string;
}

/** One version of a customer managed policy, its text exactly as written. */
export interface EstatePolicyVersion {
  id: string;
  text: string;
  createdAt: string;
}

export interface EstateAccessKey {
  id: string;
  /** Only the stand-in knows it; returned once by CreateAccessKey, never by a read call. */
  secret?: string;
  status: 'Active' | 'Inactive';
  createdAt: string;
  /** null/undefined = never used. */
  lastUsedAt?: string | null;
  lastUsedService?: string;
  lastUsedRegion?: string;
}

/**
 * A service-specific credential (ListServiceSpecificCredentials): a Bedrock or CloudWatch Logs
 * API key, CodeCommit HTTPS Git credentials, Amazon Keyspaces credentials.
 */
export interface EstateServiceCredential {
  /** ACCA… */
  id: string;
  /** 'bedrock.amazonaws.com', 'codecommit.amazonaws.com', 'cassandra.amazonaws.com'… */
  serviceName: string;
  status: 'Active' | 'Inactive' | 'Expired';
  createdAt: string;
  /** Bedrock and CloudWatch Logs API keys created with an expiry; null/undefined = none. */
  expiresAt?: string | null;
  /** CodeCommit and Keyspaces: the generated user name (`<user>-at-<account>`). */
  serviceUserName?: string;
  /** Bedrock and CloudWatch Logs API keys: the public part of the key. */
  serviceCredentialAlias?: string;
}

/** Access Advisor data: service namespace -> last authenticated (ISO). */
export type EstateServiceUsage = Record<string, string>;

export interface EstateUser {
  name: string;
  path?: string;
  id?: string;
  createdAt: string;
  tags?: Record<string, string>;
  passwordEnabled?: boolean;
  passwordLastUsed?: string | null;
  passwordLastChanged?: string | null;
  mfaActive?: boolean;
  groups?: string[];
  inlinePolicies?: EstateInlinePolicy[];
  /** Managed policy ARNs (customer or AWS managed). */
  attachedPolicies?: string[];
  accessKeys?: EstateAccessKey[];
  serviceCredentials?: EstateServiceCredential[];
  serviceLastAccessed?: EstateServiceUsage;
}

export interface EstateRole {
  name: string;
  path?: string;
  id?: string;
  createdAt: string;
  description?: string;
  tags?: Record<string, string>;
  trustPolicy: EstatePolicyDocument;
  inlinePolicies?: EstateInlinePolicy[];
  attachedPolicies?: string[];
  lastUsedAt?: string | null;
  lastUsedRegion?: string;
  maxSessionDuration?: number;
  serviceLastAccessed?: EstateServiceUsage;
}

export interface EstateGroup {
  name: string;
  path?: string;
  createdAt: string;
  inlinePolicies?: EstateInlinePolicy[];
  attachedPolicies?: string[];
}

export interface EstateManagedPolicy {
  name: string;
  path?: string;
  createdAt: string;
  updatedAt?: string;
  /** The default version's document. */
  document: EstatePolicyDocument;
  description?: string;
  /** Absent until a version is created: one version, v1, of `document`. */
  versions?: EstatePolicyVersion[];
  defaultVersion?: string;
}

export interface EstateRoot {
  createdAt: string;
  mfaActive: boolean;
  passwordLastUsed?: string | null;
  accessKeys?: EstateAccessKey[];
}

export interface EstateAccount {
  id: string;
  name: string;
  email?: string;
  alias?: string;
  state?: 'ACTIVE' | 'SUSPENDED' | 'PENDING_CLOSURE' | 'CLOSED';
  joinedAt?: string;
  root: EstateRoot;
  users: EstateUser[];
  roles: EstateRole[];
  groups: EstateGroup[];
  /** Customer managed policies of this account (AWS managed ones are built into the stand-in). */
  policies: EstateManagedPolicy[];
  /** CloudTrail management events (LookupEvents serves those of the last 90 days). */
  cloudTrailEvents?: EstateTrailEvent[];
}

/** One CloudTrail management event, as LookupEvents lists it. */
export interface EstateTrailEvent {
  eventId: string;
  eventName: string;
  eventTime: string;
  /** Who made the call: an IAM user name, or a role session's name. */
  username: string;
  /** The caller's ARN, for the event's `userIdentity`. */
  userArn: string;
  accessKeyId?: string;
  resources: { type: string; name: string }[];
  requestParameters?: Record<string, unknown>;
  responseElements?: Record<string, unknown> | null;
}

/** Static credentials the stand-in accepts as callers (the "AWS_ACCESS_KEY_ID" of a test). */
export interface EstateCaller {
  accessKeyId: string;
  secretAccessKey: string;
  accountId: string;
  /** ARN the caller is, e.g. arn:aws:iam::111122223333:user/nhi-scanner. */
  arn: string;
}

export interface AwsEstate {
  /** Organizations management account; absent = the accounts are not in an organization. */
  managementAccountId?: string;
  accounts: EstateAccount[];
  callers: EstateCaller[];
}

/** AWS managed policies the stand-in knows (a small, representative subset of the real ones). */
export const AWS_MANAGED_POLICIES: Record<string, EstatePolicyDocument> = {
  AdministratorAccess: {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
  },
  PowerUserAccess: {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', NotAction: ['iam:*', 'organizations:*', 'account:*'], Resource: '*' },
      {
        Effect: 'Allow',
        Action: [
          'iam:CreateServiceLinkedRole',
          'iam:ListRoles',
          'organizations:DescribeOrganization',
        ],
        Resource: '*',
      },
    ],
  },
  ReadOnlyAccess: {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: [
          's3:Get*',
          's3:List*',
          'ec2:Describe*',
          'iam:Get*',
          'iam:List*',
          'cloudwatch:Get*',
          'logs:Get*',
        ],
        Resource: '*',
      },
    ],
  },
  AmazonS3FullAccess: {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: ['s3:*', 's3-object-lambda:*'], Resource: '*' }],
  },
  AmazonS3ReadOnlyAccess: {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: ['s3:Get*', 's3:List*', 's3:Describe*'], Resource: '*' },
    ],
  },
  AmazonEC2FullAccess: {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: ['ec2:*', 'elasticloadbalancing:*', 'autoscaling:*'],
        Resource: '*',
      },
    ],
  },
  AmazonEC2ReadOnlyAccess: {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: ['ec2:Describe*', 'elasticloadbalancing:Describe*'],
        Resource: '*',
      },
    ],
  },
  AmazonDynamoDBFullAccess: {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: ['dynamodb:*'], Resource: '*' }],
  },
  AmazonSQSFullAccess: {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: ['sqs:*'], Resource: '*' }],
  },
  SecurityAudit: {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: [
          'iam:GenerateCredentialReport',
          'iam:Get*',
          'iam:List*',
          'organizations:List*',
          'cloudtrail:Describe*',
        ],
        Resource: '*',
      },
    ],
  },
  AWSSupportServiceRolePolicy: {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: ['support:*', 'iam:GetRole'], Resource: '*' }],
  },
  AmazonRDSServiceRolePolicy: {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: ['ec2:DescribeInstances', 'logs:CreateLogGroup', 'logs:PutLogEvents'],
        Resource: '*',
      },
    ],
  },
  AWSOrganizationsServiceTrustPolicy: {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: ['iam:DeleteRole', 'iam:GetRole'], Resource: '*' }],
  },
  AmazonECSServiceRolePolicy: {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: [
          'ec2:AttachNetworkInterface',
          'ec2:Describe*',
          'elasticloadbalancing:RegisterTargets',
        ],
        Resource: '*',
      },
    ],
  },
  AWSElasticLoadBalancingServiceRolePolicy: {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: ['ec2:DescribeAddresses', 'ec2:CreateNetworkInterface'],
        Resource: '*',
      },
    ],
  },
  AWSLambdaBasicExecutionRole: {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: '*',
      },
    ],
  },
};

export function awsManagedArn(name: string): string {
  return `arn:aws:iam::aws:policy/${name}`;
}
