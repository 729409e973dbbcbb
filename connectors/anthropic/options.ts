/**
 * The Anthropic connector's options: the config file's `anthropic` section and the CLI flags,
 * declared once. Credentials are never options: each organization's Admin API key comes from
 * an environment variable (`ANTHROPIC_ADMIN_KEY` by default, `keyEnv` per organization).
 */
import { z } from 'zod';
import { defineOptions, type ProviderId } from '../../src/connector/index.js';

const organization = z
  .object({
    name: z.string().min(1).optional().describe('Display name (default: the name the API reports)'),
    keyEnv: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name')
      .default('ANTHROPIC_ADMIN_KEY')
      .describe("Environment variable holding this organization's Admin API key"),
  })
  .strict();

export const options = defineOptions({
  provider: 'anthropic',
  shape: {
    baseUrl: z
      .string()
      .url()
      .optional()
      .describe('API root (default: $ANTHROPIC_BASE_URL, else https://api.anthropic.com)'),
    organizations: z
      .array(organization)
      .min(1)
      .optional()
      .describe(
        'Organizations to scan, one Admin API key each (default: one, keyed by $ANTHROPIC_ADMIN_KEY)',
      ),
    usageWindowDays: z
      .number()
      .int()
      .min(1)
      .max(365)
      .default(180)
      .describe(
        'Days of the Messages usage report read to find when each key was last used (the Admin API has no last-used field)',
      ),
    pageSize: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .default(100)
      .describe('Objects per page (the API allows 1-1000)'),
  },
  flags: [
    {
      flag: '--anthropic-base-url <url>',
      key: 'baseUrl',
      description: 'Anthropic: API root (env ANTHROPIC_BASE_URL)',
    },
  ],
});

export type AnthropicOptions = z.infer<typeof options.schema>;
export type OrganizationOption = z.infer<typeof organization>;

/** The provider id (listed in src/model/providers.ts). */
export const PROVIDER = options.provider as ProviderId;
