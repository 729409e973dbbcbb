/**
 * A local stand-in for the Google Cloud REST APIs nhi uses, on one 127.0.0.1 port:
 * IAM v1 (service accounts, keys), Cloud Resource Manager v3 (projects, folders,
 * getIamPolicy), Policy Analyzer v1 (activities:query), Recommender v1 and API Keys v2.
 * Payload shapes follow Google's REST reference (field names as in @googleapis/iam's
 * typings); errors use the google.rpc shape {error:{code,message,status}}.
 * Faults (429, 403, 5xx on chosen paths), latency and a request log are programmable.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPair, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import {
  NEVER_EXPIRES,
  serviceAccountEmail,
  type GcpEstate,
  type StandInApi,
  type StandInBinding,
  type StandInKey,
  type StandInProject,
  type StandInServiceAccount,
} from './estate.js';
import { jwtBearerToken } from './token.js';

export const GCP_STAND_IN_TOKEN = 'ya29.nhi-stand-in-token';

export interface FaultRule {
  method?: string;
  /** Substring of, or pattern for, the decoded request path (no query). */
  path: string | RegExp;
  status: number;
  /** How many matching requests fail; Infinity = all. */
  times: number;
  retryAfterSeconds?: number;
  /** Answer with this body instead of a google.rpc error (e.g. a malformed payload). */
  body?: unknown;
}

export interface Faults {
  add(rule: FaultRule): void;
  /** 429 RESOURCE_EXHAUSTED, as Google answers over quota. */
  throttle(path: string | RegExp, times?: number, method?: string): void;
  /** 403 PERMISSION_DENIED. */
  deny(path: string | RegExp, times?: number, method?: string): void;
  /** 503 UNAVAILABLE. */
  serverError(path: string | RegExp, times?: number, method?: string): void;
  clear(): void;
}

export interface RequestRecord {
  method: string;
  path: string;
  query: string;
  status: number;
}

export interface GcpStandIn {
  url: string;
  token: string;
  /** The live estate (mutated by key actions). */
  estate: GcpEstate;
  faults: Faults;
  requests: RequestRecord[];
  close(): Promise<void>;
}

export interface GcpStandInOptions {
  estate: GcpEstate;
  latencyMs?: number;
  /** Bearer token the stand-in accepts. */
  token?: string;
  /** Largest page the server returns whatever pageSize asks (Google caps too). */
  pageSizeCap?: number;
  /** Clock for new keys' validAfterTime; the demo pins it. */
  now?: () => Date;
}

class HttpError extends Error {
  constructor(
    readonly code: number,
    readonly status: string,
    message: string,
  ) {
    super(message);
  }
}

const STATUS_TEXT: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
};

const generateKeyPairAsync = promisify(generateKeyPair);

export async function startGcpStandIn(options: GcpStandInOptions): Promise<GcpStandIn> {
  const estate: GcpEstate = structuredClone(options.estate);
  const token = options.token ?? GCP_STAND_IN_TOKEN;
  const cap = options.pageSizeCap ?? 1000;
  const now = options.now ?? (() => new Date());
  const rules: FaultRule[] = [];
  const requests: RequestRecord[] = [];

  const faults: Faults = {
    add: (rule) => rules.push({ ...rule }),
    throttle: (path, times = 1, method) =>
      rules.push({ path, status: 429, times, retryAfterSeconds: 0, ...(method ? { method } : {}) }),
    deny: (path, times = Infinity, method) =>
      rules.push({ path, status: 403, times, ...(method ? { method } : {}) }),
    serverError: (path, times = 1, method) =>
      rules.push({ path, status: 503, times, ...(method ? { method } : {}) }),
    clear: () => rules.splice(0),
  };

  const server = createServer((req, res) => {
    void handle(req, res);
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const path = decodeURIComponent(url.pathname).replace(/\/{2,}/g, '/');
    const method = req.method ?? 'GET';
    const record: RequestRecord = { method, path, query: url.search, status: 0 };
    requests.push(record);
    let status = 200;
    let body: unknown;
    const headers: Record<string, string> = { 'content-type': 'application/json; charset=UTF-8' };
    try {
      const raw = await readBody(req);
      if (options.latencyMs) await new Promise((r) => setTimeout(r, options.latencyMs));
      // The OAuth 2.0 host is authenticated by the signed assertion, not a bearer token.
      const tokenRequest = method === 'POST' && path === '/token';
      if (!tokenRequest && req.headers.authorization !== `Bearer ${token}`) {
        throw new HttpError(
          401,
          'UNAUTHENTICATED',
          'Request had invalid authentication credentials. Expected OAuth 2 access token.',
        );
      }
      const fault = rules.find(
        (r) => r.times > 0 && (!r.method || r.method === method) && matches(r.path, path),
      );
      if (fault) {
        fault.times--;
        if (fault.retryAfterSeconds !== undefined)
          headers['retry-after'] = String(fault.retryAfterSeconds);
        if (fault.body !== undefined) {
          record.status = fault.status;
          res.writeHead(fault.status, headers);
          res.end(JSON.stringify(fault.body));
          return;
        }
        throw new HttpError(
          fault.status,
          STATUS_TEXT[fault.status] ?? 'UNKNOWN',
          faultMessage(fault.status, path),
        );
      }
      if (tokenRequest) {
        const reply = jwtBearerToken(estate, new URLSearchParams(raw), now());
        record.status = reply.status;
        res.writeHead(reply.status, headers);
        res.end(JSON.stringify(reply.body));
        return;
      }
      body = await route(method, path, url.searchParams, raw ? JSON.parse(raw) : {});
    } catch (e) {
      if (e instanceof HttpError) {
        status = e.code;
        body = { error: { code: e.code, message: e.message, status: e.status } };
      } else {
        status = 500;
        body = { error: { code: 500, message: 'Internal error encountered.', status: 'INTERNAL' } };
      }
    }
    record.status = status;
    res.writeHead(status, headers);
    res.end(JSON.stringify(body));
  }

  /* ----- routing ----- */

  async function route(
    method: string,
    path: string,
    q: URLSearchParams,
    body: Record<string, unknown>,
  ): Promise<unknown> {
    let m: RegExpExecArray | null;
    // IAM v1
    if ((m = /^\/v1\/projects\/([^/]+)\/serviceAccounts$/.exec(path)) && method === 'GET') {
      const project = projectFor(m[1]!, 'iam');
      const accounts = project.serviceAccounts.map((sa) => renderServiceAccount(project, sa));
      const page = paginate(accounts, q, 20, 100);
      return { accounts: page.items, ...(page.next ? { nextPageToken: page.next } : {}) };
    }
    if ((m = /^\/v1\/projects\/([^/]+)\/serviceAccounts\/([^/]+)\/keys$/.exec(path))) {
      const { project, sa } = serviceAccountFor(m[1]!, m[2]!);
      if (method === 'GET') {
        const types = q.getAll('keyTypes');
        const keys = sa.keys.filter((k) => types.length === 0 || types.includes(k.keyType));
        return { keys: keys.map((k) => renderKey(project, sa, k)) };
      }
      if (method === 'POST') return createKey(project, sa, body);
    }
    if (
      (m =
        /^\/v1\/projects\/([^/]+)\/serviceAccounts\/([^/]+)\/keys\/([^/:]+)(?::(disable|enable))?$/.exec(
          path,
        ))
    ) {
      const { project, sa } = serviceAccountFor(m[1]!, m[2]!);
      const key = sa.keys.find((k) => k.keyId === m![3]);
      if (!key)
        throw new HttpError(404, 'NOT_FOUND', `Service account key ${m[3]} does not exist.`);
      const verb = m[4];
      if (method === 'GET' && !verb) return renderKey(project, sa, key);
      if (method === 'POST' && verb === 'disable') {
        key.disabled = true;
        return {};
      }
      if (method === 'POST' && verb === 'enable') {
        key.disabled = false;
        return {};
      }
      if (method === 'DELETE' && !verb) {
        sa.keys.splice(sa.keys.indexOf(key), 1);
        return {};
      }
    }
    // Cloud Resource Manager v3
    if (path === '/v3/projects:search' && method === 'GET') {
      const query = q.get('query') ?? '';
      const parent = /parent:(\S+)/.exec(query)?.[1];
      const state = /state:(\S+)/.exec(query)?.[1];
      const found = estate.projects.filter(
        (p) =>
          (!parent || p.parent === parent) &&
          (!state || (p.state ?? 'ACTIVE') === state) &&
          !p.denied?.includes('cloudresourcemanager'),
      );
      const page = paginate(found.map(renderProject), q, 100, 500);
      return { projects: page.items, ...(page.next ? { nextPageToken: page.next } : {}) };
    }
    if (path === '/v3/projects' && method === 'GET') {
      const parent = requireParent(q);
      const found = estate.projects.filter(
        (p) => p.parent === parent && !p.denied?.includes('cloudresourcemanager'),
      );
      const page = paginate(found.map(renderProject), q, 100, 500);
      return { projects: page.items, ...(page.next ? { nextPageToken: page.next } : {}) };
    }
    if (path === '/v3/folders' && method === 'GET') {
      const parent = requireParent(q);
      const found = (estate.folders ?? []).filter((f) => f.parent === parent);
      const page = paginate(
        found.map((f) => ({
          name: `folders/${f.id}`,
          displayName: f.displayName,
          parent: f.parent,
          state: 'ACTIVE',
        })),
        q,
        100,
        500,
      );
      return { folders: page.items, ...(page.next ? { nextPageToken: page.next } : {}) };
    }
    if ((m = /^\/v3\/projects\/([^/:]+)$/.exec(path)) && method === 'GET') {
      return renderProject(projectFor(m[1]!, 'cloudresourcemanager'));
    }
    if ((m = /^\/v[13]\/projects\/([^/:]+):testIamPermissions$/.exec(path)) && method === 'POST') {
      // The subset of the asked permissions the caller holds; an empty subset omits the field.
      const project = projectFor(m[1]!, 'cloudresourcemanager');
      const asked = (body as { permissions?: unknown }).permissions;
      if (!Array.isArray(asked) || asked.some((x) => typeof x !== 'string'))
        throw new HttpError(400, 'INVALID_ARGUMENT', 'permissions must be a list of strings.');
      const held = (asked as string[]).filter(
        (x) =>
          (project.callerPermissions?.includes(x) ?? true) &&
          !(x.startsWith('iam.') && project.denied?.includes('iam')),
      );
      return held.length ? { permissions: held } : {};
    }
    if (
      (m = /^\/v3\/(projects|folders|organizations)\/([^/:]+):getIamPolicy$/.exec(path)) &&
      method === 'POST'
    ) {
      return renderPolicy(bindingsFor(m[1]!, m[2]!));
    }
    // Policy Analyzer v1
    if (
      (m =
        /^\/v1\/projects\/([^/]+)\/locations\/global\/activityTypes\/([^/]+)\/activities:query$/.exec(
          path,
        )) &&
      method === 'GET'
    ) {
      const project = projectFor(m[1]!, 'policyanalyzer');
      const activities = renderActivities(project, m[2]!);
      const page = paginate(activities, q, 10, 1000);
      return { activities: page.items, ...(page.next ? { nextPageToken: page.next } : {}) };
    }
    // Recommender v1
    if (
      (m =
        /^\/v1\/projects\/([^/]+)\/locations\/global\/recommenders\/google\.iam\.policy\.Recommender\/recommendations$/.exec(
          path,
        )) &&
      method === 'GET'
    ) {
      const project = projectFor(m[1]!, 'recommender');
      const page = paginate(renderRecommendations(project), q, 50, 1000);
      return { recommendations: page.items, ...(page.next ? { nextPageToken: page.next } : {}) };
    }
    // API Keys v2
    if ((m = /^\/v2\/projects\/([^/]+)\/locations\/global\/keys$/.exec(path)) && method === 'GET') {
      const project = projectFor(m[1]!, 'apikeys');
      const keys = (project.apiKeys ?? []).map((k) => ({
        name: `projects/${project.projectNumber}/locations/global/keys/${k.uid}`,
        uid: k.uid,
        displayName: k.displayName,
        createTime: k.createTime,
        updateTime: k.createTime,
        etag: `W/"${k.uid.slice(0, 8)}"`,
        ...(k.restrictions ? { restrictions: k.restrictions } : {}),
        ...(k.serviceAccountEmail ? { serviceAccountEmail: k.serviceAccountEmail } : {}),
      }));
      const page = paginate(keys, q, 300, 300);
      return { keys: page.items, ...(page.next ? { nextPageToken: page.next } : {}) };
    }
    throw new HttpError(
      404,
      'NOT_FOUND',
      `The requested URL ${path} was not found on this server.`,
    );
  }

  /* ----- lookups ----- */

  function projectFor(idOrNumber: string, api: StandInApi): StandInProject {
    const project = estate.projects.find(
      (p) => p.projectId === idOrNumber || p.projectNumber === idOrNumber,
    );
    // Google answers 403 for projects that do not exist as well as for ones the caller cannot read.
    if (!project || project.denied?.includes(api) || (project.state ?? 'ACTIVE') !== 'ACTIVE') {
      throw new HttpError(
        403,
        'PERMISSION_DENIED',
        `Permission denied on resource project ${idOrNumber} (or it may not exist).`,
      );
    }
    return project;
  }

  function serviceAccountFor(
    projectId: string,
    idOrEmail: string,
  ): { project: StandInProject; sa: StandInServiceAccount } {
    const candidates = projectId === '-' ? estate.projects : [projectFor(projectId, 'iam')];
    for (const project of candidates) {
      if (project.denied?.includes('iam')) continue;
      const sa = project.serviceAccounts.find(
        (s) => s.uniqueId === idOrEmail || serviceAccountEmail(project, s) === idOrEmail,
      );
      if (sa) return { project, sa };
    }
    throw new HttpError(
      404,
      'NOT_FOUND',
      `Service account projects/${projectId}/serviceAccounts/${idOrEmail} does not exist.`,
    );
  }

  function bindingsFor(kind: string, id: string): StandInBinding[] {
    if (kind === 'projects') return projectFor(id, 'cloudresourcemanager').bindings;
    if (kind === 'organizations' && estate.organization?.id === id)
      return estate.organization.bindings;
    const folder = kind === 'folders' ? estate.folders?.find((f) => f.id === id) : undefined;
    if (folder) return folder.bindings;
    throw new HttpError(
      403,
      'PERMISSION_DENIED',
      `The caller does not have permission on ${kind}/${id}.`,
    );
  }

  /* ----- renderers (Google's REST shapes) ----- */

  function renderServiceAccount(project: StandInProject, sa: StandInServiceAccount) {
    const email = serviceAccountEmail(project, sa);
    return {
      name: `projects/${project.projectId}/serviceAccounts/${email}`,
      projectId: project.projectId,
      uniqueId: sa.uniqueId,
      email,
      ...(sa.displayName ? { displayName: sa.displayName } : {}),
      ...(sa.description ? { description: sa.description } : {}),
      etag: 'MDEwMjE5MjA=',
      oauth2ClientId: sa.uniqueId,
      ...(sa.disabled ? { disabled: true } : {}),
    };
  }

  function renderKey(project: StandInProject, sa: StandInServiceAccount, k: StandInKey) {
    return {
      name: `projects/${project.projectId}/serviceAccounts/${serviceAccountEmail(project, sa)}/keys/${k.keyId}`,
      validAfterTime: k.validAfterTime,
      validBeforeTime: k.validBeforeTime,
      keyAlgorithm: 'KEY_ALG_RSA_2048',
      keyOrigin: k.keyOrigin ?? 'GOOGLE_PROVIDED',
      keyType: k.keyType,
      ...(k.disabled ? { disabled: true } : {}),
      ...(k.exposed
        ? {
            disableReason: 'SERVICE_ACCOUNT_KEY_DISABLE_REASON_EXPOSED',
            extendedStatus: [
              {
                key: 'SERVICE_ACCOUNT_KEY_EXPOSED',
                value: 'https://github.com/orbital-freight/leak',
              },
            ],
          }
        : {}),
    };
  }

  function renderProject(p: StandInProject) {
    return {
      name: `projects/${p.projectNumber}`,
      parent: p.parent,
      projectId: p.projectId,
      state: p.state ?? 'ACTIVE',
      displayName: p.displayName,
      createTime: p.createTime,
      updateTime: p.createTime,
      etag: `W/"${p.projectNumber}"`,
      labels: {},
    };
  }

  function renderPolicy(bindings: StandInBinding[]) {
    const conditional = bindings.some((b) => b.condition);
    return {
      version: conditional ? 3 : 1,
      etag: 'BwYKw3u0T5E=',
      bindings: bindings.map((b) => ({
        role: b.role,
        members: [...b.members],
        ...(b.condition ? { condition: b.condition } : {}),
      })),
    };
  }

  function renderActivities(project: StandInProject, type: string) {
    const out: unknown[] = [];
    for (const sa of project.serviceAccounts) {
      const email = serviceAccountEmail(project, sa);
      const saResource = `//iam.googleapis.com/projects/${project.projectId}/serviceAccounts/${email}`;
      if (type === 'serviceAccountLastAuthentication' && sa.lastAuthenticatedTime) {
        const day = dailyObservation(sa.lastAuthenticatedTime);
        out.push({
          fullResourceName: saResource,
          activityType: type,
          observationPeriod: { startTime: day, endTime: day },
          activity: {
            lastAuthenticatedTime: day,
            serviceAccount: {
              serviceAccountId: sa.uniqueId,
              projectNumber: project.projectNumber,
              fullResourceName: saResource,
            },
          },
        });
      }
      if (type === 'serviceAccountKeyLastAuthentication') {
        for (const k of sa.keys) {
          if (!k.lastAuthenticatedTime) continue;
          const day = dailyObservation(k.lastAuthenticatedTime);
          const keyResource = `${saResource}/keys/${k.keyId}`;
          out.push({
            fullResourceName: keyResource,
            activityType: type,
            observationPeriod: { startTime: day, endTime: day },
            activity: {
              lastAuthenticatedTime: day,
              serviceAccountKey: {
                serviceAccountId: sa.uniqueId,
                projectNumber: project.projectNumber,
                fullResourceName: keyResource,
              },
            },
          });
        }
      }
    }
    if (
      type !== 'serviceAccountLastAuthentication' &&
      type !== 'serviceAccountKeyLastAuthentication'
    ) {
      throw new HttpError(400, 'INVALID_ARGUMENT', `Unsupported activity type: ${type}`);
    }
    return out;
  }

  function renderRecommendations(project: StandInProject) {
    return (project.recommendations ?? []).map((r, i) => {
      const resource = `//cloudresourcemanager.googleapis.com/projects/${project.projectId}`;
      const remove = {
        action: 'remove',
        resourceType: 'cloudresourcemanager.googleapis.com/Project',
        resource,
        path: '/iamPolicy/bindings/*/members/*',
        pathFilters: {
          '/iamPolicy/bindings/*/condition/expression': '',
          '/iamPolicy/bindings/*/members/*': r.member,
          '/iamPolicy/bindings/*/role': r.role,
        },
      };
      const adds = (r.replacementRoles ?? []).map((role) => ({
        action: 'add',
        resourceType: 'cloudresourcemanager.googleapis.com/Project',
        resource,
        path: '/iamPolicy/bindings/*/members/-',
        value: r.member,
        pathFilters: {
          '/iamPolicy/bindings/*/condition/expression': '',
          '/iamPolicy/bindings/*/role': role,
        },
      }));
      const id = `${project.projectNumber}-${i.toString().padStart(4, '0')}`;
      return {
        name: `projects/${project.projectNumber}/locations/global/recommenders/google.iam.policy.Recommender/recommendations/${id}`,
        description:
          r.subtype === 'REMOVE_ROLE'
            ? 'This role has not been used during the observation window.'
            : 'Replace the current role with a smaller role to cover the permissions needed.',
        recommenderSubtype: r.subtype,
        lastRefreshTime: dailyObservation(now().toISOString()),
        primaryImpact: { category: 'SECURITY' },
        priority: 'P2',
        content: { operationGroups: [{ operations: [...adds, remove] }] },
        stateInfo: { state: 'ACTIVE' },
        etag: `"${id}"`,
      };
    });
  }

  async function createKey(
    project: StandInProject,
    sa: StandInServiceAccount,
    body: Record<string, unknown>,
  ) {
    if (sa.keys.filter((k) => k.keyType === 'USER_MANAGED').length >= 10) {
      throw new HttpError(400, 'FAILED_PRECONDITION', 'Precondition check failed.');
    }
    const keyId = randomBytes(20).toString('hex');
    const created = now();
    const key: StandInKey = {
      keyId,
      keyType: 'USER_MANAGED',
      keyOrigin: 'GOOGLE_PROVIDED',
      validAfterTime: created.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      validBeforeTime: NEVER_EXPIRES,
    };
    const { privateKey, publicKey } = await generateKeyPairAsync('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
    key.publicKeyPem = publicKey;
    sa.keys.push(key);
    const email = serviceAccountEmail(project, sa);
    const credentialsFile = {
      type: 'service_account',
      project_id: project.projectId,
      private_key_id: keyId,
      private_key: privateKey,
      client_email: email,
      client_id: sa.uniqueId,
      auth_uri: 'https://accounts.google.com/o/oauth2/auth',
      token_uri: 'https://oauth2.googleapis.com/token',
      auth_provider_x509_cert_url: 'https://www.googleapis.com/oauth2/v1/certs',
      client_x509_cert_url: `https://www.googleapis.com/robot/v1/metadata/x509/${encodeURIComponent(email)}`,
      universe_domain: 'googleapis.com',
    };
    return {
      ...renderKey(project, sa, key),
      privateKeyType:
        typeof body.privateKeyType === 'string'
          ? body.privateKeyType
          : 'TYPE_GOOGLE_CREDENTIALS_FILE',
      privateKeyData: Buffer.from(JSON.stringify(credentialsFile)).toString('base64'),
    };
  }

  function paginate<T>(items: T[], q: URLSearchParams, defaultSize: number, maxSize: number) {
    const asked = Number(q.get('pageSize') || defaultSize);
    const size = Math.max(1, Math.min(asked, maxSize, cap));
    const token = q.get('pageToken');
    let start = 0;
    if (token) {
      start = Number(
        Buffer.from(token, 'base64url')
          .toString('utf8')
          .replace(/^offset:/, ''),
      );
      if (!Number.isInteger(start) || start < 0)
        throw new HttpError(400, 'INVALID_ARGUMENT', 'Invalid page token.');
    }
    const end = start + size;
    return {
      items: items.slice(start, end),
      next: end < items.length ? Buffer.from(`offset:${end}`).toString('base64url') : null,
    };
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    token,
    estate,
    faults,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}

function requireParent(q: URLSearchParams): string {
  const parent = q.get('parent');
  if (!parent)
    throw new HttpError(
      400,
      'INVALID_ARGUMENT',
      'Request contains an invalid argument: parent is required.',
    );
  return parent;
}

function matches(pattern: string | RegExp, path: string): boolean {
  return typeof pattern === 'string' ? path.includes(pattern) : pattern.test(path);
}

function faultMessage(status: number, path: string): string {
  if (status === 429) return `Quota exceeded for quota metric 'Read requests' (${path}).`;
  if (status === 403) return `Permission denied on resource (or it may not exist): ${path}`;
  return 'The service is currently unavailable.';
}

/** Policy Analyzer reports at daily granularity: the latest 07:00:00Z not after `iso`. */
function dailyObservation(iso: string): string {
  const t = new Date(iso);
  const day = new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate(), 7));
  if (day.getTime() > t.getTime()) day.setUTCDate(day.getUTCDate() - 1);
  return day.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
