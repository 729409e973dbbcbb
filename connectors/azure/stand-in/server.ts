/**
 * Azure stand-in: one HTTPS server speaking the Entra authority (OpenID configuration +
 * client-credentials token endpoint), Microsoft Graph v1.0/beta, ARM (subscriptions, role
 * assignments, role definitions) and the Key Vault secrets REST API, over an estate.
 * Shapes follow the published REST references (Graph: @odata.nextLink paging, error
 * {error:{code,message,innerError}}; ARM: nextLink, AuthorizationFailed; Key Vault: the
 * 401 bearer challenge). Faults (429 + Retry-After, 403/404/5xx, latency) are injectable.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { randomBytes, randomUUID } from 'node:crypto';
import { createCertificate } from './cert.js';
import type {
  AzureEstate,
  EstateApplication,
  EstatePassword,
  EstateServicePrincipal,
} from './estate.js';
import { MICROSOFT_GRAPH_APP_ID } from './estate.js';

export interface Fault {
  /** Substring of the request path (query excluded), or a pattern tested against it. */
  match: string | RegExp;
  status: number;
  /** How many matching requests fail; Infinity = all. */
  times?: number;
  /** Sent as Retry-After (seconds) on 429/503; 0 keeps tests fast. */
  retryAfterSeconds?: number;
  code?: string;
  message?: string;
  /** Only for this HTTP method. */
  method?: string;
}

export interface RequestRecord {
  method: string;
  path: string;
  query: string;
  status: number;
}

export interface StandInFaults {
  add(fault: Fault): void;
  clear(): void;
  /** Delay every response by this many milliseconds. */
  latencyMs: number;
}

export interface AzureStandIn {
  url: string;
  caFile: string;
  caPem: string;
  faults: StandInFaults;
  requests: RequestRecord[];
  /** Live estate: addPassword/removePassword mutate it. */
  estate: AzureEstate;
  /** Key Vault contents as stored: vault -> secret -> versions (tests inspect them). */
  vaults: Map<string, Map<string, StoredSecretVersion[]>>;
  /** Vault name -> its URL (each vault has its own origin, like `https://name.vault.azure.net`). */
  vaultUrls: Record<string, string>;
  close(): Promise<void>;
}

export interface StoredSecretVersion {
  version: string;
  value: string;
  contentType: string | null;
  tags: Record<string, string>;
  enabled: boolean;
  created: number;
}

export interface StandInOptions {
  estate: AzureEstate;
  latencyMs?: number;
  /** Largest page served whatever $top asks (Graph: 999); tests shrink it to force paging. */
  maxPageSize?: number;
  /** Clock for secrets added through addPassword (the demo pins it). */
  now?: () => Date;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

type Api = 'authority' | 'graph' | 'arm' | 'keyvault';

export async function startAzureStandIn(options: StandInOptions): Promise<AzureStandIn> {
  const cert = await createCertificate();
  const estate = structuredClone(options.estate);
  const clock = options.now ?? (() => new Date());
  const maxPageSize = options.maxPageSize ?? 999;
  const tokens = new Set<string>();
  /** Secrets minted by addPassword, so a rotated secret can really sign in. */
  const minted = new Map<string, string>(); // keyId -> secretText
  const vaults = new Map<string, Map<string, StoredSecretVersion[]>>(
    estate.keyVaults.map((v) => [v, new Map()]),
  );
  const requests: RequestRecord[] = [];
  let faultList: Array<Fault & { remaining: number }> = [];
  const faults: StandInFaults = {
    add: (f) => faultList.push({ ...f, remaining: f.times ?? Infinity }),
    clear: () => {
      faultList = [];
    },
    latencyMs: options.latencyMs ?? 0,
  };
  let baseUrl = '';

  const tlsKeys = { key: cert.keyPem, cert: cert.certPem };
  const server = createServer(tlsKeys, (req, res) => void handle(req, res, null));
  // Key Vault secret ids must be `https://host/secrets/name/version` (the SDK parses them),
  // so each vault gets its own origin: a server of its own on another port.
  const vaultServers = estate.keyVaults.map((name) => ({
    name,
    url: '',
    server: createServer(tlsKeys, (req, res) => void handle(req, res, name)),
  }));

  async function handle(
    req: IncomingMessage,
    res: ServerResponse,
    vaultName: string | null,
  ): Promise<void> {
    // The ARM SDK joins endpoint and path with a doubled slash, which new URL(path, base)
    // would read as a protocol-relative host; prefix the base instead.
    const url = new URL(`${baseUrl}${req.url ?? '/'}`);
    const path = url.pathname.replace(/\/{2,}/g, '/');
    const method = req.method ?? 'GET';
    const api: Api = vaultName ? 'keyvault' : apiOf(path);
    const record: RequestRecord = { method, path, query: url.search, status: 0 };
    requests.push(record);
    const body = await readBody(req);
    if (faults.latencyMs > 0) await new Promise((r) => setTimeout(r, faults.latencyMs));
    let status: number;
    let payload: unknown;
    let headers: Record<string, string>;
    try {
      const fault = faultList.find(
        (f) =>
          f.remaining > 0 &&
          (!f.method || f.method === method) &&
          (typeof f.match === 'string' ? path.includes(f.match) : f.match.test(path)),
      );
      if (fault) {
        fault.remaining -= 1;
        const retry: Record<string, string> =
          fault.status === 429 || fault.status === 503
            ? { 'Retry-After': String(fault.retryAfterSeconds ?? 0) }
            : {};
        throw new HttpError(
          fault.status,
          fault.code ?? defaultCode(fault.status, api),
          fault.message ?? 'Injected fault',
          retry,
        );
      }
      const out = await route(api, method, path, url.searchParams, body, req, vaultName ?? '');
      status = out.status ?? 200;
      payload = out.body;
      headers = out.headers ?? {};
    } catch (err) {
      const e =
        err instanceof HttpError ? err : new HttpError(500, 'InternalServerError', String(err));
      status = e.status;
      headers = e.headers;
      payload = errorBody(api, e);
    }
    record.status = status;
    const requestId = randomUUID();
    res.writeHead(status, {
      ...(payload === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' }),
      'request-id': requestId,
      'x-ms-request-id': requestId,
      ...headers,
    });
    res.end(payload === undefined ? undefined : JSON.stringify(payload));
  }

  function errorBody(api: Api, e: HttpError): unknown {
    if (api === 'authority') {
      return {
        error: e.code,
        error_description: e.message,
        error_codes: [],
        timestamp: clock().toISOString(),
      };
    }
    if (api === 'graph') {
      return {
        error: {
          code: e.code,
          message: e.message,
          innerError: {
            date: clock().toISOString(),
            'request-id': randomUUID(),
            'client-request-id': randomUUID(),
          },
        },
      };
    }
    return { error: { code: e.code, message: e.message } };
  }

  async function route(
    api: Api,
    method: string,
    path: string,
    query: URLSearchParams,
    body: string,
    req: IncomingMessage,
    vaultName: string,
  ): Promise<{ status?: number; body?: unknown; headers?: Record<string, string> }> {
    if (api === 'authority') return authority(method, path, body);
    const token = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (api === 'keyvault' && !token) {
      // Key Vault clients start unauthenticated and learn the authority from this challenge.
      throw new HttpError(
        401,
        'Unauthorized',
        'AKV10000: Request is missing a Bearer or PoP token.',
        {
          'WWW-Authenticate': `Bearer authorization="${baseUrl}/${estate.tenant.id}", resource="https://vault.azure.net"`,
        },
      );
    }
    if (!token || !tokens.has(token)) {
      throw new HttpError(401, 'InvalidAuthenticationToken', 'Access token is empty or invalid.');
    }
    if (api === 'graph') return graph(method, path, query, body);
    if (api === 'arm') return arm(path, query);
    return keyVault(vaultName, method, path, body);
  }

  /* ----- authority ----- */

  function authority(method: string, path: string, body: string) {
    const parts = path.split('/').filter(Boolean);
    const tenant = parts[0] ?? '';
    if (tenant === 'common' && parts[1] === 'discovery') {
      const host = new URL(baseUrl).host;
      return {
        body: {
          tenant_discovery_endpoint: `${baseUrl}/{tenant}/v2.0/.well-known/openid-configuration`,
          'api-version': '1.1',
          metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
        },
      };
    }
    if (tenant !== estate.tenant.id && tenant !== estate.tenant.domain) {
      throw new HttpError(400, 'invalid_tenant', `AADSTS90002: Tenant '${tenant}' not found.`);
    }
    const rest = parts.slice(1).join('/');
    if (
      method === 'GET' &&
      (rest === 'v2.0/.well-known/openid-configuration' ||
        rest === '.well-known/openid-configuration')
    ) {
      const t = estate.tenant.id;
      return {
        body: {
          token_endpoint: `${baseUrl}/${t}/oauth2/v2.0/token`,
          authorization_endpoint: `${baseUrl}/${t}/oauth2/v2.0/authorize`,
          device_authorization_endpoint: `${baseUrl}/${t}/oauth2/v2.0/devicecode`,
          end_session_endpoint: `${baseUrl}/${t}/oauth2/v2.0/logout`,
          issuer: `${baseUrl}/${t}/v2.0`,
          jwks_uri: `${baseUrl}/${t}/discovery/v2.0/keys`,
          response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
          token_endpoint_auth_methods_supported: [
            'client_secret_post',
            'private_key_jwt',
            'client_secret_basic',
          ],
          tenant_region_scope: 'EU',
        },
      };
    }
    if (method === 'POST' && rest === 'oauth2/v2.0/token') {
      const form = new URLSearchParams(body);
      if (form.get('grant_type') !== 'client_credentials') {
        throw new HttpError(
          400,
          'unsupported_grant_type',
          'AADSTS70003: The app requested an unsupported grant type.',
        );
      }
      const clientId = form.get('client_id') ?? '';
      const secret = form.get('client_secret') ?? '';
      if (!acceptsSecret(clientId, secret)) {
        const known =
          estate.clients.some((c) => c.clientId === clientId) ||
          estate.applications.some((a) => a.appId === clientId);
        if (!known) {
          throw new HttpError(
            400,
            'unauthorized_client',
            `AADSTS700016: Application with identifier '${clientId}' was not found in the directory '${estate.tenant.domain}'.`,
          );
        }
        throw new HttpError(
          401,
          'invalid_client',
          `AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`,
        );
      }
      // Shaped like Entra's JWTs (unsigned here) so clients can read tid/appid claims.
      const claims = {
        aud: form.get('scope'),
        iss: `${baseUrl}/${estate.tenant.id}/v2.0`,
        tid: estate.tenant.id,
        appid: clientId,
        // App-only tokens list the application permissions granted on the resource (Graph here);
        // Entra leaves the claim out when there are none. Key Vault tokens carry no Graph roles.
        ...graphRolesClaim(clientId, form.get('scope') ?? ''),
      };
      const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
      const accessToken = `${b64({ typ: 'JWT', alg: 'none' })}.${b64(claims)}.${randomBytes(24).toString('base64url')}`;
      tokens.add(accessToken);
      return {
        body: {
          token_type: 'Bearer',
          expires_in: 3599,
          ext_expires_in: 3599,
          access_token: accessToken,
        },
      };
    }
    throw new HttpError(404, 'not_found', `No authority endpoint ${path}`);
  }

  /** `roles`: values of the Microsoft Graph app roles assigned to the client's service principal. */
  function graphRolesClaim(clientId: string, scope: string): { roles?: string[] } {
    if (/vault/i.test(scope)) return {};
    const sp = estate.servicePrincipals.find((x) => x.appId === clientId);
    const graph = estate.servicePrincipals.find((x) => x.appId === MICROSOFT_GRAPH_APP_ID);
    if (!sp || !graph) return {};
    const roles = estate.appRoleAssignments
      .filter((a) => a.principalId === sp.id && a.resourceId === graph.id)
      .map((a) => graph.appRoles.find((r) => r.id === a.appRoleId)?.value)
      .filter((v): v is string => !!v);
    return roles.length ? { roles } : {};
  }

  function acceptsSecret(clientId: string, secret: string): boolean {
    if (estate.clients.some((c) => c.clientId === clientId && c.secret === secret)) return true;
    const app = estate.applications.find((a) => a.appId === clientId);
    const now = clock().getTime();
    return Boolean(
      app?.passwordCredentials.some(
        (p) =>
          minted.get(p.keyId) === secret &&
          Date.parse(p.endDateTime) > now &&
          Date.parse(p.startDateTime) <= now,
      ),
    );
  }

  /* ----- Microsoft Graph ----- */

  function graph(method: string, path: string, query: URLSearchParams, body: string) {
    const [, version, ...segs] = path.split('/');
    const beta = version === 'beta';
    const head = segs[0] ?? '';
    const byAppId = /^(applications|servicePrincipals)\(appId='([^']+)'\)$/.exec(head);
    const collection = byAppId ? byAppId[1] : head;

    if (method === 'GET' && head === 'organization' && segs.length === 1) {
      const t = estate.tenant;
      return page(path, query, [
        {
          id: t.id,
          displayName: t.displayName,
          verifiedDomains: [
            {
              name: t.domain,
              isDefault: true,
              isInitial: true,
              type: 'Managed',
              capabilities: 'None',
            },
          ],
        },
      ]);
    }
    if (collection === 'applications' || collection === 'servicePrincipals') {
      const list: Array<EstateApplication | EstateServicePrincipal> =
        collection === 'applications' ? estate.applications : estate.servicePrincipals;
      const kind = collection === 'applications' ? 'application' : 'servicePrincipal';
      if (!byAppId && segs.length === 1 && method === 'GET') {
        return page(
          path,
          query,
          list.map((o) => shape(o, kind, query)),
        );
      }
      const key = byAppId ? byAppId[2] : segs[1];
      const sub = byAppId ? segs.slice(1) : segs.slice(2);
      const obj = list.find((o) => (byAppId ? o.appId === key : o.id === key));
      if (!obj) {
        throw new HttpError(
          404,
          'Request_ResourceNotFound',
          `Resource '${key}' does not exist or one of its queried reference-property objects are not present.`,
        );
      }
      if (sub.length === 0 && method === 'GET') return { body: shape(obj, kind, query) };
      const action = sub[0];
      if (method === 'POST' && action === 'addPassword') return addPassword(obj, body);
      if (method === 'POST' && action === 'removePassword') return removePassword(obj, body);
      if (method === 'GET' && action === 'owners' && kind === 'application') {
        return page(path, query, (obj as EstateApplication).owners);
      }
      if (method === 'GET' && action === 'federatedIdentityCredentials' && kind === 'application') {
        return page(path, query, (obj as EstateApplication).federatedIdentityCredentials);
      }
      if (method === 'GET' && action === 'appRoleAssignments' && kind === 'servicePrincipal') {
        return page(
          path,
          query,
          estate.appRoleAssignments.filter((a) => a.principalId === obj.id),
        );
      }
    }
    if (method === 'GET' && head === 'oauth2PermissionGrants' && segs.length === 1) {
      const clientFilter = /clientId eq '([^']+)'/.exec(query.get('$filter') ?? '')?.[1];
      return page(
        path,
        query,
        estate.oauth2PermissionGrants.filter((g) => !clientFilter || g.clientId === clientFilter),
      );
    }
    if (method === 'GET' && head === 'reports' && segs.length === 2) {
      const report = segs[1];
      if (
        report === 'servicePrincipalSignInActivities' ||
        report === 'appCredentialSignInActivities'
      ) {
        if (!beta) {
          throw new HttpError(400, 'BadRequest', `Resource not found for the segment '${report}'.`);
        }
        if (!estate.signInReports.available) {
          throw new HttpError(
            403,
            'Authentication_RequestFromNonPremiumTenantOrB2CTenant',
            "Neither tenant is B2C or tenant doesn't have premium license",
          );
        }
        return page(
          path,
          query,
          report === 'servicePrincipalSignInActivities' ? spActivities() : credentialActivities(),
        );
      }
    }
    throw new HttpError(
      400,
      'BadRequest',
      `Resource not found for the segment '${segs.join('/')}'.`,
    );
  }

  function spActivities() {
    return estate.signInReports.servicePrincipals.map((s) => {
      const activity = {
        lastSignInDateTime: s.lastSignInDateTime,
        lastSignInRequestId: s.lastSignInDateTime ? randomUUID() : null,
      };
      return {
        id: s.appId,
        appId: s.appId,
        lastSignInActivity: activity,
        applicationAuthenticationClientSignInActivity: activity,
        applicationAuthenticationResourceSignInActivity: {
          lastSignInDateTime: null,
          lastSignInRequestId: null,
        },
        delegatedClientSignInActivity: { lastSignInDateTime: null, lastSignInRequestId: null },
        delegatedResourceSignInActivity: { lastSignInDateTime: null, lastSignInRequestId: null },
      };
    });
  }

  function credentialActivities() {
    return estate.signInReports.credentials.map((c) => {
      const app = estate.applications.find((a) => a.appId === c.appId);
      const sp = estate.servicePrincipals.find((s) => s.appId === c.appId);
      const cred = [...(app?.passwordCredentials ?? []), ...(app?.keyCredentials ?? [])].find(
        (k) => k.keyId === c.keyId,
      );
      return {
        id: `${c.appId}${c.keyId}`,
        keyId: c.keyId,
        keyType: c.keyType,
        keyUsage: c.keyType === 'certificate' ? 'verify' : null,
        appId: c.appId,
        appObjectId: app?.id ?? null,
        servicePrincipalObjectId: sp?.id ?? null,
        resourceId: null,
        credentialOrigin: c.credentialOrigin,
        createdDateTime: cred?.startDateTime ?? null,
        expirationDateTime: cred?.endDateTime ?? null,
        signInActivity: {
          lastSignInDateTime: c.lastSignInDateTime,
          lastSignInRequestId: c.lastSignInDateTime ? randomUUID() : null,
        },
      };
    });
  }

  function shape(
    obj: EstateApplication | EstateServicePrincipal,
    kind: string,
    query: URLSearchParams,
  ) {
    const full: Record<string, unknown> = { '@odata.type': `#microsoft.graph.${kind}`, ...obj };
    // Navigation properties are only returned through $expand or their own URL.
    delete full.owners;
    delete full.federatedIdentityCredentials;
    const select = query.get('$select');
    const out: Record<string, unknown> = select
      ? Object.fromEntries(
          Object.entries(full).filter(([k]) => k === 'id' || select.split(',').includes(k)),
        )
      : full;
    const expand = query.get('$expand') ?? '';
    if (/^owners(\(|$)/.test(expand) && 'owners' in obj) {
      const ownerSelect = /\$select=([^)]+)/.exec(expand)?.[1]?.split(',');
      out.owners = obj.owners.map((o) =>
        ownerSelect
          ? Object.fromEntries(
              Object.entries(o).filter(([k]) => k === '@odata.type' || ownerSelect.includes(k)),
            )
          : o,
      );
    }
    return out;
  }

  function addPassword(obj: EstateApplication | EstateServicePrincipal, body: string) {
    const input =
      (JSON.parse(body || '{}') as { passwordCredential?: Partial<EstatePassword> })
        .passwordCredential ?? {};
    const now = clock();
    const secretText = `${randomBytes(3).toString('hex').slice(0, 3)}8Q~${randomBytes(27).toString('base64url')}`;
    const cred: EstatePassword = {
      keyId: randomUUID(),
      displayName: input.displayName ?? null,
      hint: secretText.slice(0, 3),
      startDateTime: input.startDateTime ?? now.toISOString(),
      endDateTime: input.endDateTime ?? new Date(now.getTime() + 730 * 86_400_000).toISOString(),
    } as EstatePassword;
    obj.passwordCredentials.push(cred);
    minted.set(cred.keyId, secretText);
    return {
      body: {
        '@odata.context': `${baseUrl}/v1.0/$metadata#microsoft.graph.passwordCredential`,
        customKeyIdentifier: null,
        ...cred,
        secretText,
      },
    };
  }

  function removePassword(obj: EstateApplication | EstateServicePrincipal, body: string) {
    const keyId = (JSON.parse(body || '{}') as { keyId?: string }).keyId;
    const index = obj.passwordCredentials.findIndex((p) => p.keyId === keyId);
    if (index < 0) {
      throw new HttpError(
        400,
        'Request_BadRequest',
        `No password credential found with keyId '${keyId}'.`,
      );
    }
    obj.passwordCredentials.splice(index, 1);
    if (keyId) minted.delete(keyId);
    return { status: 204 };
  }

  /** Graph paging: $top or the default page size, an opaque $skiptoken in @odata.nextLink. */
  function page(path: string, query: URLSearchParams, items: unknown[]) {
    const size = Math.min(maxPageSize, Math.max(1, Number(query.get('$top') ?? 100)));
    const offset = decodeSkip(query.get('$skiptoken'));
    const slice = items.slice(offset, offset + size);
    const out: Record<string, unknown> = {
      '@odata.context': `${baseUrl}${path}/$metadata`,
      value: slice,
    };
    if (offset + size < items.length) {
      const next = new URLSearchParams(query);
      next.set('$skiptoken', encodeSkip(offset + size));
      out['@odata.nextLink'] = `${baseUrl}${path}?${next.toString()}`;
    }
    return { body: out };
  }

  /* ----- ARM ----- */

  function arm(path: string, query: URLSearchParams) {
    if (path === '/subscriptions') {
      return armPage(
        path,
        query,
        estate.subscriptions.map((s) => ({
          id: `/subscriptions/${s.subscriptionId}`,
          authorizationSource: 'RoleBased',
          subscriptionId: s.subscriptionId,
          tenantId: estate.tenant.id,
          displayName: s.displayName,
          state: s.state,
          subscriptionPolicies: {
            locationPlacementId: 'Public_2014-09-01',
            quotaId: 'PayAsYouGo_2014-09-01',
            spendingLimit: 'Off',
          },
        })),
      );
    }
    const m =
      /^(\/subscriptions\/([^/]+)(?:\/.*?)?)\/providers\/Microsoft\.Authorization\/(roleAssignments|roleDefinitions)(?:\/([^/]+))?$/i.exec(
        path,
      );
    if (!m)
      throw new HttpError(
        404,
        'InvalidResourceType',
        `The resource type could not be found for '${path}'.`,
      );
    const [, scope = '', subId, kind, itemName] = m;
    const sub = estate.subscriptions.find((s) => s.subscriptionId === subId);
    if (!sub)
      throw new HttpError(
        404,
        'SubscriptionNotFound',
        `The subscription '${subId}' could not be found.`,
      );
    const defId = (guid: string) =>
      `/subscriptions/${sub.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${guid}`;
    if (kind?.toLowerCase() === 'roledefinitions') {
      const defs = estate.roleDefinitions.map((d) => ({
        id: defId(d.name),
        name: d.name,
        type: 'Microsoft.Authorization/roleDefinitions',
        properties: {
          roleName: d.roleName,
          type: d.type,
          description: d.roleName,
          assignableScopes: ['/'],
          permissions: [
            {
              actions: d.actions,
              notActions: d.notActions,
              dataActions: d.dataActions ?? [],
              notDataActions: [],
            },
          ],
        },
      }));
      if (itemName) {
        const one = defs.find((d) => d.name === itemName);
        if (!one)
          throw new HttpError(
            404,
            'RoleDefinitionDoesNotExist',
            `The role definition '${itemName}' does not exist.`,
          );
        return { body: one };
      }
      return armPage(path, query, defs);
    }
    const filter = query.get('$filter') ?? '';
    const principal = /principalId eq '([^']+)'/.exec(filter)?.[1];
    const atScope = filter.includes('atScope()');
    const lower = scope.toLowerCase();
    const items = sub.roleAssignments
      .filter((a) => {
        const s = a.scope.toLowerCase();
        const above = lower.startsWith(s);
        return atScope ? above : above || s.startsWith(lower);
      })
      .filter((a) => !principal || a.principalId === principal)
      .map((a) => ({
        id: `${a.scope}/providers/Microsoft.Authorization/roleAssignments/${a.name}`,
        name: a.name,
        type: 'Microsoft.Authorization/roleAssignments',
        properties: {
          roleDefinitionId: defId(a.roleDefinitionName),
          principalId: a.principalId,
          principalType: a.principalType,
          scope: a.scope,
          condition: null,
          conditionVersion: null,
          createdOn: a.createdOn,
          updatedOn: a.createdOn,
          createdBy: null,
          updatedBy: null,
          delegatedManagedIdentityResourceId: null,
          description: null,
        },
      }));
    return armPage(path, query, items);
  }

  function armPage(path: string, query: URLSearchParams, items: unknown[]) {
    const size = Math.min(maxPageSize, Number(query.get('$top') ?? 100));
    const offset = decodeSkip(query.get('$skiptoken'));
    const out: Record<string, unknown> = { value: items.slice(offset, offset + size) };
    if (offset + size < items.length) {
      const next = new URLSearchParams(query);
      next.set('$skiptoken', encodeSkip(offset + size));
      out.nextLink = `${baseUrl}${path}?${next.toString()}`;
    }
    return { body: out };
  }

  /* ----- Key Vault ----- */

  function keyVault(vaultName: string, method: string, path: string, body: string) {
    const [, collection, name, version] = path.split('/');
    const vault = vaults.get(vaultName);
    if (!vault) throw new HttpError(404, 'VaultNotFound', `Vault '${vaultName}' does not exist.`);
    if (collection !== 'secrets' || !name)
      throw new HttpError(400, 'BadParameter', `Unsupported path ${path}`);
    const vaultUrl = vaultServers.find((v) => v.name === vaultName)?.url ?? '';
    const bundle = (v: StoredSecretVersion, withValue: boolean) => ({
      ...(withValue ? { value: v.value } : {}),
      id: `${vaultUrl}/secrets/${name}/${v.version}`,
      contentType: v.contentType ?? undefined,
      tags: v.tags,
      attributes: {
        enabled: v.enabled,
        created: v.created,
        updated: v.created,
        recoveryLevel: 'Recoverable+Purgeable',
        recoverableDays: 90,
      },
    });
    if (method === 'PUT' && !version) {
      const input = JSON.parse(body || '{}') as {
        value?: string;
        contentType?: string;
        tags?: Record<string, string>;
        attributes?: { enabled?: boolean };
      };
      if (typeof input.value !== 'string')
        throw new HttpError(400, 'BadParameter', 'The secret value is missing.');
      const stored: StoredSecretVersion = {
        version: randomBytes(16).toString('hex'),
        value: input.value,
        contentType: input.contentType ?? null,
        tags: input.tags ?? {},
        enabled: input.attributes?.enabled ?? true,
        created: Math.floor(clock().getTime() / 1000),
      };
      vault.set(name, [...(vault.get(name) ?? []), stored]);
      return { body: bundle(stored, true) };
    }
    const versions = vault.get(name);
    if (!versions?.length)
      throw new HttpError(
        404,
        'SecretNotFound',
        `A secret with (name/id) ${name} was not found in this key vault.`,
      );
    if (method === 'GET' && version === 'versions') {
      return { body: { value: versions.map((v) => bundle(v, false)), nextLink: null } };
    }
    if (method === 'GET') {
      const v = version
        ? versions.find((x) => x.version === version)
        : versions[versions.length - 1];
      if (!v)
        throw new HttpError(
          404,
          'SecretNotFound',
          `A secret with (name/id) ${name}/${version} was not found in this key vault.`,
        );
      return { body: bundle(v, true) };
    }
    throw new HttpError(405, 'MethodNotAllowed', `${method} ${path}`);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  for (const v of vaultServers) {
    await new Promise<void>((resolve) => v.server.listen(0, '127.0.0.1', resolve));
    v.url = `https://127.0.0.1:${(v.server.address() as AddressInfo).port}`;
  }

  return {
    url: baseUrl,
    caFile: cert.caFile,
    caPem: cert.certPem,
    faults,
    requests,
    estate,
    vaults,
    vaultUrls: Object.fromEntries(vaultServers.map((v) => [v.name, v.url])),
    async close() {
      for (const s of [server, ...vaultServers.map((v) => v.server)]) {
        s.closeAllConnections();
        await new Promise<void>((resolve) => s.close(() => resolve()));
      }
      await cert.remove();
    },
  };
}

function apiOf(path: string): Api {
  if (path.startsWith('/v1.0/') || path.startsWith('/beta/')) return 'graph';
  if (path.startsWith('/subscriptions') || path.startsWith('/providers/')) return 'arm';
  return 'authority';
}

function defaultCode(status: number, api: Api): string {
  if (status === 429) return api === 'arm' ? 'TooManyRequests' : 'TooManyRequests';
  if (status === 403) return api === 'arm' ? 'AuthorizationFailed' : 'Authorization_RequestDenied';
  if (status === 404) return api === 'graph' ? 'Request_ResourceNotFound' : 'NotFound';
  if (status === 503) return 'ServiceUnavailable';
  return 'InternalServerError';
}

const encodeSkip = (n: number) => Buffer.from(`skip:${n}`).toString('base64url');
function decodeSkip(token: string | null): number {
  if (!token) return 0;
  const n = Number(/^skip:(\d+)$/.exec(Buffer.from(token, 'base64url').toString())?.[1]);
  if (!Number.isFinite(n)) throw new HttpError(400, 'BadRequest', 'Invalid $skiptoken');
  return n;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
