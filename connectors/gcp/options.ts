/**
 * The GCP section of the config file (ctx.options) and the environment overrides, validated
 * once. Precedence for endpoints: options.rootUrls > NHI_GCP_<API>_ROOT_URL > NHI_GCP_ROOT_URL
 * > Google's public hosts.
 */
import { z } from 'zod';
import { UserError } from '../../src/connector/index.js';
import { DEFAULT_RETRY, DEFAULT_ROOT_URLS, type RetrySettings, type RootUrls } from './client.js';

const url = z.url({ protocol: /^https?$/ });

const optionsSchema = z
  .object({
    projects: z.union([z.array(z.string().min(1)), z.string().min(1)]).optional(),
    organization: z.union([z.string().min(1), z.number()]).optional(),
    folder: z.union([z.string().min(1), z.number()]).optional(),
    rootUrls: z
      .object({
        iam: url.optional(),
        cloudresourcemanager: url.optional(),
        policyanalyzer: url.optional(),
        recommender: url.optional(),
        apikeys: url.optional(),
      })
      .strict()
      .optional(),
    concurrency: z.number().int().min(1).max(32).optional(),
    retry: z
      .object({
        maxRetries: z.number().int().min(0).max(20).optional(),
        baseDelayMs: z.number().min(0).optional(),
        maxDelayMs: z.number().min(0).optional(),
      })
      .strict()
      .optional(),
    apiKeys: z.boolean().optional(),
    recommender: z.boolean().optional(),
  })
  .passthrough();

export interface GcpOptions {
  projects: string[] | null;
  /** organizations/{id} */
  organization: string | null;
  /** folders/{id} */
  folder: string | null;
  rootUrls: RootUrls;
  concurrency: number;
  retry: RetrySettings;
  apiKeys: boolean;
  recommender: boolean;
}

const ENV_ROOTS: Record<keyof RootUrls, string> = {
  iam: 'NHI_GCP_IAM_ROOT_URL',
  cloudresourcemanager: 'NHI_GCP_RESOURCEMANAGER_ROOT_URL',
  policyanalyzer: 'NHI_GCP_POLICYANALYZER_ROOT_URL',
  recommender: 'NHI_GCP_RECOMMENDER_ROOT_URL',
  apikeys: 'NHI_GCP_APIKEYS_ROOT_URL',
};

export function parseGcpOptions(
  options: Record<string, unknown>,
  env: Readonly<Record<string, string | undefined>>,
): GcpOptions {
  const r = optionsSchema.safeParse(options);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new UserError(
      `gcp: invalid option ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`,
    );
  }
  const o = r.data;
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
    concurrency: o.concurrency ?? 4,
    retry: { ...DEFAULT_RETRY, ...o.retry },
    apiKeys: o.apiKeys ?? true,
    recommender: o.recommender ?? true,
  };
}
