/**
 * Options and environment -> the settings a GitHub scan runs with: the API root (github.com,
 * GHES via `apiUrl` or GITHUB_API_URL), the organizations, and credentials from the
 * environment (a token variable, or a GitHub App's id and private key file), never from a flag.
 */
import { readFileSync } from 'node:fs';
import { UserError, parseOptions, type ConnectorContext } from '../../src/connector/index.js';
import { options, type GitHubOptions } from './options.js';

export const DEFAULT_API_URL = 'https://api.github.com';

export type GitHubAuth =
  | { kind: 'token'; token: string; envName: string }
  | { kind: 'app'; appId: string; privateKey: string; installationId: number | null };

/** Everything the connector needs to reach GitHub, resolved from options and env. */
export interface GitHubSettings {
  apiUrl: string;
  auth: GitHubAuth;
  orgs: string[];
  concurrency: number;
  retryAfterBaseValue: number;
  timeoutMs: number;
  maxAttempts: number;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

/** Options and environment -> settings; a missing or bad setting is a UserError. */
export function resolveSettings(
  ctx: Pick<ConnectorContext, 'options' | 'env'>,
  { requireOrgs = true }: { requireOrgs?: boolean } = {},
): GitHubSettings {
  if (ctx.options.privateKey !== undefined) {
    throw new UserError(
      'github: a private key is never taken inline',
      'set privateKeyPath (or GITHUB_APP_PRIVATE_KEY_PATH) to the key file',
    );
  }
  const o = parseOptions(options, ctx.options);
  const env = ctx.env;
  const orgs = (typeof o.orgs === 'string' ? o.orgs.split(',') : (o.orgs ?? []))
    .map((x) => x.trim())
    .filter(Boolean);
  if (orgs.length === 0 && requireOrgs) {
    throw new UserError(
      'github: no organization configured',
      'set github.orgs in the config file (e.g. orgs: [my-org]) or pass the organization on the command line',
    );
  }
  const apiUrl = (o.apiUrl ?? str(env.GITHUB_API_URL) ?? DEFAULT_API_URL).replace(/\/+$/, '');
  try {
    new URL(apiUrl);
  } catch {
    throw new UserError(
      `github: apiUrl '${apiUrl}' is not a URL`,
      'use e.g. https://ghe.example.com/api/v3',
    );
  }
  return {
    apiUrl,
    auth: resolveAuth(o, env),
    orgs: [...new Set(orgs)],
    concurrency: o.concurrency,
    retryAfterBaseValue: o.retryAfterBaseValue,
    timeoutMs: o.timeoutMs,
    maxAttempts: o.maxAttempts,
  };
}

function resolveAuth(o: GitHubOptions, env: ConnectorContext['env']): GitHubAuth {
  const appId = str(o.appId === undefined ? undefined : String(o.appId)) ?? str(env.GITHUB_APP_ID);
  const keyPath = str(o.privateKeyPath) ?? str(env.GITHUB_APP_PRIVATE_KEY_PATH);
  if (appId || keyPath) {
    if (!appId || !keyPath) {
      throw new UserError(
        'github: GitHub App auth needs both appId and privateKeyPath',
        'set appId/privateKeyPath or GITHUB_APP_ID/GITHUB_APP_PRIVATE_KEY_PATH',
      );
    }
    let privateKey: string;
    try {
      privateKey = readFileSync(keyPath, 'utf8');
    } catch (e) {
      throw new UserError(
        `github: cannot read the GitHub App private key file ${keyPath} (${(e as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
    const rawInstallation = o.installationId ?? env.GITHUB_APP_INSTALLATION_ID;
    const installationId =
      rawInstallation === undefined || rawInstallation === '' ? null : Number(rawInstallation);
    if (installationId !== null && !Number.isInteger(installationId)) {
      throw new UserError('github: installationId must be a number');
    }
    return { kind: 'app', appId, privateKey, installationId };
  }
  const tokenEnv = str(o.tokenEnv);
  const names = tokenEnv ? [tokenEnv] : ['GITHUB_TOKEN', 'GH_TOKEN'];
  for (const name of names) {
    const token = str(env[name]);
    if (token) return { kind: 'token', token, envName: name };
  }
  throw new UserError(
    `github: no credentials (looked for ${names.join(', ')} and GitHub App settings)`,
    'export a token in GITHUB_TOKEN, or configure a GitHub App (appId + privateKeyPath)',
  );
}
