/**
 * The Azure connector's options (config file section `azure` plus CLI flags). Endpoints are
 * https only: the Azure SDKs refuse bearer tokens over http.
 */
import { z } from 'zod';
import { defineOptions } from '../../src/connector/index.js';

export const httpsUrl = z
  .string()
  .url()
  .refine(
    (u) => u.startsWith('https://'),
    'must be an https:// URL (the Azure SDKs refuse bearer tokens over http)',
  )
  .transform((u) => u.replace(/\/+$/, ''));

/** CLI flags arrive as strings; config files as lists. Accept both. */
const stringList = z
  .union([z.array(z.string()), z.string()])
  .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter(Boolean));

export const options = defineOptions({
  provider: 'azure',
  shape: {
    tenantId: z.string().min(1).optional().describe('Tenant to scan (default: $AZURE_TENANT_ID)'),
    tenants: stringList
      .optional()
      .describe('Further tenants to scan with the same credential chain (one scope each)'),
    cloud: z
      .enum(['public', 'usgov', 'china'])
      .optional()
      .describe('National cloud whose endpoints to use (default: public)'),
    authorityHost: httpsUrl
      .optional()
      .describe("Entra authority (default: $AZURE_AUTHORITY_HOST, else the cloud's)"),
    graphEndpoint: httpsUrl.optional().describe("Microsoft Graph root (default: the cloud's)"),
    armEndpoint: httpsUrl.optional().describe("Azure Resource Manager root (default: the cloud's)"),
    subscriptions: stringList
      .optional()
      .describe('Subscriptions to scan for RBAC (default: every visible one)'),
    caFile: z
      .string()
      .min(1)
      .optional()
      .describe('Extra CA certificate (PEM file) to trust besides the public roots'),
    concurrency: z.coerce
      .number()
      .int()
      .min(1)
      .max(64)
      .optional()
      .describe('Parallel requests per tenant'),
    retry: z
      .object({
        maxRetries: z.coerce.number().int().min(0).max(20).optional(),
        retryDelayMs: z.coerce.number().int().min(0).optional(),
        maxRetryDelayMs: z.coerce.number().int().min(0).optional(),
      })
      .strict()
      .optional()
      .describe('Backoff on throttling and 5xx (core-rest-pipeline retry options)'),
    keyVaultUrls: z
      .record(z.string(), httpsUrl)
      .optional()
      .describe("Vault name -> URL, for vaults outside the cloud's usual https://<name>.<suffix>"),
    secretLifetimeDays: z.coerce
      .number()
      .int()
      .min(1)
      .max(730)
      .optional()
      .describe('Lifetime of client secrets created by rotation playbooks (default: 180)'),
  },
  flags: [
    {
      flag: '--azure-tenant <id>',
      key: 'tenantId',
      description: 'Azure tenant id (env AZURE_TENANT_ID)',
    },
    {
      flag: '--azure-subscription <id...>',
      key: 'subscriptions',
      description: 'Azure subscriptions to scan (default: all visible)',
    },
  ],
});
