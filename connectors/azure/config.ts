/**
 * Options and environment -> settings for one scan. Pure: validation and national-cloud
 * endpoint resolution only, so both the scanner and the playbook actions agree on them.
 */
import type { z } from 'zod';
import { UserError, parseOptions } from '../../src/connector/index.js';
import { httpsUrl, options } from './options.js';

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
  retry: { maxRetries: number; retryDelayInMs: number; maxRetryDelayInMs: number };
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
    retry: {
      maxRetries: o.retry?.maxRetries ?? 5,
      retryDelayInMs: o.retry?.retryDelayMs ?? 800,
      maxRetryDelayInMs: o.retry?.maxRetryDelayMs ?? 60_000,
    },
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
