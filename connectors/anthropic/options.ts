/**
 * The anthropic provider's options: the config file's `anthropic` section and the CLI flags,
 * declared once. The core validates them (file:line:col for the config file), builds the
 * flags and the JSON Schema from them, and hands the connector the parsed result.
 */
import { z } from 'zod';
import { defineOptions, type ProviderId } from '../../src/connector/index.js';

export const options = defineOptions({
  provider: 'anthropic',
  shape: {
    baseUrl: z
      .string()
      .url()
      .optional()
      .describe('API root (default: $ANTHROPIC_BASE_URL, else https://api.anthropic.example)'),
    projects: z
      .array(z.string().min(1))
      .optional()
      .describe('Projects to scan (default: every project the token can see)'),
    concurrency: z.number().int().min(1).max(32).default(4).describe('Projects scanned at once'),
  },
  flags: [
    {
      flag: '--anthropic-project <id...>',
      key: 'projects',
      description: 'Anthropic: project(s) to scan',
    },
  ],
});

export type AnthropicOptions = z.infer<typeof options.schema>;

/** The provider id (a anthropic copied by `npm run new-connector` is listed, so this holds). */
export const PROVIDER = options.provider as ProviderId;
