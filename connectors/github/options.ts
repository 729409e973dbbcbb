/**
 * The GitHub connector's options (config file section `github` plus CLI flags). Credentials
 * are never options: the token comes from an environment variable, an App key from a file.
 */
import { z } from 'zod';
import { defineOptions } from '../../src/connector/index.js';

export const options = defineOptions({
  provider: 'github',
  shape: {
    orgs: z
      .union([z.array(z.string().trim().min(1)), z.string().trim().min(1)])
      .optional()
      .describe('Organization logins to scan (a list, or a comma-separated string)'),
    apiUrl: z
      .string()
      .url()
      .optional()
      .describe(
        'API root (default: $GITHUB_API_URL, else https://api.github.com); GHES: https://ghe.example.com/api/v3',
      ),
    tokenEnv: z
      .string()
      .min(1)
      .optional()
      .describe('Environment variable holding the token (default: GITHUB_TOKEN, then GH_TOKEN)'),
    appId: z
      .union([z.string().min(1), z.number().int().positive()])
      .optional()
      .describe('GitHub App id: authenticate as the App (default: $GITHUB_APP_ID)'),
    privateKeyPath: z
      .string()
      .min(1)
      .optional()
      .describe("File with the App's private key (default: $GITHUB_APP_PRIVATE_KEY_PATH)"),
    installationId: z
      .union([z.string().min(1), z.number().int().positive()])
      .optional()
      .describe('App installation to use (default: looked up per organization)'),
    concurrency: z
      .number()
      .int()
      .min(1)
      .max(64)
      .default(8)
      .describe('Requests in flight at once (repositories are scanned in parallel up to it)'),
    retryAfterBaseValue: z
      .number()
      .min(0)
      .default(1000)
      .describe(
        'Milliseconds per second of retry-after / rate-limit reset wait, and the scale of retry backoff (0.5 s at the default)',
      ),
  },
  flags: [
    { flag: '--github-org <org...>', key: 'orgs', description: 'GitHub organization(s) to scan' },
    {
      flag: '--github-api-url <url>',
      key: 'apiUrl',
      description: 'GitHub Enterprise Server API URL (env GITHUB_API_URL)',
    },
    {
      flag: '--github-token-env <name>',
      key: 'tokenEnv',
      description: 'environment variable holding the GitHub token (default GITHUB_TOKEN)',
    },
  ],
});

export type GitHubOptions = z.infer<typeof options.schema>;
