/**
 * The only file that imports Azure SDKs: credentials, Graph and ARM pipelines (TLS trust,
 * retries honouring 429 + Retry-After, request counting), nextLink paging, ARM role
 * assignments through @azure/arm-authorization, and Key Vault secrets. Errors come out as
 * AzureApiError carrying status and provider code, never a response body or a secret.
 */
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import {
  ClientCertificateCredential,
  ClientSecretCredential,
  DefaultAzureCredential,
  WorkloadIdentityCredential,
  type TokenCredential,
} from '@azure/identity';
import { AuthorizationManagementClient } from '@azure/arm-authorization';
import { SecretClient } from '@azure/keyvault-secrets';
import {
  bearerTokenAuthenticationPolicy,
  createDefaultHttpClient,
  createHttpHeaders,
  createPipelineFromOptions,
  createPipelineRequest,
  isRestError,
  type HttpClient,
  type Pipeline,
  type PipelinePolicy,
  type TlsSettings,
} from '@azure/core-rest-pipeline';
import { UserError, type ConnectorContext } from '../../src/connector/index.js';
import { isKnownVaultHost, type AzureSettings } from './config.js';

export type AzureApi = 'auth' | 'graph' | 'arm' | 'keyvault';

/** A Key Vault secret version's metadata (never its value). */
export interface SecretVersionInfo {
  version: string | null;
  enabled: boolean;
  createdOn: string | null;
  tags: Record<string, string>;
}

/**
 * Signs in once with a client secret (client-credentials grant at the configured authority)
 * and returns the token's expiry: proof that the secret works. Throws AzureApiError('auth').
 */
export async function signInWithSecret(
  settings: AzureSettings,
  tenantId: string,
  clientId: string,
  secret: string,
  signal?: AbortSignal,
): Promise<number> {
  const { credential } = createCredential(
    settings,
    { AZURE_CLIENT_ID: clientId, AZURE_CLIENT_SECRET: secret },
    tenantId,
  );
  let token;
  try {
    // A token endpoint that never answers must not hang a playbook.
    const timeout = AbortSignal.timeout(30_000);
    token = await credential.getToken(scopeFor(settings.graphEndpoint), {
      abortSignal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
  } catch (err) {
    // @azure/identity's message names the AADSTS code; it never contains the secret.
    const text = (err as Error).message ?? String(err);
    const code = /AADSTS\d+/.exec(text)?.[0] ?? null;
    throw new AzureApiError(
      'auth',
      null,
      code,
      `sign-in as ${clientId} failed: ${text.split('\n')[0]!.slice(0, 300)}`,
    );
  }
  if (!token) throw new AzureApiError('auth', null, null, `sign-in as ${clientId} gave no token`);
  return token.expiresOnTimestamp;
}

export class AzureApiError extends Error {
  override name = 'AzureApiError';
  constructor(
    readonly api: AzureApi,
    readonly status: number | null,
    readonly code: string | null,
    message: string,
  ) {
    super(message);
  }
}

/** Missing permission, licence or API (beta not offered): a coverage gap, not a failed scan. */
export function isAccessDenied(err: unknown): err is AzureApiError {
  return err instanceof AzureApiError && (err.status === 403 || err.status === 404);
}

/**
 * Credential chain, read from ctx.env (never process.env) first:
 *  1. AZURE_CLIENT_ID + AZURE_CLIENT_SECRET            -> ClientSecretCredential
 *  2. AZURE_CLIENT_ID + AZURE_CLIENT_CERTIFICATE_PATH  -> ClientCertificateCredential
 *  3. AZURE_CLIENT_ID + AZURE_FEDERATED_TOKEN_FILE     -> WorkloadIdentityCredential
 *  4. otherwise DefaultAzureCredential (managed identity, Azure CLI, … as the SDK finds them).
 * 1–3 mirror EnvironmentCredential/WorkloadIdentityCredential, which only read process.env.
 */
export function createCredential(
  settings: AzureSettings,
  env: ConnectorContext['env'],
  tenantId: string | undefined,
): { credential: TokenCredential; source: string } {
  const common = {
    authorityHost: settings.authorityHost,
    disableInstanceDiscovery: settings.disableInstanceDiscovery,
    retryOptions: settings.retry,
    ...tlsOptions(settings),
  };
  const clientId = env.AZURE_CLIENT_ID;
  if (clientId && tenantId) {
    if (env.AZURE_CLIENT_SECRET) {
      return {
        credential: new ClientSecretCredential(tenantId, clientId, env.AZURE_CLIENT_SECRET, common),
        source: 'client secret (AZURE_CLIENT_ID/AZURE_CLIENT_SECRET)',
      };
    }
    if (env.AZURE_CLIENT_CERTIFICATE_PATH) {
      return {
        credential: new ClientCertificateCredential(
          tenantId,
          clientId,
          {
            certificatePath: env.AZURE_CLIENT_CERTIFICATE_PATH,
            ...(env.AZURE_CLIENT_CERTIFICATE_PASSWORD
              ? { certificatePassword: env.AZURE_CLIENT_CERTIFICATE_PASSWORD }
              : {}),
          },
          common,
        ),
        source: 'client certificate (AZURE_CLIENT_CERTIFICATE_PATH)',
      };
    }
    if (env.AZURE_FEDERATED_TOKEN_FILE) {
      return {
        credential: new WorkloadIdentityCredential({
          ...common,
          tenantId,
          clientId,
          tokenFilePath: env.AZURE_FEDERATED_TOKEN_FILE,
        }),
        source: 'workload identity (AZURE_FEDERATED_TOKEN_FILE)',
      };
    }
  }
  return {
    credential: new DefaultAzureCredential({
      ...common,
      ...(tenantId ? { tenantId } : {}),
      ...(clientId ? { managedIdentityClientId: clientId } : {}),
    }),
    source: 'DefaultAzureCredential (managed identity, Azure CLI, …)',
  };
}

const caCache = new Map<string, string>();
function tlsOptions(settings: AzureSettings): { tlsOptions?: TlsSettings } {
  if (!settings.caFile) return {};
  let pem = caCache.get(settings.caFile);
  if (!pem) {
    try {
      pem = readFileSync(settings.caFile, 'utf8');
    } catch (err) {
      throw new UserError(
        `azure option caFile: cannot read ${settings.caFile} (${(err as Error).message})`,
      );
    }
    caCache.set(settings.caFile, pem);
  }
  // `ca` replaces Node's trust store, so keep the public roots beside the extra CA.
  return { tlsOptions: { ca: [...rootCertificates, pem] } };
}

function scopeFor(endpoint: string): string {
  return `${new URL(endpoint).origin}/.default`;
}

/** A JSON REST client on core-rest-pipeline: bearer auth, retries, one counter for all calls. */
class JsonApi {
  private readonly pipeline: Pipeline;
  private readonly http: HttpClient = createDefaultHttpClient();
  constructor(
    private readonly api: AzureApi,
    private readonly base: string,
    credential: TokenCredential,
    settings: AzureSettings,
    counter: PipelinePolicy,
  ) {
    this.pipeline = createPipelineFromOptions({
      retryOptions: settings.retry,
      userAgentOptions: { userAgentPrefix: 'nhi' },
      ...tlsOptions(settings),
    });
    this.pipeline.addPolicy(
      bearerTokenAuthenticationPolicy({ credential, scopes: scopeFor(base) }),
    );
    this.pipeline.addPolicy(counter, { phase: 'Retry' });
  }

  async request(
    method: 'GET' | 'POST',
    pathOrUrl: string,
    signal: AbortSignal,
    body?: unknown,
  ): Promise<{ status: number; json: unknown; requestId: string | null }> {
    const url = pathOrUrl.startsWith('https://') ? pathOrUrl : `${this.base}${pathOrUrl}`;
    const request = createPipelineRequest({
      url,
      method,
      abortSignal: signal,
      headers: createHttpHeaders({
        accept: 'application/json',
        ...(body ? { 'content-type': 'application/json' } : {}),
      }),
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    let response;
    try {
      response = await this.pipeline.sendRequest(this.http, request);
    } catch (err) {
      throw toApiError(this.api, err, method, url);
    }
    const requestId =
      response.headers.get('request-id') ?? response.headers.get('x-ms-request-id') ?? null;
    let json: unknown = null;
    if (response.bodyAsText) {
      try {
        json = JSON.parse(response.bodyAsText);
      } catch {
        throw new AzureApiError(
          this.api,
          response.status,
          null,
          `${method} ${safePath(url)}: response is not JSON`,
        );
      }
    }
    if (response.status >= 400) {
      const error = (json as { error?: { code?: unknown; message?: unknown } } | null)?.error;
      const code = typeof error?.code === 'string' ? error.code : null;
      const message =
        typeof error?.message === 'string' ? error.message : `HTTP ${response.status}`;
      throw new AzureApiError(
        this.api,
        response.status,
        code,
        `${method} ${safePath(url)}: ${response.status} ${code ?? ''} ${message}`.trim(),
      );
    }
    return { status: response.status, json, requestId };
  }

  /** Every item of a collection, following @odata.nextLink (Graph) or nextLink (ARM). */
  async list(path: string, signal: AbortSignal): Promise<unknown[]> {
    const items: unknown[] = [];
    let next: string | null = path;
    while (next) {
      const { json } = await this.request('GET', next, signal);
      const page = json as {
        value?: unknown;
        '@odata.nextLink'?: unknown;
        nextLink?: unknown;
      } | null;
      if (!page || !Array.isArray(page.value)) {
        throw new AzureApiError(
          this.api,
          200,
          null,
          `GET ${safePath(next)}: expected a collection with a 'value' array`,
        );
      }
      items.push(...page.value);
      const link = page['@odata.nextLink'] ?? page.nextLink;
      next = typeof link === 'string' && link ? link : null;
    }
    return items;
  }
}

function safePath(url: string): string {
  const u = new URL(url);
  return `${u.pathname.replace(/\/{2,}/g, '/')}`;
}

function toApiError(api: AzureApi, err: unknown, method: string, url: string): AzureApiError {
  if (err instanceof AzureApiError) return err;
  const e = err as { name?: string; message?: string; code?: string; statusCode?: number };
  // Token failures surface from the bearer policy as AuthenticationError/CredentialUnavailableError.
  if (
    e?.name === 'AuthenticationError' ||
    e?.name === 'CredentialUnavailableError' ||
    e?.name === 'AggregateAuthenticationError'
  ) {
    const hint = /endpoints_resolution_error/.test(e.message ?? '')
      ? ' (the authority could not be reached: check authorityHost, the network, and TLS trust via caFile)'
      : '';
    return new AzureApiError(
      'auth',
      null,
      e.name,
      `authentication failed: ${firstLine(e.message)}${hint}`,
    );
  }
  if (isRestError(err)) {
    return new AzureApiError(
      api,
      err.statusCode ?? null,
      err.code ?? null,
      `${method} ${safePath(url)}: ${firstLine(err.message)}`,
    );
  }
  return new AzureApiError(
    api,
    null,
    e?.code ?? null,
    `${method} ${safePath(url)}: ${firstLine(e?.message ?? String(err))}`,
  );
}

function firstLine(message: string | undefined): string {
  return (message ?? '').split('\n')[0]?.slice(0, 400) ?? '';
}

/** Raw ARM role assignment as map.ts parses it (SDK objects flattened to JSON). */
export interface RawRoleAssignment {
  id: unknown;
  scope: unknown;
  roleDefinitionId: unknown;
  principalId: unknown;
  principalType: unknown;
  createdOn: unknown;
  condition: unknown;
}

export interface RawRoleDefinition {
  id: unknown;
  name: unknown;
  roleName: unknown;
  roleType: unknown;
  permissions: unknown;
}

/** Everything the scanner and the actions need for one tenant. */
export class AzureClient {
  apiCalls = 0;
  readonly graph: JsonApi;
  readonly armRest: JsonApi;
  private arm: AuthorizationManagementClient | null = null;
  private readonly counter: PipelinePolicy;

  constructor(
    readonly settings: AzureSettings,
    readonly credential: TokenCredential,
    private readonly signal: AbortSignal,
  ) {
    this.counter = {
      name: 'nhiRequestCounter',
      sendRequest: (request, next) => {
        this.apiCalls += 1;
        return next(request);
      },
    };
    this.graph = new JsonApi('graph', settings.graphEndpoint, credential, settings, this.counter);
    this.armRest = new JsonApi('arm', settings.armEndpoint, credential, settings, this.counter);
  }

  graphGet(path: string, version: 'v1.0' | 'beta' = 'v1.0') {
    return this.graph.request('GET', `/${version}${path}`, this.signal);
  }

  graphList(path: string, version: 'v1.0' | 'beta' = 'v1.0'): Promise<unknown[]> {
    return this.graph.list(`/${version}${path}`, this.signal);
  }

  graphPost(path: string, body: unknown) {
    return this.graph.request('POST', `/v1.0${path}`, this.signal, body);
  }

  listSubscriptions(): Promise<unknown[]> {
    return this.armRest.list('/subscriptions?api-version=2022-12-01', this.signal);
  }

  private authorization(subscriptionId: string): AuthorizationManagementClient {
    this.arm ??= new AuthorizationManagementClient(this.credential, subscriptionId, {
      endpoint: this.settings.armEndpoint,
      credentialScopes: scopeFor(this.settings.armEndpoint),
      retryOptions: this.settings.retry,
      additionalPolicies: [{ policy: this.counter, position: 'perRetry' }],
      ...tlsOptions(this.settings),
    });
    return this.arm;
  }

  /** Role assignments at, above and below the subscription (resource groups, resources). */
  async listRoleAssignments(subscriptionId: string): Promise<RawRoleAssignment[]> {
    const scope = `/subscriptions/${subscriptionId}`;
    const out: RawRoleAssignment[] = [];
    try {
      for await (const a of this.authorization(subscriptionId).roleAssignments.listForScope(scope, {
        abortSignal: this.signal,
      })) {
        out.push({
          id: a.id,
          scope: a.scope,
          roleDefinitionId: a.roleDefinitionId,
          principalId: a.principalId,
          principalType: a.principalType,
          createdOn:
            a.createdOn instanceof Date ? a.createdOn.toISOString() : (a.createdOn ?? null),
          condition: a.condition ?? null,
        });
      }
    } catch (err) {
      throw toApiError(
        'arm',
        err,
        'GET',
        `${this.settings.armEndpoint}${scope}/providers/Microsoft.Authorization/roleAssignments`,
      );
    }
    return out;
  }

  async listRoleDefinitions(subscriptionId: string): Promise<RawRoleDefinition[]> {
    const scope = `/subscriptions/${subscriptionId}`;
    const out: RawRoleDefinition[] = [];
    try {
      for await (const d of this.authorization(subscriptionId).roleDefinitions.list(scope, {
        abortSignal: this.signal,
      })) {
        out.push({
          id: d.id,
          name: d.name,
          roleName: d.roleName,
          roleType: d.roleType,
          permissions: d.permissions ?? [],
        });
      }
    } catch (err) {
      throw toApiError(
        'arm',
        err,
        'GET',
        `${this.settings.armEndpoint}${scope}/providers/Microsoft.Authorization/roleDefinitions`,
      );
    }
    return out;
  }

  /** Key Vault secrets: write a version, read back version metadata (never values). */
  keyVault(vaultUrl: string) {
    const client = new SecretClient(vaultUrl, this.credential, {
      retryOptions: this.settings.retry,
      additionalPolicies: [{ policy: this.counter, position: 'perRetry' }],
      // The challenge check wants *.vault.azure.net; a private endpoint or stand-in is not.
      disableChallengeResourceVerification: !isKnownVaultHost(vaultUrl),
      ...tlsOptions(this.settings),
    });
    const signal = this.signal;
    return {
      async set(name: string, value: string, contentType: string, tags: Record<string, string>) {
        try {
          const s = await client.setSecret(name, value, { contentType, tags, abortSignal: signal });
          return { version: s.properties.version ?? null, id: s.properties.id ?? null };
        } catch (err) {
          throw toApiError('keyvault', err, 'PUT', `${vaultUrl}/secrets/${name}`);
        }
      },
      async versions(name: string): Promise<SecretVersionInfo[]> {
        const out: SecretVersionInfo[] = [];
        try {
          for await (const p of client.listPropertiesOfSecretVersions(name, {
            abortSignal: signal,
          })) {
            out.push({
              version: p.version ?? null,
              enabled: p.enabled !== false,
              createdOn: p.createdOn?.toISOString() ?? null,
              tags: p.tags ?? {},
            });
          }
        } catch (err) {
          throw toApiError('keyvault', err, 'GET', `${vaultUrl}/secrets/${name}/versions`);
        }
        return out;
      },
    };
  }

  /** The tenant a token was issued for (when none was configured): the `tid` claim. */
  /**
   * Permission claims of a Graph token: `roles` (application permissions of an app-only token)
   * and `scp` (delegated scopes of a user's token). Graph has no "may I?" API, so `nhi doctor`
   * reads these. null when the token is not a readable JWT.
   */
  async graphTokenPermissions(): Promise<{ roles: string[]; scopes: string[] } | null> {
    const graph = this.settings.graphEndpoint;
    const token = await this.credential
      .getToken(scopeFor(graph), { abortSignal: this.signal })
      .catch((err: unknown) => {
        throw toApiError('auth', err, 'GET', `${graph}/.default`);
      });
    const payload = token?.token.split('.')[1];
    if (!payload) return null;
    try {
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
        roles?: unknown;
        scp?: unknown;
      };
      return {
        roles: Array.isArray(claims.roles)
          ? claims.roles.filter((r): r is string => typeof r === 'string')
          : [],
        scopes: typeof claims.scp === 'string' ? claims.scp.split(' ').filter(Boolean) : [],
      };
    } catch {
      return null;
    }
  }

  async tenantOfToken(): Promise<string | null> {
    const graph = this.settings.graphEndpoint;
    const token = await this.credential
      .getToken(scopeFor(graph), { abortSignal: this.signal })
      .catch((err: unknown) => {
        throw toApiError('auth', err, 'GET', `${graph}/.default`);
      });
    const payload = token?.token.split('.')[1];
    if (!payload) return null;
    try {
      const tid = (
        JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { tid?: unknown }
      ).tid;
      return typeof tid === 'string' ? tid : null;
    } catch {
      return null;
    }
  }
}

export function createAzureClient(
  ctx: ConnectorContext,
  settings: AzureSettings,
  tenantId: string | undefined,
) {
  const { credential, source } = createCredential(settings, ctx.env, tenantId);
  return { client: new AzureClient(settings, credential, ctx.signal), source };
}
