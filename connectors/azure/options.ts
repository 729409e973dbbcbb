/**
 * The Azure connector's options (config file section `azure` plus CLI flags), and the settings
 * a scan, doctor and the playbook actions derive from them and the environment: national-cloud
 * endpoints, credentials' tenant, retries and timeouts. Endpoints are https only: the Azure
 * SDKs refuse bearer tokens over http.
 */
import { z } from 'zod';
import {
  UserError,
  defineOptions,
  parseOptions,
  type ProviderId,
} from '../../src/connector/index.js';

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
      .describe(
        'Extra CA certificate (PEM file) to trust besides the public roots (a TLS-inspecting proxy, the local stand-in)',
      ),
    concurrency: z.coerce
      .number()
      .int()
      .min(1)
      .max(64)
      .optional()
      .describe('Parallel requests per tenant (default 8)'),
    graphBatchSize: z.coerce
      .number()
      .int()
      .min(1)
      .max(20)
      .optional()
      .describe(
        'Per-object Graph reads sent together in one JSON batch ($batch; default 20, the most Graph takes; 1 sends each on its own)',
      ),
    retry: z
      .object({
        maxRetries: z.coerce.number().int().min(0).max(20).optional(),
        retryDelayMs: z.coerce.number().int().min(0).optional(),
        maxRetryDelayMs: z.coerce.number().int().min(0).optional(),
      })
      .strict()
      .optional()
      .describe(
        'Backoff on throttling, 5xx and timeouts (core-rest-pipeline retry options); maxRetries defaults to maxAttempts - 1',
      ),
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

/** Endpoints of the Azure clouds (Microsoft's national-cloud deployment documentation). */
export const CLOUDS = {
  public: {
    authorityHost: 'https://login.microsoftonline.com',
    graphEndpoint: 'https://graph.microsoft.com',
    armEndpoint: 'https://management.azure.com',
    keyVaultSuffix: 'vault.azure.net',
  },
  usgov: {
    authorityHost: 'https://login.microsoftonline.us',
    graphEndpoint: 'https://graph.microsoft.us',
    armEndpoint: 'https://management.usgovcloudapi.net',
    keyVaultSuffix: 'vault.usgovcloudapi.net',
  },
  china: {
    authorityHost: 'https://login.chinacloudapi.cn',
    graphEndpoint: 'https://microsoftgraph.chinacloudapi.cn',
    armEndpoint: 'https://management.chinacloudapi.cn',
    keyVaultSuffix: 'vault.azure.cn',
  },
} as const;

export type CloudName = keyof typeof CLOUDS;

const MICROSOFT_AUTHORITY_HOSTS = new Set(
  Object.values(CLOUDS).map((c) => new URL(c.authorityHost).host),
);

export type AzureOptions = z.infer<typeof options.schema>;

/** The provider id, typed. */
export const PROVIDER: ProviderId = 'azure';

export interface AzureSettings {
  tenants: string[];
  cloud: CloudName;
  authorityHost: string;
  /** MSAL must not ask login.microsoftonline.com about a host it does not know. */
  disableInstanceDiscovery: boolean;
  graphEndpoint: string;
  armEndpoint: string;
  keyVaultSuffix: string;
  keyVaultUrls: Record<string, string>;
  subscriptions: string[] | null;
  caFile: string | null;
  concurrency: number;
  /** Per-object Graph GETs per `$batch` request; 1: no batching. */
  graphBatchSize: number;
  retry: { maxRetries: number; retryDelayInMs: number; maxRetryDelayInMs: number };
  /** Per request (redirect hops and retries each get their own), body included. */
  timeoutMs: number;
  secretLifetimeDays: number;
}

export function resolveSettings(
  raw: Record<string, unknown>,
  env: Readonly<Record<string, string | undefined>>,
): AzureSettings {
  const o = parseOptions(options, raw);
  const cloud = o.cloud ?? 'public';
  const defaults = CLOUDS[cloud];
  const envAuthority = env.AZURE_AUTHORITY_HOST
    ? httpsUrl.safeParse(env.AZURE_AUTHORITY_HOST)
    : null;
  if (envAuthority && !envAuthority.success) {
    throw new UserError(`AZURE_AUTHORITY_HOST must be an https:// URL`);
  }
  const authorityHost = o.authorityHost ?? envAuthority?.data ?? defaults.authorityHost;
  const first = o.tenantId ?? env.AZURE_TENANT_ID;
  const tenants = [...new Set([...(first ? [first] : []), ...(o.tenants ?? [])])];
  return {
    tenants,
    cloud,
    authorityHost,
    disableInstanceDiscovery: !MICROSOFT_AUTHORITY_HOSTS.has(new URL(authorityHost).host),
    graphEndpoint: o.graphEndpoint ?? defaults.graphEndpoint,
    armEndpoint: o.armEndpoint ?? defaults.armEndpoint,
    keyVaultSuffix: defaults.keyVaultSuffix,
    keyVaultUrls: o.keyVaultUrls ?? {},
    subscriptions: o.subscriptions ?? null,
    caFile: o.caFile ?? null,
    concurrency: o.concurrency ?? 8,
    graphBatchSize: o.graphBatchSize ?? 20,
    retry: {
      maxRetries: o.retry?.maxRetries ?? o.maxAttempts - 1,
      retryDelayInMs: o.retry?.retryDelayMs ?? 800,
      maxRetryDelayInMs: o.retry?.maxRetryDelayMs ?? 60_000,
    },
    timeoutMs: o.timeoutMs,
    secretLifetimeDays: o.secretLifetimeDays ?? 180,
  };
}

/** `vault/secret` or `https://vault-host/secrets/secret` -> vault URL + secret name. */
export function parseKeyVaultTarget(
  target: string,
  settings: AzureSettings,
): { vaultUrl: string; secretName: string } {
  const secretName = /^[0-9a-zA-Z-]{1,127}$/;
  if (target.startsWith('https://')) {
    const url = new URL(target);
    const name = url.pathname.replace(/^\/(secrets\/)?/, '').replace(/\/$/, '');
    if (!secretName.test(name)) {
      throw new UserError(
        `azure-key-vault target '${target}' needs a secret name: https://<vault-host>/secrets/<name>`,
      );
    }
    return { vaultUrl: url.origin, secretName: name };
  }
  const m = /^([0-9a-zA-Z-]{3,24})\/([0-9a-zA-Z-]{1,127})$/.exec(target);
  if (!m)
    throw new UserError(
      `azure-key-vault target '${target}' must be <vault-name>/<secret-name> or a vault URL`,
    );
  const [, vault = '', name = ''] = m;
  return {
    vaultUrl: settings.keyVaultUrls[vault] ?? `https://${vault}.${settings.keyVaultSuffix}`,
    secretName: name,
  };
}

/** Key Vault's challenge check wants the vault under the cloud's vault domain. */
export function isKnownVaultHost(vaultUrl: string): boolean {
  const host = new URL(vaultUrl).hostname;
  return Object.values(CLOUDS).some((c) => host.endsWith(`.${c.keyVaultSuffix}`));
}
