/**
 * The AWS connector's options (config file section `aws` plus CLI flags), validated once so a
 * typo is a one-line user error instead of a surprise deep in a scan.
 */
import { z } from 'zod';
import { UserError } from '../../src/connector/index.js';

const optionsSchema = z
  .object({
    profile: z.string().min(1).optional(),
    region: z.string().min(1).optional(),
    endpoint: z.string().url().optional(),
    allAccounts: z.boolean().optional(),
    accounts: z.array(z.string().regex(/^\d{12}$/, 'an AWS account id has 12 digits')).optional(),
    roleName: z.string().min(1).optional(),
    externalId: z.string().min(1).optional(),
    accessAdvisor: z.boolean().optional(),
    concurrency: z.number().int().min(1).max(64).optional(),
    accountConcurrency: z.number().int().min(1).max(32).optional(),
    maxAttempts: z.number().int().min(1).max(20).optional(),
    retryMode: z.enum(['standard', 'adaptive']).optional(),
    pageSize: z.number().int().min(1).max(1000).optional(),
    pollIntervalMs: z.number().int().min(0).optional(),
    pollTimeoutMs: z.number().int().min(1).optional(),
  })
  .passthrough();

export type AwsOptions = z.infer<typeof optionsSchema>;

export interface AwsSettings {
  profile: string | undefined;
  region: string;
  endpoints: { iam?: string; sts?: string; organizations?: string; secretsManager?: string };
  allAccounts: boolean;
  accounts: string[] | undefined;
  roleName: string;
  externalId: string | undefined;
  accessAdvisor: boolean;
  concurrency: number;
  accountConcurrency: number;
  maxAttempts: number;
  retryMode: 'standard' | 'adaptive';
  pageSize: number | undefined;
  pollIntervalMs: number;
  pollTimeoutMs: number;
}

export function resolveSettings(
  options: Record<string, unknown>,
  env: Readonly<Record<string, string | undefined>>,
): AwsSettings {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UserError(`aws option '${issue.path.join('.')}': ${issue.message}`);
  }
  const o = parsed.data;
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
    },
    allAccounts: o.allAccounts ?? false,
    accounts: o.accounts,
    roleName: o.roleName ?? 'OrganizationAccountAccessRole',
    externalId: o.externalId,
    accessAdvisor: o.accessAdvisor ?? true,
    concurrency: o.concurrency ?? 8,
    accountConcurrency: o.accountConcurrency ?? 4,
    maxAttempts: o.maxAttempts ?? 5,
    retryMode: o.retryMode ?? 'adaptive',
    pageSize: o.pageSize,
    pollIntervalMs: o.pollIntervalMs ?? 2000,
    pollTimeoutMs: o.pollTimeoutMs ?? 300_000,
  };
}
