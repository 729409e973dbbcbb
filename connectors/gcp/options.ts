/**
 * The GCP section of the config file (ctx.options) and the environment overrides, validated
 * once. Precedence for endpoints: options.rootUrls > NHI_GCP_<API>_ROOT_URL > NHI_GCP_ROOT_URL
 * > Google's public hosts.
 */
import { z } from 'zod';
import { UserError, defineOptions, parseOptions } from '../../src/connector/index.js';

export const PROVIDER = 'gcp';

const url = z.url({ protocol: /^https?$/ });

/** The Google hosts nhi talks to; every request is pinned to these origins (as configured). */
export const DEFAULT_ROOT_URLS = {
  iam: 'https://iam.googleapis.com/',
  cloudresourcemanager: 'https://cloudresourcemanager.googleapis.com/',
  policyanalyzer: 'https://policyanalyzer.googleapis.com/',
  recommender: 'https://recommender.googleapis.com/',
  apikeys: 'https://apikeys.googleapis.com/',
  /** OAuth 2.0 token endpoint (service-account key and user credentials exchange tokens here). */
  oauth2: 'https://oauth2.googleapis.com/',
};
export type RootUrls = Record<keyof typeof DEFAULT_ROOT_URLS, string>;

export const options = defineOptions({
  provider: PROVIDER,
  shape: {
    projects: z
      .union([z.array(z.string().min(1)), z.string().min(1)])
      .optional()
      .describe('Project ids to scan (a list, or a comma-separated string)'),
    organization: z
      .union([z.string().min(1), z.number()])
      .optional()
      .describe('Scan every project of this organization (id)'),
    folder: z
      .union([z.string().min(1), z.number()])
      .optional()
      .describe('Scan every project under this folder (id)'),
    rootUrls: z
      .object({
        iam: url.optional(),
        cloudresourcemanager: url.optional(),
        policyanalyzer: url.optional(),
        recommender: url.optional(),
        apikeys: url.optional(),
        oauth2: url.optional(),
      })
      .strict()
      .optional()
      .describe(
        'API roots per Google API, oauth2 for the token endpoint (default: NHI_GCP_<API>_ROOT_URL, NHI_GCP_ROOT_URL); no request leaves these origins',
      ),
    concurrency: z
      .number()
      .int()
      .min(1)
      .max(32)
      .optional()
      .describe('Requests in flight at once across the scan (default 8)'),
    retry: z
      .object({
        maxRetries: z.number().int().min(0).max(20).optional(),
        baseDelayMs: z.number().min(0).optional(),
        maxDelayMs: z.number().min(0).optional(),
      })
      .strict()
      .optional()
      .describe(
        'Backoff on throttling, 5xx, timeouts and dropped connections; maxRetries (the older spelling of maxAttempts - 1) wins over maxAttempts when set',
      ),
    apiKeys: z.boolean().optional().describe('Inventory API keys (API Keys API)'),
    recommender: z.boolean().optional().describe('Read IAM Recommender for unused roles'),
  },
  flags: [
    { flag: '--gcp-project <id...>', key: 'projects', description: 'GCP project(s) to scan' },
    {
      flag: '--gcp-organization <id>',
      key: 'organization',
      description: 'GCP: scan every project of the organization',
    },
  ],
});

export interface GcpOptions {
  projects: string[] | null;
  /** organizations/{id} */
  organization: string | null;
  /** folders/{id} */
  folder: string | null;
  rootUrls: RootUrls;
  concurrency: number;
  retry: { baseDelayMs: number; maxDelayMs: number };
  /** Attempts per request, the first included. */
  maxAttempts: number;
  timeoutMs: number;
  apiKeys: boolean;
  recommender: boolean;
}

const ENV_ROOTS: RootUrls = {
  iam: 'NHI_GCP_IAM_ROOT_URL',
  cloudresourcemanager: 'NHI_GCP_RESOURCEMANAGER_ROOT_URL',
  policyanalyzer: 'NHI_GCP_POLICYANALYZER_ROOT_URL',
  recommender: 'NHI_GCP_RECOMMENDER_ROOT_URL',
  apikeys: 'NHI_GCP_APIKEYS_ROOT_URL',
  oauth2: 'NHI_GCP_OAUTH2_ROOT_URL',
};

export function parseGcpOptions(
  raw: Record<string, unknown>,
  env: Readonly<Record<string, string | undefined>>,
): GcpOptions {
  const o = parseOptions(options, raw);
  if (o.organization !== undefined && o.folder !== undefined) {
    throw new UserError('gcp: set either organization or folder, not both');
  }
  const projects =
    o.projects === undefined
      ? null
      : (Array.isArray(o.projects) ? o.projects : o.projects.split(','))
          .map((p) => p.trim().replace(/^projects\//, ''))
          .filter(Boolean);

  const rootUrls = { ...DEFAULT_ROOT_URLS };
  for (const api of Object.keys(rootUrls) as (keyof RootUrls)[]) {
    const fromEnv = env[ENV_ROOTS[api]] || env.NHI_GCP_ROOT_URL;
    const chosen = o.rootUrls?.[api] ?? fromEnv;
    if (chosen) {
      if (!url.safeParse(chosen).success) {
        throw new UserError(`gcp: ${ENV_ROOTS[api]} / NHI_GCP_ROOT_URL is not an http(s) URL`);
      }
      rootUrls[api] = chosen;
    }
  }

  return {
    projects: projects && projects.length ? [...new Set(projects)] : null,
    organization:
      o.organization === undefined
        ? null
        : `organizations/${String(o.organization).replace(/^organizations\//, '')}`,
    folder: o.folder === undefined ? null : `folders/${String(o.folder).replace(/^folders\//, '')}`,
    rootUrls,
    concurrency: o.concurrency ?? 8,
    retry: { baseDelayMs: o.retry?.baseDelayMs ?? 500, maxDelayMs: o.retry?.maxDelayMs ?? 20_000 },
    // The core applies maxAttempts' default before the connector sees the options, so the
    // older retry.maxRetries can only win when it is set.
    maxAttempts: o.retry?.maxRetries !== undefined ? o.retry.maxRetries + 1 : o.maxAttempts,
    timeoutMs: o.timeoutMs,
    apiKeys: o.apiKeys ?? true,
    recommender: o.recommender ?? true,
  };
}
