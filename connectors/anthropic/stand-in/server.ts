/**
 * A local stand-in for the Anthropic Admin API (`/v1/organizations/…`), built on the stand-in
 * kit: Admin API keys (`x-api-key` or bearer), `anthropic-version`, id cursors
 * (`after_id`/`limit` -> `has_more`/`first_id`/`last_id`), page tokens for service accounts and
 * the usage report, `{ type: 'error', error: { type, message } }` errors, as the published API
 * reference describes them.
 */
import { randomBytes } from 'node:crypto';
import {
  offsetPage,
  router,
  serveStandIn,
  type StandInRequest,
  type StandInResponse,
  type StandInServer,
} from '../../../src/connector/stand-in.js';
import type { APIKey } from '../schema.js';
import type { AnthropicEstate, EstateKey } from './estate.js';

export interface AnthropicStandIn extends StandInServer {
  /** The live estate: playbook actions change it. */
  estate: AnthropicEstate;
  adminKey: string;
}

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  429: 'rate_limit_error',
  529: 'overloaded_error',
};

const failure = (status: number, message: string): StandInResponse => ({
  status,
  body: { type: 'error', error: { type: ERROR_TYPES[status] ?? 'api_error', message } },
});

class NotFound extends Error {}

/** What the API serves of a stored key: no secret, no usage log. */
function served(key: EstateKey): APIKey {
  const { value: _v, usedAt: _u, ...rest } = key;
  return rest;
}

/** An `after_id` page: the objects after that id, at most `limit` (1-1000, default 20). */
function page<T extends { id: string }>(req: StandInRequest, items: readonly T[], cap: number) {
  const limit = Number(req.query.get('limit') ?? 20);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
    return failure(400, 'limit: Input should be between 1 and 1000');
  const after = req.query.get('after_id');
  const start = after ? items.findIndex((i) => i.id === after) + 1 : 0;
  if (after && start === 0) return failure(400, `after_id: no object with id ${after}`);
  const data = items.slice(start, start + Math.min(limit, cap));
  return {
    body: {
      data,
      has_more: start + data.length < items.length,
      first_id: data[0]?.id ?? null,
      last_id: data.at(-1)?.id ?? null,
    },
  };
}

const DAY_MS = 86_400_000;
const dayStart = (ms: number) => Math.floor(ms / DAY_MS) * DAY_MS;

/** The Messages usage report, daily buckets grouped by API key, from the keys' usage log. */
function usageReport(estate: AnthropicEstate, req: StandInRequest, now: Date): StandInResponse {
  if (estate.usageUnavailable)
    return failure(404, 'The usage report is not available for this organization');
  const startAt = Date.parse(req.query.get('starting_at') ?? '');
  if (Number.isNaN(startAt)) return failure(400, 'starting_at: Field required');
  if ((req.query.get('bucket_width') ?? '1d') !== '1d')
    return failure(400, 'bucket_width: the stand-in serves daily buckets only');
  const limit = Number(req.query.get('limit') ?? 7);
  if (!Number.isInteger(limit) || limit < 1 || limit > 31)
    return failure(400, 'limit: Input should be between 1 and 31 for bucket_width 1d');
  const endAt = Math.min(
    Date.parse(req.query.get('ending_at') ?? '') || now.getTime(),
    now.getTime(),
  );
  const byKey = req.query.getAll('group_by[]').includes('api_key_id');
  const days: number[] = [];
  for (let d = dayStart(startAt); d < endAt; d += DAY_MS) days.push(d);
  const p = offsetPage(days, req.query.get('page'), limit);
  return {
    body: {
      data: p.items.map((d) => {
        const used = estate.keys.filter((k) => k.usedAt.some((u) => dayStart(Date.parse(u)) === d));
        const row = (api_key_id: string | null, n: number) => ({
          api_key_id,
          workspace_id: null,
          model: null,
          service_tier: null,
          context_window: null,
          uncached_input_tokens: 1200 * n,
          cache_creation: { ephemeral_1h_input_tokens: 0, ephemeral_5m_input_tokens: 0 },
          cache_read_input_tokens: 0,
          output_tokens: 300 * n,
          server_tool_use: { web_search_requests: 0 },
        });
        return {
          starting_at: new Date(d).toISOString(),
          ending_at: new Date(d + DAY_MS).toISOString(),
          results: byKey
            ? used.map((k) => row(k.id, 1))
            : used.length
              ? [row(null, used.length)]
              : [],
        };
      }),
      has_more: p.next !== null,
      next_page: p.next,
    },
  };
}

export async function startAnthropicStandIn(init: {
  estate: AnthropicEstate;
  latencyMs?: number;
  now?: () => Date;
  /** The most objects a page holds whatever `limit` asks (the demo pages in small steps). */
  pageCap?: number;
}): Promise<AnthropicStandIn> {
  const estate = structuredClone(init.estate);
  const now = init.now ?? (() => new Date());
  const cap = init.pageCap ?? 1000;
  const keyOf = (id: string): EstateKey => {
    const k = estate.keys.find((x) => x.id === id);
    if (!k) throw new NotFound(`API key ${id} not found`);
    return k;
  };

  const routes = router(
    [
      {
        method: 'GET',
        path: /\/v1\/organizations\/me/,
        handle: () => ({ body: estate.organization }),
      },
      {
        method: 'GET',
        path: /\/v1\/organizations\/api_keys/,
        handle: (req) => {
          const status = req.query.get('status');
          const workspace = req.query.get('workspace_id');
          const keys = estate.keys.filter(
            (k) =>
              (!status || k.status === status) &&
              (!workspace || (k.scope.type === 'workspace' && k.scope.workspace_id === workspace)),
          );
          return page(req, keys.map(served), cap);
        },
      },
      {
        method: 'GET',
        path: /\/v1\/organizations\/api_keys\/(?<id>[^/]+)/,
        handle: (_req, { id }) => ({ body: served(keyOf(id!)) }),
      },
      {
        method: 'POST',
        path: /\/v1\/organizations\/api_keys\/(?<id>[^/]+)/,
        handle: (req, { id }) => {
          const key = keyOf(id!);
          const change = req.json() as { name?: string | null; status?: string | null };
          if (key.status === 'archived')
            return failure(400, 'An archived API key cannot be changed');
          if (change.status && !['active', 'inactive', 'archived'].includes(change.status))
            return failure(
              400,
              `status: '${change.status}' is not one of active, inactive, archived`,
            );
          if (change.status) key.status = change.status as EstateKey['status'];
          if (change.name) key.name = change.name;
          return { body: served(key) };
        },
      },
      {
        method: 'GET',
        path: /\/v1\/organizations\/workspaces/,
        handle: (req) =>
          page(
            req,
            estate.workspaces.filter(
              (w) =>
                (req.query.get('include_archived') === 'true' || !w.archived_at) &&
                (req.query.get('include_default') === 'true' || w.name !== 'Default'),
            ),
            cap,
          ),
      },
      {
        method: 'GET',
        path: /\/v1\/organizations\/users/,
        handle: (req) =>
          estate.usersDenied
            ? failure(403, 'This API key does not have permission to read users')
            : page(req, estate.users, cap),
      },
      {
        method: 'GET',
        path: /\/v1\/organizations\/service_accounts/,
        handle: (req) => {
          const p = offsetPage(
            estate.serviceAccounts.filter(
              (s) => req.query.get('include_archived') === 'true' || !s.archived_at,
            ),
            req.query.get('page'),
            Math.min(Number(req.query.get('limit') ?? 20), cap),
          );
          return { body: { data: p.items, next_page: p.next } };
        },
      },
      {
        method: 'GET',
        path: /\/v1\/organizations\/usage_report\/messages/,
        handle: (req) => usageReport(estate, req, now()),
      },
    ],
    () => failure(404, 'Not Found'),
  );

  const server = await serveStandIn(
    async (req) => {
      const bearer = req.headers.authorization === `Bearer ${estate.adminKey}`;
      if (!bearer && req.headers['x-api-key'] !== estate.adminKey)
        return failure(401, 'invalid x-api-key');
      if (!req.headers['anthropic-version'])
        return failure(400, 'anthropic-version: header is required');
      try {
        const answer = await routes(req);
        return {
          ...answer,
          headers: { 'request-id': `req_${randomBytes(12).toString('hex')}`, ...answer.headers },
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
            ? 'Number of requests has exceeded your rate limit'
            : 'Internal server error',
        ),
    },
  );
  return Object.assign(server, { estate, adminKey: estate.adminKey });
}
