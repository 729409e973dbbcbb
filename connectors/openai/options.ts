/**
 * The OpenAI connector's options: the config file's `openai` section and the CLI flags,
 * declared once. Credentials are never options: each organization's admin key comes from an
 * environment variable (`OPENAI_ADMIN_KEY` by default, `keyEnv` per organization).
 */
import { z } from 'zod';
import { defineOptions, type ProviderId } from '../../src/connector/index.js';

const organization = z
  .object({
    id: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Organization id (org-…); default: $OPENAI_ORG_ID, else the openai-organization header the API answers with',
      ),
    name: z.string().min(1).optional().describe('Display name (default: the id)'),
    keyEnv: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name')
      .default('OPENAI_ADMIN_KEY')
      .describe("Environment variable holding this organization's admin API key"),
  })
  .strict();

export const options = defineOptions({
  provider: 'openai',
  shape: {
    baseUrl: z
      .string()
      .url()
      .optional()
      .describe('API root (default: $OPENAI_BASE_URL, else https://api.openai.com/v1)'),
    organizations: z
      .array(organization)
      .min(1)
      .optional()
      .describe(
        'Organizations to scan, one admin key each (default: one, keyed by $OPENAI_ADMIN_KEY)',
      ),
    pageSize: z
      .number()
      .int()
      .min(1)
      .max(100)
      .default(100)
      .describe('Objects per page (the API allows 1-100)'),
    concurrency: z.number().int().min(1).max(16).default(4).describe('Projects scanned at once'),
  },
  flags: [
    {
      flag: '--openai-base-url <url>',
      key: 'baseUrl',
      description: 'OpenAI: API root (env OPENAI_BASE_URL)',
    },
  ],
});

export type OpenaiOptions = z.infer<typeof options.schema>;
export type OrganizationOption = z.infer<typeof organization>;

/** The provider id (listed in src/model/providers.ts). */
export const PROVIDER = options.provider as ProviderId;
