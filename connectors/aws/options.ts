/**
 * The AWS connector's options (config file section `aws` plus CLI flags), validated once so a
 * typo is a one-line user error instead of a surprise deep in a scan.
 */
import { z } from 'zod';
import { defineOptions, parseOptions } from '../../src/connector/index.js';

export const options = defineOptions({
  provider: 'aws',
  shape: {
    profile: z.string().min(1).optional().describe('Named profile (default: the standard chain)'),
    region: z
      .string()
      .min(1)
      .optional()
      .describe('Region for STS and Organizations (default: AWS_REGION, else us-east-1)'),
    endpoint: z
      .string()
      .url()
      .optional()
      .describe(
        'One endpoint for every AWS API (default: AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL)',
      ),
    allAccounts: z
      .boolean()
      .optional()
      .describe('Scan every account of the organization through AssumeRole'),
    accounts: z
      .array(z.string().regex(/^\d{12}$/, 'an AWS account id has 12 digits'))
      .optional()
      .describe('Only these member accounts (with allAccounts)'),
    roleName: z
      .string()
      .min(1)
      .optional()
      .describe('Role assumed in member accounts (default: OrganizationAccountAccessRole)'),
    externalId: z.string().min(1).optional().describe('ExternalId passed to AssumeRole'),
    accessAdvisor: z
      .boolean()
      .optional()
      .describe('Read service last-accessed data (Access Advisor) for unused-permission findings'),
    serviceCredentials: z
      .boolean()
      .optional()
      .describe(
        'List every user’s service-specific credentials (Bedrock API keys, CodeCommit, Keyspaces): one call per user',
      ),
    cloudTrail: z
      .boolean()
      .optional()
      .describe(
        'Read who created users, roles and access keys from CloudTrail LookupEvents (90 days; a denied call is a gap)',
      ),
    cloudTrailPages: z
      .number()
      .int()
      .min(1)
      .max(100)
      .optional()
      .describe('At most this many LookupEvents pages (50 events) per event name and account'),
    concurrency: z.number().int().min(1).max(64).optional().describe('Parallel calls per account'),
    accountConcurrency: z
      .number()
      .int()
      .min(1)
      .max(32)
      .optional()
      .describe('Accounts scanned at once'),
    retryMode: z.enum(['standard', 'adaptive']).optional().describe("The SDK's retry mode"),
    pageSize: z.number().int().min(1).max(1000).optional().describe('MaxItems per page'),
    pollIntervalMs: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe('Wait between polls of asynchronous reports'),
    pollTimeoutMs: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe('Give up on an asynchronous report after this long'),
  },
  flags: [
    {
      flag: '--profile <name>',
      key: 'profile',
      description: 'AWS profile (default chain otherwise)',
    },
    { flag: '--region <region>', key: 'region', description: 'AWS region for STS/Organizations' },
    {
      flag: '--all-accounts',
      key: 'allAccounts',
      description: 'AWS: scan every account of the organization',
    },
    {
      flag: '--role-name <name>',
      key: 'roleName',
      description: 'AWS: role to assume in member accounts',
    },
  ],
});

export type AwsOptions = z.infer<typeof options.schema>;

export interface AwsSettings {
  profile: string | undefined;
  region: string;
  endpoints: {
    iam?: string;
    sts?: string;
    organizations?: string;
    secretsManager?: string;
    cloudtrail?: string;
  };
  allAccounts: boolean;
  accounts: string[] | undefined;
  roleName: string;
  externalId: string | undefined;
  accessAdvisor: boolean;
  serviceCredentials: boolean;
  cloudTrail: boolean;
  cloudTrailPages: number;
  /** Spacing between LookupEvents requests of one account (AWS allows 2 per second per region). */
  cloudTrailIntervalMs: number;
  concurrency: number;
  accountConcurrency: number;
  maxAttempts: number;
  timeoutMs: number;
  retryMode: 'standard' | 'adaptive';
  pageSize: number | undefined;
  pollIntervalMs: number;
  pollTimeoutMs: number;
}

export function resolveSettings(
  raw: Record<string, unknown>,
  env: Readonly<Record<string, string | undefined>>,
): AwsSettings {
  const o = parseOptions(options, raw);
  // Explicit option first, then the SDK's standard service-specific and global variables.
  const endpoint = (specific: string) => o.endpoint ?? env[specific] ?? env.AWS_ENDPOINT_URL;
  return {
    profile: o.profile,
    region: o.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    endpoints: {
      iam: endpoint('AWS_ENDPOINT_URL_IAM'),
      sts: endpoint('AWS_ENDPOINT_URL_STS'),
      organizations: endpoint('AWS_ENDPOINT_URL_ORGANIZATIONS'),
      secretsManager: endpoint('AWS_ENDPOINT_URL_SECRETS_MANAGER'),
      cloudtrail: endpoint('AWS_ENDPOINT_URL_CLOUDTRAIL'),
    },
    allAccounts: o.allAccounts ?? false,
    accounts: o.accounts,
    roleName: o.roleName ?? 'OrganizationAccountAccessRole',
    externalId: o.externalId,
    accessAdvisor: o.accessAdvisor ?? true,
    serviceCredentials: o.serviceCredentials ?? true,
    cloudTrail: o.cloudTrail ?? true,
    cloudTrailPages: o.cloudTrailPages ?? 3,
    cloudTrailIntervalMs: 500,
    concurrency: o.concurrency ?? 8,
    accountConcurrency: o.accountConcurrency ?? 4,
    maxAttempts: o.maxAttempts,
    timeoutMs: o.timeoutMs,
    retryMode: o.retryMode ?? 'adaptive',
    pageSize: o.pageSize,
    pollIntervalMs: o.pollIntervalMs ?? 2000,
    pollTimeoutMs: o.pollTimeoutMs ?? 300_000,
  };
}
