/**
 * A local stand-in for the OpenAI Admin API (`/v1/organization/…`), built on the stand-in kit:
 * bearer admin keys, cursor pages (`after`/`limit`/`has_more`, `first_id`/`last_id`), the
 * `owner_project_access` visibility rule, `{ error: { message, type, param, code } }` errors
 * and the `openai-organization` header, as the published API reference describes them.
 */
import { randomBytes } from 'node:crypto';
import {
  router,
  serveStandIn,
  type StandInRequest,
  type StandInResponse,
  type StandInServer,
} from '../../../src/connector/stand-in.js';
import type {
  AdminAPIKeyCreateResponse,
  ProjectServiceAccount,
  ServiceAccountKeyCreateResponse,
} from '../schema.js';
import {
  callerKey,
  redact,
  unix,
  type EstateAdminKey,
  type EstateProject,
  type EstateProjectKey,
  type OpenaiEstate,
} from './estate.js';

export interface OpenaiStandIn extends StandInServer {
  /** The live estate: playbook actions change it. */
  estate: OpenaiEstate;
  /** The admin key the stand-in accepts. */
  adminKey: string;
}

const failure = (status: number, message: string, code: string | null = null): StandInResponse => ({
  status,
  body: {
    error: {
      message,
      type:
        status === 401
          ? 'invalid_request_error'
          : status >= 500
            ? 'server_error'
            : 'invalid_request_error',
      param: null,
      code,
    },
  },
});

class NotFound extends Error {}

/** Drops the secret: what the API serves of a stored key. */
function served<T extends { value: string }>(key: T): Omit<T, 'value'> {
  const { value: _v, ...rest } = key;
  return rest;
}

/** One cursor page: the objects after `after`, at most `limit` (1-100, default 20). */
function page<T extends { id: string }>(req: StandInRequest, items: readonly T[], cap: number) {
  const limit = Number(req.query.get('limit') ?? 20);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100)
    return failure(400, 'limit must be an integer between 1 and 100', 'invalid_limit');
  const after = req.query.get('after');
  const start = after ? items.findIndex((i) => i.id === after) + 1 : 0;
  if (after && start === 0) return failure(400, `No object with id ${after}`, 'invalid_cursor');
  const data = items.slice(start, start + Math.min(limit, cap));
  return {
    body: {
      object: 'list',
      data,
      first_id: data[0]?.id ?? null,
      last_id: data.at(-1)?.id ?? null,
      has_more: start + data.length < items.length,
    },
  };
}

export async function startOpenaiStandIn(init: {
  estate: OpenaiEstate;
  latencyMs?: number;
  now?: () => Date;
  /** The most objects a page holds whatever `limit` asks (the demo pages in small steps). */
  pageCap?: number;
}): Promise<OpenaiStandIn> {
  const estate = structuredClone(init.estate);
  const adminKey = callerKey(estate);
  const now = init.now ?? (() => new Date());
  const cap = init.pageCap ?? 100;

  const project = (id: string): EstateProject => {
    const p = estate.projects.find((x) => x.project.id === id);
    if (!p) throw new NotFound(`No project found with id '${id}'`);
    return p;
  };
  const projectKey = (p: string, id: string): EstateProjectKey => {
    const k = project(p).keys.find((x) => x.id === id);
    if (!k) throw new NotFound(`No API key found with id '${id}'`);
    return k;
  };
  const orgKey = (id: string): EstateAdminKey => {
    const k = estate.adminKeys.find((x) => x.id === id);
    if (!k) throw new NotFound(`No admin API key found with id '${id}'`);
    return k;
  };
  const serviceAccount = (p: string, id: string): ProjectServiceAccount => {
    const sa = project(p).serviceAccounts.find((x) => x.id === id);
    if (!sa) throw new NotFound(`No service account found with id '${id}'`);
    return sa;
  };
  const newValue = (prefix: string) => `${prefix}${randomBytes(48).toString('base64url')}`;
  const P = String.raw`/v1/organization/projects/(?<p>[^/]+)`;

  const routes = router(
    [
      {
        method: 'GET',
        path: /\/v1\/organization\/projects/,
        handle: (req) =>
          page(
            req,
            estate.projects
              .map((p) => p.project)
              .filter((p) => req.query.get('include_archived') === 'true' || !p.archived_at),
            cap,
          ),
      },
      {
        method: 'GET',
        path: /\/v1\/organization\/users/,
        handle: (req) =>
          estate.usersDenied
            ? failure(
                403,
                'You have insufficient permissions for this operation. Missing scopes: api.management.read.',
              )
            : page(req, estate.users, cap),
      },
      {
        method: 'GET',
        path: /\/v1\/organization\/admin_api_keys/,
        handle: (req) => page(req, estate.adminKeys.map(served), cap),
      },
      {
        method: 'POST',
        path: /\/v1\/organization\/admin_api_keys/,
        handle: (req) => {
          const { name } = req.json() as { name?: unknown };
          if (typeof name !== 'string' || !name)
            return failure(400, 'name is required', 'invalid_name');
          const value = newValue('sk-admin-');
          const caller = estate.adminKeys.find((k) => k.value === adminKey)!;
          const key: EstateAdminKey = {
            id: `key_${randomBytes(8).toString('hex')}`,
            object: 'organization.admin_api_key',
            name,
            redacted_value: redact(value),
            created_at: unix(now().toISOString()),
            expires_at: null,
            last_used_at: null,
            owner: caller.owner,
            value,
          };
          estate.adminKeys.push(key);
          return { body: { ...served(key), value } satisfies AdminAPIKeyCreateResponse };
        },
      },
      {
        method: 'GET',
        path: /\/v1\/organization\/admin_api_keys\/(?<k>[^/]+)/,
        handle: (_req, { k }) => ({ body: served(orgKey(k!)) }),
      },
      {
        method: 'DELETE',
        path: /\/v1\/organization\/admin_api_keys\/(?<k>[^/]+)/,
        handle: (_req, { k }) => {
          const key = orgKey(k!);
          estate.adminKeys.splice(estate.adminKeys.indexOf(key), 1);
          return {
            body: { id: key.id, object: 'organization.admin_api_key.deleted', deleted: true },
          };
        },
      },
      {
        method: 'GET',
        path: new RegExp(`${P}/api_keys`),
        handle: (req, { p }) => {
          const proj = project(p!);
          if (proj.keysDenied)
            return failure(
              403,
              'You have insufficient permissions for this operation. Missing scopes: api.management.read.',
            );
          // Without owner_project_access the API applies membership visibility: keys of owners
          // who lost access to the project are left out.
          const access = req.query.get('owner_project_access') ?? 'active';
          const keys = proj.keys.filter(
            (k) => access === 'any' || (k.owner_project_access ?? 'active') === access,
          );
          return page(req, keys.map(served), cap);
        },
      },
      {
        method: 'GET',
        path: new RegExp(`${P}/api_keys/(?<k>[^/]+)`),
        handle: (_req, { p, k }) => ({ body: served(projectKey(p!, k!)) }),
      },
      {
        method: 'DELETE',
        path: new RegExp(`${P}/api_keys/(?<k>[^/]+)`),
        handle: (_req, { p, k }) => {
          const keys = project(p!).keys;
          const key = projectKey(p!, k!);
          keys.splice(keys.indexOf(key), 1);
          return {
            body: { id: key.id, object: 'organization.project.api_key.deleted', deleted: true },
          };
        },
      },
      {
        method: 'GET',
        path: new RegExp(`${P}/service_accounts`),
        handle: (req, { p }) => page(req, project(p!).serviceAccounts, cap),
      },
      {
        method: 'POST',
        path: new RegExp(`${P}/service_accounts/(?<sa>[^/]+)/api_keys`),
        handle: (req, { p, sa }) => {
          const account = serviceAccount(p!, sa!);
          const { name } = req.json() as { name?: string };
          const value = newValue('sk-svcacct-');
          const key: EstateProjectKey = {
            id: `key_${randomBytes(8).toString('hex')}`,
            object: 'organization.project.api_key',
            name: name ?? account.name,
            redacted_value: redact(value),
            created_at: unix(now().toISOString()),
            last_used_at: null,
            owner_project_access: 'active',
            owner: {
              type: 'service_account',
              service_account: {
                id: account.id,
                name: account.name,
                role: account.role,
                created_at: account.created_at,
              },
            },
            value,
          };
          project(p!).keys.push(key);
          const created: ServiceAccountKeyCreateResponse = {
            id: key.id,
            object: 'organization.project.service_account.api_key',
            name: key.name,
            created_at: key.created_at,
            value,
          };
          return { body: created };
        },
      },
    ],
    () => failure(404, 'Invalid URL', 'unknown_url'),
  );

  const headers = { 'openai-organization': estate.organization.id };
  const server = await serveStandIn(
    async (req) => {
      if (req.headers.authorization !== `Bearer ${adminKey}`)
        return failure(401, 'Incorrect API key provided.', 'invalid_api_key');
      try {
        const answer = await routes(req);
        return {
          ...answer,
          headers: {
            ...headers,
            'x-request-id': `req_${randomBytes(8).toString('hex')}`,
            ...answer.headers,
          },
        };
      } catch (e) {
        if (e instanceof NotFound) return failure(404, e.message);
        throw e;
      }
    },
    {
      ...(init.latencyMs !== undefined ? { latencyMs: init.latencyMs } : {}),
      errorBody: (status) =>
        failure(
          status,
          status === 429
            ? 'Rate limit reached for requests'
            : `The server had an error (${status})`,
        ),
    },
  );
  return Object.assign(server, { estate, adminKey });
}
