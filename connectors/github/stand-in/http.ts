/**
 * The stand-in's HTTP vocabulary, close to GitHub's: routes written as GitHub documents them
 * (`GET /orgs/{org}/repos`), who is calling (a user token, an App installation token, an App
 * JWT), `{ message }` errors, and page-number pagination with `Link` headers back to itself.
 */
import type { Route, StandInRequest, StandInResponse } from '../../../src/connector/stand-in.js';
import { errorBody } from './responses.js';

export type Caller = 'none' | 'user-token' | 'installation-token' | 'jwt';

export interface Ctx {
  req: StandInRequest;
  params: Record<string, string>;
  auth: Caller;
  /** The API root as the client called it (with a GHES base path), for URLs in payloads. */
  api: string;
}

/** A failure a handler throws: answered with GitHub's error document. */
export class HttpFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export const NOT_FOUND = 'Not Found';

export const fail = (status: number, message: string): StandInResponse => ({
  status,
  body: errorBody(message, status),
});

/** A route from GitHub's documented template, e.g. `GET /repos/{owner}/{repo}/keys`. */
export function route(
  template: string,
  handle: (c: Ctx) => StandInResponse,
  context: (req: StandInRequest, params: Record<string, string>) => Ctx,
): Route {
  const [method, path] = template.split(' ') as [string, string];
  // `{path}` (the contents API) spans segments: the request path arrives decoded.
  const pattern = path.replace(/\{(\w+)\}/g, (_m, name: string) =>
    name === 'path' ? '(?<path>.+)' : `(?<${name}>[^/]+)`,
  );
  return {
    method,
    path: new RegExp(`^${pattern}$`),
    handle: (req, params) => {
      try {
        return handle(context(req, params));
      } catch (e) {
        if (e instanceof HttpFailure) return fail(e.status, e.message);
        throw e;
      }
    },
  };
}

export function bearerOf(header: string | string[] | undefined): string | null {
  return /^(?:token|bearer)\s+(\S+)$/i.exec(String(header ?? ''))?.[1] ?? null;
}

/** Who is calling, from the Authorization header (never its value). */
export function callerOf(req: Pick<StandInRequest, 'headers'>): Caller {
  const token = bearerOf(req.headers.authorization);
  if (!token) return 'none';
  if (isJwtShape(token)) return 'jwt';
  return token.startsWith('ghs_') ? 'installation-token' : 'user-token';
}

/** A JWT as GitHub Apps send it: header {alg: RS256}, payload with iss/exp, a signature. */
function isJwtShape(token: string): boolean {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]+$/.test(p))) return false;
  try {
    const header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as {
      alg?: unknown;
    };
    const payload = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as Record<
      string,
      unknown
    >;
    return header.alg === 'RS256' && payload.iss !== undefined && typeof payload.exp === 'number';
  } catch {
    return false;
  }
}

/**
 * GitHub's page-number pagination: `per_page` (default 30, max 100) and `page`, with a `Link`
 * header whose URLs point back at this server. `wrap` names the array key for endpoints that
 * answer `{ total_count, <wrap>: [...] }`.
 */
export function paginate(c: Ctx, items: unknown[], wrap?: string): StandInResponse {
  const query = c.req.query;
  const perPage = Math.min(100, Math.max(1, Number(query.get('per_page') ?? 30) || 30));
  const page = Math.max(1, Number(query.get('page') ?? 1) || 1);
  const last = Math.max(1, Math.ceil(items.length / perPage));
  const link = (p: number) => {
    const q = new URLSearchParams(query);
    q.set('per_page', String(perPage));
    q.set('page', String(p));
    return `<${c.api}${c.req.path}?${q.toString()}>`;
  };
  const parts: string[] = [];
  if (page > 1) parts.push(`${link(page - 1)}; rel="prev"`);
  if (page < last) parts.push(`${link(page + 1)}; rel="next"`, `${link(last)}; rel="last"`);
  if (page > 1) parts.push(`${link(1)}; rel="first"`);
  const slice = items.slice((page - 1) * perPage, page * perPage);
  return {
    headers: parts.length ? { link: parts.join(', ') } : {},
    body: wrap ? { total_count: items.length, [wrap]: slice } : slice,
  };
}

/** The request's JSON body; null when absent or not JSON. */
export function bodyOf(c: Ctx): unknown {
  try {
    return c.req.json();
  } catch {
    return null;
  }
}
