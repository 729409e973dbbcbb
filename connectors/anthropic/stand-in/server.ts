/**
 * A local stand-in speaking the provider's wire protocol (JSON over HTTP, bearer tokens,
 * page tokens, `{message}` errors), built on the core's stand-in kit: faults, latency and a
 * request log come with it.
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
import type { RawKey } from '../schema.js';
import type { EstateProject, EstateServiceAccount, AnthropicEstate } from './estate.js';

export const STAND_IN_TOKEN = 'tmpl-stand-in-token';

export interface AnthropicStandIn extends StandInServer {
  /** The live estate: playbook actions change it. */
  estate: AnthropicEstate;
  token: string;
}

const error = (status: number, message: string): StandInResponse => ({ status, body: { message } });
const PAGE = 2; // small pages, so every listing is paginated in tests

export async function startAnthropicStandIn(init: {
  estate: AnthropicEstate;
  latencyMs?: number;
  now?: () => Date;
}): Promise<AnthropicStandIn> {
  const estate = structuredClone(init.estate);
  const now = init.now ?? (() => new Date());

  const project = (id: string): EstateProject => {
    const p = estate.projects.find((x) => x.id === id);
    if (!p) throw Object.assign(new Error('not found'), { status: 404 });
    return p;
  };
  const account = (p: string, sa: string): EstateServiceAccount => {
    const a = project(p).serviceAccounts.find((x) => x.id === sa);
    if (!a) throw Object.assign(new Error('not found'), { status: 404 });
    return a;
  };
  const keyOf = (p: string, sa: string, id: string): RawKey => {
    const k = account(p, sa).keys.find((x) => x.id === id);
    if (!k) throw Object.assign(new Error('not found'), { status: 404 });
    return k;
  };
  const page = <T>(req: StandInRequest, items: T[], field: string) => {
    const p = offsetPage(items, req.query.get('page_token'), PAGE);
    return { body: { [field]: p.items, next_page_token: p.next } };
  };
  const sa = String.raw`/v1/projects/(?<p>[^/]+)/service-accounts/(?<sa>[^/]+)`;

  const routes = router(
    [
      { method: 'GET', path: /\/v1\/me/, handle: () => ({ body: estate.caller }) },
      {
        method: 'GET',
        path: /\/v1\/projects/,
        handle: (req) =>
          page(
            req,
            estate.projects.map(({ id, name }) => ({ id, name })),
            'projects',
          ),
      },
      {
        method: 'GET',
        path: /\/v1\/projects\/(?<p>[^/]+)\/service-accounts/,
        handle: (req, { p }) =>
          page(
            req,
            project(p!).serviceAccounts.map(({ keys: _k, keysDenied: _d, ...rest }) => rest),
            'service_accounts',
          ),
      },
      {
        method: 'GET',
        path: new RegExp(`${sa}/keys`),
        handle: (req, { p, sa: id }) => {
          const a = account(p!, id!);
          if (a.keysDenied) return error(403, 'caller lacks keys:read on this service account');
          return page(req, a.keys, 'keys');
        },
      },
      {
        method: 'POST',
        path: new RegExp(`${sa}/keys`),
        handle: (_req, { p, sa: id }) => {
          const a = account(p!, id!);
          const keyId = `key-${randomBytes(4).toString('hex')}`;
          const value = `tmpl_${randomBytes(24).toString('base64url')}`;
          const key: RawKey = {
            id: keyId,
            redacted_value: `…${value.slice(-4)}`,
            status: 'active',
            created_at: now().toISOString(),
            expires_at: null,
            last_used_at: null,
          };
          a.keys.push(key);
          return { status: 201, body: { ...key, value } };
        },
      },
      {
        method: 'GET',
        path: new RegExp(`${sa}/keys/(?<k>[^/:]+)`),
        handle: (_req, { p, sa: id, k }) => ({ body: keyOf(p!, id!, k!) }),
      },
      {
        method: 'POST',
        path: new RegExp(`${sa}/keys/(?<k>[^/:]+):(?<verb>disable|enable)`),
        handle: (_req, { p, sa: id, k, verb }) => {
          const key = keyOf(p!, id!, k!);
          key.status = verb === 'disable' ? 'disabled' : 'active';
          return { body: key };
        },
      },
      {
        method: 'DELETE',
        path: new RegExp(`${sa}/keys/(?<k>[^/:]+)`),
        handle: (_req, { p, sa: id, k }) => {
          const a = account(p!, id!);
          const key = keyOf(p!, id!, k!);
          a.keys.splice(a.keys.indexOf(key), 1);
          return { body: {} };
        },
      },
    ],
    () => error(404, 'no such route'),
  );

  const server = await serveStandIn(
    async (req) => {
      if (req.headers.authorization !== `Bearer ${STAND_IN_TOKEN}`) return error(401, 'bad token');
      try {
        return await routes(req);
      } catch (e) {
        const status = (e as { status?: number }).status;
        if (status) return error(status, (e as Error).message);
        throw e;
      }
    },
    {
      ...(init.latencyMs !== undefined ? { latencyMs: init.latencyMs } : {}),
      errorBody: (status) => error(status, `fault ${status}`),
    },
  );
  return Object.assign(server, { estate, token: STAND_IN_TOKEN });
}
