/**
 * The only file that imports Azure SDKs: the credential chain, the Graph and ARM pipelines,
 * ARM role assignments and Cognitive Services accounts through their SDKs' paginators, and Key
 * Vault secrets. Every SDK sends through one transport (`PinnedHttpClient`): no request, redirect
 * or next link leaves the configured origins, every request has a timeout, and a 2xx answer that
 * is not JSON (or, from the authority, not a token) fails. Errors come out as the kit's ApiError.
 */
import {
  ClientCertificateCredential,
  ClientSecretCredential,
  DefaultAzureCredential,
  WorkloadIdentityCredential,
  type TokenCredential,
} from '@azure/identity';
import { AuthorizationManagementClient } from '@azure/arm-authorization';
import { CognitiveServicesManagementClient } from '@azure/arm-cognitiveservices';
import { SecretClient } from '@azure/keyvault-secrets';
import {
  bearerTokenAuthenticationPolicy,
  createDefaultHttpClient,
  createHttpHeaders,
  createEmptyPipeline,
  createPipelineFromOptions,
  createPipelineRequest,
  defaultRetryPolicy,
  logPolicyName,
  tracingPolicyName,
  type HttpClient,
  type Pipeline,
  type PipelineRequest,
  type PipelineResponse,
} from '@azure/core-rest-pipeline';
import {
  ApiError,
  OriginPin,
  endpointOf,
  parseJsonBody,
  type ConnectorContext,
} from '../../src/connector/index.js';
import { PROVIDER, isKnownVaultHost, type AzureSettings } from './options.js';
import {
  authFailure,
  checkAuthorityAnswer,
  httpFailure,
  pageCheck,
  restFailure,
  type TokenSource,
} from './errors.js';
import { PinnedHttpClient, httpsAgent } from './transport.js';
import { BatchQueue, readBatchAnswer, type GraphBatchRequestBody } from './batch.js';
import {
  collectionPageSchema,
  parseOne,
  readTokenClaims,
  type ArmRoleAssignment,
  type ArmRoleDefinition,
} from './schema.js';

/** One transport for all clients: Node's https agents (keep-alive pools) are shared. */
const BASE_HTTP = createDefaultHttpClient();

/** Tracing spans and per-request log lines nobody collects cost CPU on every request. */
function withoutTracing(pipeline: Pipeline): Pipeline {
  pipeline.removePolicy({ name: tracingPolicyName });
  pipeline.removePolicy({ name: logPolicyName });
  return pipeline;
}

/** A Key Vault secret version's metadata (never its value). */
export interface SecretVersionInfo {
  version: string | null;
  enabled: boolean;
  createdOn: string | null;
  tags: Record<string, string>;
}

/**
 * Signs in once with a client secret (client-credentials grant at the configured authority,
 * through the same pinned transport and timeout as the scan) and returns the token's expiry:
 * proof that the secret works. Throws the kit's ApiError (code: the AADSTS code when Entra
 * gave one); the secret is never part of a message.
 */
export async function signInWithSecret(
  settings: AzureSettings,
  tenantId: string,
  clientId: string,
  secret: string,
  signal?: AbortSignal,
): Promise<number> {
  const { credential, transport } = createCredential(
    settings,
    { AZURE_CLIENT_ID: clientId, AZURE_CLIENT_SECRET: secret },
    tenantId,
  );
  const auth = { transport, authorityHost: settings.authorityHost, explicit: true };
  let token;
  try {
    token = await credential.getToken(scopeFor(settings.graphEndpoint), {
      ...(signal ? { abortSignal: signal } : {}),
    });
  } catch (err) {
    throw authFailure(err, auth);
  }
  if (!token)
    throw new ApiError({
      provider: PROVIDER,
      operation: `token request to ${settings.authorityHost}`,
      kind: 'auth',
      detail: `sign-in as ${clientId} gave no token`,
    });
  return token.expiresOnTimestamp;
}

function scopeFor(endpoint: string): string {
  return `${new URL(endpoint).origin}/.default`;
}

/** Where a token may come from: the authority, and the managed-identity endpoints Azure sets. */
function tokenOrigins(settings: AzureSettings, env: ConnectorContext['env']): string[] {
  const managed = [env.IDENTITY_ENDPOINT, env.MSI_ENDPOINT, env.IMDS_ENDPOINT].filter(
    (u): u is string => Boolean(u && URL.canParse(u)),
  );
  return [settings.authorityHost, 'http://169.254.169.254', ...managed];
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
): { credential: TokenCredential; source: string; transport: PinnedHttpClient; explicit: boolean } {
  const transport = new PinnedHttpClient(
    BASE_HTTP,
    new OriginPin(PROVIDER, tokenOrigins(settings, env)),
    settings.timeoutMs,
    httpsAgent(settings),
    undefined,
    checkAuthorityAnswer,
  );
  const common = {
    authorityHost: settings.authorityHost,
    disableInstanceDiscovery: settings.disableInstanceDiscovery,
    retryOptions: settings.retry,
    httpClient: transport,
  };
  const clientId = env.AZURE_CLIENT_ID;
  const made = (credential: TokenCredential, source: string, explicit = true) => ({
    credential,
    source,
    transport,
    explicit,
  });
  if (clientId && tenantId) {
    if (env.AZURE_CLIENT_SECRET)
      return made(
        new ClientSecretCredential(tenantId, clientId, env.AZURE_CLIENT_SECRET, common),
        'client secret (AZURE_CLIENT_ID/AZURE_CLIENT_SECRET)',
      );
    if (env.AZURE_CLIENT_CERTIFICATE_PATH)
      return made(
        new ClientCertificateCredential(
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
        'client certificate (AZURE_CLIENT_CERTIFICATE_PATH)',
      );
    if (env.AZURE_FEDERATED_TOKEN_FILE)
      return made(
        new WorkloadIdentityCredential({
          ...common,
          tenantId,
          clientId,
          tokenFilePath: env.AZURE_FEDERATED_TOKEN_FILE,
        }),
        'workload identity (AZURE_FEDERATED_TOKEN_FILE)',
      );
  }
  return made(
    new DefaultAzureCredential({
      ...common,
      ...(tenantId ? { tenantId } : {}),
      ...(clientId ? { managedIdentityClientId: clientId } : {}),
    }),
    'DefaultAzureCredential (managed identity, Azure CLI, …)',
    false,
  );
}

/** Graph or ARM over core-rest-pipeline: bearer auth, retries, JSON in and out. */
class JsonApi {
  private readonly pipeline: Pipeline;
  constructor(
    private readonly base: string,
    private readonly client: AzureClient,
  ) {
    this.pipeline = withoutTracing(
      createPipelineFromOptions({
        retryOptions: client.settings.retry,
        userAgentOptions: { userAgentPrefix: 'nhi' },
      }),
    );
    this.pipeline.addPolicy(
      bearerTokenAuthenticationPolicy({ credential: client.credential, scopes: scopeFor(base) }),
    );
  }

  async request(
    method: 'GET' | 'POST' | 'DELETE',
    pathOrUrl: string,
    body?: unknown,
  ): Promise<{ status: number; json: unknown; requestId: string | null }> {
    const url = /^https?:\/\//.test(pathOrUrl) ? pathOrUrl : `${this.base}${pathOrUrl}`;
    const operation = `${method} ${endpointOf(url)}`;
    const request = createPipelineRequest({
      url,
      method,
      abortSignal: this.client.signal,
      headers: createHttpHeaders({
        accept: 'application/json',
        ...(body ? { 'content-type': 'application/json' } : {}),
      }),
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    let response: PipelineResponse;
    try {
      response = await this.pipeline.sendRequest(this.client.http(new URL(url).origin), request);
    } catch (err) {
      throw this.client.failure(err, operation);
    }
    const requestId =
      response.headers.get('request-id') ?? response.headers.get('x-ms-request-id') ?? null;
    const source = { provider: PROVIDER, operation };
    const text = response.bodyAsText ?? '';
    if (response.status >= 400) throw httpFailure(response.status, text, operation);
    return { status: response.status, json: text ? parseJsonBody(text, source) : null, requestId };
  }

  /** Every item of a collection, following @odata.nextLink (Graph) or nextLink (ARM). */
  async list(path: string): Promise<unknown[]> {
    return this.pages(path, (await this.request('GET', path)).json);
  }

  /**
   * Every item of a collection from its first page (read directly or inside a batch), the
   * next pages fetched directly: each page checked, each next link pinned to the origins.
   */
  async pages(path: string, first: unknown): Promise<unknown[]> {
    const items: unknown[] = [];
    const seen = new Set<string>();
    let json = first;
    for (let at = path; ;) {
      const operation: string = `GET ${endpointOf(new URL(at, this.base))}`;
      const page = parseOne(collectionPageSchema, json, operation);
      items.push(...page.value);
      const link: string | null = page['@odata.nextLink'] ?? page.nextLink ?? null;
      if (!link) return items;
      // A next link is a URL the provider hands back: it must stay on the configured origin.
      const next = this.client.pin.check(link, operation).toString();
      if (seen.has(next))
        throw new ApiError({
          provider: PROVIDER,
          operation,
          kind: 'invalid-response',
          code: 'InvalidResponse',
          detail: 'the same next link came back twice',
        });
      seen.add(next);
      at = next;
      json = (await this.request('GET', next)).json;
    }
  }
}

/**
 * Graph GETs sent in JSON batches. Each sub-request is a PipelineRequest through the retry
 * policy a direct request gets (429/503 with Retry-After, 5xx with backoff, the same bounded
 * attempts), and this HttpClient sends it as part of a `$batch` POST, which itself goes through
 * the Graph pipeline: bearer token, retries, the pinned transport and its timeout.
 */
class GraphBatchSender implements HttpClient {
  private readonly retrying: Pipeline;
  private readonly queue: BatchQueue<PipelineRequest, PipelineResponse>;
  /** Sub-response bodies, already parsed with the envelope. */
  private readonly bodies = new WeakMap<PipelineResponse, unknown>();
  /** `https://graph…/v1.0`: sub-request URLs are relative to it. */
  private readonly root: string;

  constructor(
    private readonly client: AzureClient,
    size: number,
  ) {
    this.root = `${client.settings.graphEndpoint}/v1.0`;
    this.retrying = createEmptyPipeline();
    this.retrying.addPolicy(defaultRetryPolicy(client.settings.retry));
    this.queue = new BatchQueue(size, (requests) => this.post(requests));
  }

  sendRequest(request: PipelineRequest): Promise<PipelineResponse> {
    return this.queue.add(request);
  }

  private async post(requests: PipelineRequest[]): Promise<PipelineResponse[]> {
    const ids = requests.map((_, i) => String(i + 1));
    const body: GraphBatchRequestBody = {
      requests: requests.map((r, i) => ({
        id: ids[i]!,
        method: r.method,
        url: r.url.slice(this.root.length),
      })),
    };
    const url = `${this.root}/$batch`;
    const { json } = await this.client.graph.request('POST', url, body);
    const answers = readBatchAnswer(ids, json, `POST ${url}`);
    return requests.map((request, i) => {
      const a = answers.get(ids[i]!)!;
      const response: PipelineResponse = {
        request,
        status: a.status,
        headers: createHttpHeaders(a.headers),
      };
      this.bodies.set(response, a.body);
      return response;
    });
  }

  /** One GET (path below the version root) inside a batch; fails as a direct GET would. */
  async get(path: string): Promise<unknown> {
    const url = `${this.root}${path}`;
    const operation = `GET ${endpointOf(url)}`;
    let response: PipelineResponse;
    try {
      response = await this.retrying.sendRequest(
        this,
        createPipelineRequest({ url, method: 'GET', abortSignal: this.client.signal }),
      );
    } catch (err) {
      throw this.client.failure(err, operation);
    }
    const body = this.bodies.get(response);
    if (response.status >= 400)
      throw httpFailure(response.status, JSON.stringify(body ?? null), operation);
    if (response.status >= 300)
      throw new ApiError({
        provider: PROVIDER,
        operation,
        kind: 'invalid-response',
        code: 'InvalidResponse',
        detail: `HTTP ${response.status} inside a batch, where a document was expected`,
      });
    return body;
  }
}

/** Everything the scanner, doctor and the actions need for one tenant. */
export class AzureClient {
  apiCalls = 0;
  /** Graph, ARM and the configured vaults: where this client's requests may go. */
  readonly pin: OriginPin;
  readonly graph: JsonApi;
  readonly armRest: JsonApi;
  private readonly transports = new Map<string, PinnedHttpClient>();
  private authorizationClient: AuthorizationManagementClient | null = null;
  private cognitiveClient: CognitiveServicesManagementClient | null = null;
  private batches: GraphBatchSender | null = null;

  constructor(
    readonly settings: AzureSettings,
    readonly credential: TokenCredential,
    readonly signal: AbortSignal,
    /** Where the credential's tokens come from, to tell why one could not be had. */
    private readonly tokens: Omit<TokenSource, 'authorityHost'> = {
      transport: undefined,
      explicit: true,
    },
  ) {
    this.pin = new OriginPin(PROVIDER, [settings.graphEndpoint, settings.armEndpoint]);
    this.graph = new JsonApi(settings.graphEndpoint, this);
    this.armRest = new JsonApi(settings.armEndpoint, this);
  }

  /** The transport for one origin (each pinned to it alone), counting this client's requests. */
  http(origin: string): PinnedHttpClient {
    let t = this.transports.get(origin);
    if (!t) {
      t = new PinnedHttpClient(
        BASE_HTTP,
        new OriginPin(PROVIDER, [origin]),
        this.settings.timeoutMs,
        httpsAgent(this.settings),
        () => (this.apiCalls += 1),
      );
      this.transports.set(origin, t);
    }
    return t;
  }

  /** Any error an SDK threw, as the kit's ApiError (or UserError: no credentials at all). */
  failure(err: unknown, operation: string): unknown {
    if (this.signal.aborted) return this.signal.reason ?? err;
    return restFailure(err, operation, {
      ...this.tokens,
      authorityHost: this.settings.authorityHost,
    });
  }

  graphGet(path: string, version: 'v1.0' | 'beta' = 'v1.0') {
    return this.graph.request('GET', `/${version}${path}`);
  }

  graphList(path: string, version: 'v1.0' | 'beta' = 'v1.0'): Promise<unknown[]> {
    return this.graph.list(`/${version}${path}`);
  }

  /** graphList (v1.0) whose first page is read inside a JSON batch with other such calls. */
  async graphListBatched(path: string): Promise<unknown[]> {
    this.batches ??= new GraphBatchSender(this, this.settings.graphBatchSize);
    return this.graph.pages(`/v1.0${path}`, await this.batches.get(path));
  }

  graphPost(path: string, body: unknown) {
    return this.graph.request('POST', `/v1.0${path}`, body);
  }

  graphDelete(path: string) {
    return this.graph.request('DELETE', `/v1.0${path}`);
  }

  /** Creates an RBAC role assignment (a new GUID); returns its full id. */
  async createRoleAssignment(
    scope: string,
    name: string,
    roleDefinitionId: string,
    principalId: string,
    condition?: string,
  ): Promise<string> {
    const sub = /^\/subscriptions\/([^/]+)/i.exec(scope)?.[1] ?? '';
    const operation = `PUT ${this.settings.armEndpoint}${scope}/providers/Microsoft.Authorization/roleAssignments`;
    try {
      const a = await this.authorization(sub).roleAssignments.create(
        scope,
        name,
        {
          roleDefinitionId,
          principalId,
          principalType: 'ServicePrincipal',
          ...(condition ? { condition, conditionVersion: '2.0' } : {}),
        },
        { abortSignal: this.signal },
      );
      return a.id ?? `${scope}/providers/Microsoft.Authorization/roleAssignments/${name}`;
    } catch (err) {
      throw this.failure(err, operation);
    }
  }

  /** Deletes an RBAC role assignment by its full id; an absent one is no error. */
  async deleteRoleAssignment(id: string): Promise<void> {
    const sub = /^\/subscriptions\/([^/]+)/i.exec(id)?.[1] ?? '';
    try {
      await this.authorization(sub).roleAssignments.deleteById(id, { abortSignal: this.signal });
    } catch (err) {
      throw this.failure(err, `DELETE ${this.settings.armEndpoint}${id}`);
    }
  }

  listSubscriptions(): Promise<unknown[]> {
    return this.armRest.list('/subscriptions?api-version=2022-12-01');
  }

  /** Options every ARM SDK client gets: endpoint, token scope, retries, TLS, the transport. */
  private armOptions() {
    return {
      endpoint: this.settings.armEndpoint,
      credentialScopes: scopeFor(this.settings.armEndpoint),
      retryOptions: this.settings.retry,
      httpClient: this.http(new URL(this.settings.armEndpoint).origin),
    };
  }

  /** Runs an SDK paginator, checking each raw page is a collection whose next link stays here. */
  private async paged<T, R>(
    operation: string,
    list: (options: { abortSignal: AbortSignal; onResponse: ReturnType<typeof pageCheck> }) => {
      [Symbol.asyncIterator](): AsyncIterator<T>;
    },
    pick: (item: T) => R,
  ): Promise<R[]> {
    const out: R[] = [];
    try {
      for await (const item of list({
        abortSignal: this.signal,
        onResponse: pageCheck(operation, this.pin),
      }))
        out.push(pick(item));
    } catch (err) {
      throw this.failure(err, operation);
    }
    return out;
  }

  private authorization(subscriptionId: string): AuthorizationManagementClient {
    // The subscription id only fills URL templates we do not use: scopes are passed whole.
    if (!this.authorizationClient) {
      this.authorizationClient = new AuthorizationManagementClient(
        this.credential,
        subscriptionId,
        this.armOptions(),
      );
      withoutTracing(this.authorizationClient.pipeline);
    }
    return this.authorizationClient;
  }

  /** Role assignments at, above and below the subscription (resource groups, resources). */
  listRoleAssignments(subscriptionId: string): Promise<Record<keyof ArmRoleAssignment, unknown>[]> {
    const scope = `/subscriptions/${subscriptionId}`;
    return this.paged(
      `GET ${this.settings.armEndpoint}${scope}/providers/Microsoft.Authorization/roleAssignments`,
      (o) => this.authorization(subscriptionId).roleAssignments.listForScope(scope, o),
      (a) => ({
        id: a.id,
        scope: a.scope,
        roleDefinitionId: a.roleDefinitionId,
        principalId: a.principalId,
        principalType: a.principalType,
        createdOn: a.createdOn instanceof Date ? a.createdOn.toISOString() : (a.createdOn ?? null),
        condition: a.condition ?? null,
      }),
    );
  }

  listRoleDefinitions(subscriptionId: string): Promise<Record<keyof ArmRoleDefinition, unknown>[]> {
    const scope = `/subscriptions/${subscriptionId}`;
    return this.paged(
      `GET ${this.settings.armEndpoint}${scope}/providers/Microsoft.Authorization/roleDefinitions`,
      (o) => this.authorization(subscriptionId).roleDefinitions.list(scope, o),
      (d) => ({
        id: d.id,
        name: d.name,
        roleName: d.roleName,
        roleType: d.roleType,
        permissions: d.permissions ?? [],
      }),
    );
  }

  /**
   * Cognitive Services accounts (Azure OpenAI, AI Services…) of a subscription: their properties
   * only. listKeys is never called: it answers with the keys themselves.
   */
  listCognitiveAccounts(subscriptionId: string): Promise<unknown[]> {
    // One client per subscription: this SDK puts the subscription into every URL.
    const client =
      this.cognitiveClient?.subscriptionId === subscriptionId
        ? this.cognitiveClient
        : new CognitiveServicesManagementClient(this.credential, subscriptionId, this.armOptions());
    if (client !== this.cognitiveClient) withoutTracing(client.pipeline);
    this.cognitiveClient = client;
    return this.paged(
      `GET ${this.settings.armEndpoint}/subscriptions/${subscriptionId}/providers/Microsoft.CognitiveServices/accounts`,
      (o) => client.accounts.list(o),
      // The SDK's deserialized account, as plain JSON for the schema.
      (a) => JSON.parse(JSON.stringify(a)) as unknown,
    );
  }

  /** Key Vault secrets: write a version, read back version metadata (never values). */
  keyVault(vaultUrl: string) {
    const client = new SecretClient(vaultUrl, this.credential, {
      retryOptions: this.settings.retry,
      httpClient: this.http(new URL(vaultUrl).origin),
      // The challenge check wants *.vault.azure.net; a private endpoint or stand-in is not.
      disableChallengeResourceVerification: !isKnownVaultHost(vaultUrl),
    });
    const { signal } = this;
    const failure = (err: unknown, operation: string) => this.failure(err, operation);
    return {
      async set(name: string, value: string, contentType: string, tags: Record<string, string>) {
        try {
          const s = await client.setSecret(name, value, { contentType, tags, abortSignal: signal });
          return { version: s.properties.version ?? null, id: s.properties.id ?? null };
        } catch (err) {
          throw failure(err, `PUT ${vaultUrl}/secrets/${name}`);
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
          throw failure(err, `GET ${vaultUrl}/secrets/${name}/versions`);
        }
        return out;
      },
    };
  }

  private async graphToken(): Promise<string | null> {
    const graph = this.settings.graphEndpoint;
    try {
      return (
        (await this.credential.getToken(scopeFor(graph), { abortSignal: this.signal }))?.token ??
        null
      );
    } catch (err) {
      throw this.failure(err, `token for ${graph}`);
    }
  }

  /**
   * Permission claims of a Graph token: `roles` (application permissions of an app-only token)
   * and `scp` (delegated scopes of a user's token). Graph has no "may I?" API, so `nhi doctor`
   * reads these. null when the token is not a readable JWT.
   */
  async graphTokenPermissions(): Promise<{ roles: string[]; scopes: string[] } | null> {
    const token = await this.graphToken();
    return token ? readTokenClaims(token) : null;
  }

  /** The tenant a token was issued for (when none was configured): the `tid` claim. */
  async tenantOfToken(): Promise<string | null> {
    const token = await this.graphToken();
    return (token && readTokenClaims(token)?.tid) || null;
  }
}

export function createAzureClient(
  ctx: Pick<ConnectorContext, 'env' | 'signal'>,
  settings: AzureSettings,
  tenantId: string | undefined,
) {
  const { credential, source, transport, explicit } = createCredential(settings, ctx.env, tenantId);
  return {
    client: new AzureClient(settings, credential, ctx.signal, { transport, explicit }),
    source,
  };
}
