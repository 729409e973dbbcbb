/**
 * The stand-in kit (tests, the demo and benchmarks only): one small HTTP server helper every
 * connector's stand-in is built on — routing, a single fault shape, latency, a request log —
 * and a fault-injecting proxy that puts the same faults in front of any server (a stand-in
 * or moto). Nothing here runs in a real scan.
 */
import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import selfsigned from 'selfsigned';
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';

/* ----- faults ----- */

/**
 * One fault shape for every stand-in and the proxy. A matching request gets the fault
 * instead of the real answer (`times` requests, default 1).
 */
export interface Fault {
  method?: string;
  /** Substring of, or pattern for, the decoded request path (no query). Default: every path. */
  path?: string | RegExp;
  /** Answer with this status (and the stand-in's own error document for it, unless `body`). */
  status?: number;
  /** How many matching requests it hits; Infinity for all. Default 1. */
  times?: number;
  /** Seconds, sent as Retry-After. */
  retryAfter?: number;
  /** A raw body instead of the real answer (a string, bytes, or a value sent as JSON). */
  body?: string | Buffer | object;
  contentType?: string;
  headers?: Record<string, string>;
  /** Accept the request and never answer. */
  hang?: boolean;
  /** Answer 302 with this Location. */
  redirect?: string;
  /** Match only requests whose body contains this (AWS query APIs: `Action=ListUsers`). */
  requestBody?: string | RegExp;
  /** Match only requests carrying these headers (AWS JSON APIs: `x-amz-target`); names in lower case. */
  requestHeaders?: Record<string, string | RegExp>;
  /** Send the real answer's headers and half its body, then cut the connection. */
  truncate?: boolean;
  /** Point Link headers and links in the body at this origin instead of the server's own. */
  foreignLinks?: string;
  /** Extra delay before answering. */
  latencyMs?: number;
}

export class FaultSet {
  private rules: (Fault & { left: number })[] = [];

  add(fault: Fault): this {
    this.rules.push({ ...fault, left: fault.times ?? 1 });
    return this;
  }

  clear(): void {
    this.rules = [];
  }

  /** The first fault matching the request, used up by one; undefined when none. */
  take(
    method: string,
    path: string,
    body = '',
    headers: Readonly<Record<string, string | string[] | undefined>> = {},
  ): Fault | undefined {
    const has = (pattern: string | RegExp | undefined, text: string) =>
      pattern === undefined ||
      (typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text));
    const header = (name: string) => [headers[name] ?? ''].flat().join(', ');
    const rule = this.rules.find(
      (r) =>
        r.left > 0 &&
        (!r.method || r.method.toUpperCase() === method.toUpperCase()) &&
        has(r.path, path) &&
        has(r.requestBody, body) &&
        Object.entries(r.requestHeaders ?? {}).every(([k, v]) => has(v, header(k))),
    );
    if (rule) rule.left -= 1;
    return rule;
  }

  get size(): number {
    return this.rules.filter((r) => r.left > 0).length;
  }
}

/** Bytes no parser understands: what a broken middlebox or a wrong port sends back. */
export function garbage(size = 512): Buffer {
  return randomBytes(size);
}

/* ----- the server ----- */

export interface StandInRequest {
  method: string;
  /** Decoded path, repeated slashes collapsed. */
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: Buffer;
  /** The origin the client used (Host header), for links that point back at this server. */
  origin: string;
  text(): string;
  json(): unknown;
}

export interface StandInResponse {
  status?: number;
  headers?: Record<string, string>;
  /** A string or bytes as is; anything else is sent as JSON. */
  body?: unknown;
}

export type Handler = (req: StandInRequest) => StandInResponse | Promise<StandInResponse>;

export interface RequestRecord {
  method: string;
  /** Decoded path, relative to the server's base path. */
  path: string;
  query: string;
  /** The API operation, where the stand-in names it (`ServeOptions.operationOf`). */
  operation?: string;
  status: number;
  /** Whether the request carried credentials (never their value). */
  authenticated: boolean;
  /** What kind of credentials, when the stand-in tells them apart (ServeOptions.authKind). */
  auth?: string;
  /** performance.now() when the request arrived and when its answer was sent (0: never). */
  startedAt: number;
  endedAt: number;
}

export interface StandInServer {
  url: string;
  /** With `tls`: the certificate (PEM) a client must trust to reach this server. */
  ca?: string;
  faults: FaultSet;
  requests: RequestRecord[];
  /** Delay added to every answer (a real API's latency; benchmarks set it). */
  latencyMs: number;
  close(): Promise<void>;
}

/** A server certificate and its private key (PEM). */
export interface StandInTls {
  key: string;
  cert: string;
}

export interface ServeOptions {
  latencyMs?: number;
  /**
   * Serve HTTPS (clients that refuse bearer tokens over plain http): with a given certificate
   * (several servers can share one), or `true` for a fresh one from `standInCertificate()`.
   */
  tls?: StandInTls | true;
  /**
   * An API root below the host (GitHub Enterprise Server's `/api/v3`): `url` includes it,
   * handlers, faults and the request log see paths relative to it, and anything outside it
   * answers 404.
   */
  basePath?: string;
  /** Names the kind of credentials a request carried (never their value), for the log. */
  authKind?: (req: StandInRequest) => string;
  /** The provider's own error document for a status fault (e.g. a google.rpc error). */
  errorBody?: (status: number, req: StandInRequest) => StandInResponse;
  /**
   * Names the operation a request asks for, for the request log, where the path does not
   * (AWS query and JSON APIs post every operation to `/`).
   */
  operationOf?: (req: StandInRequest) => string | undefined;
  /** Share one fault set between the servers of one stand-in (a service on its own origin). */
  faults?: FaultSet;
}

/**
 * Holds an answer until `latencyMs` after its request arrived. A real API's latency includes its
 * own work, so the stand-in's time making the answer is inside the latency, not added to it: the
 * benchmarks would otherwise count the stand-in's CPU as the client's overhead.
 */
async function untilLatency(arrivedAt: number, latencyMs: number): Promise<void> {
  const left = latencyMs - (performance.now() - arrivedAt);
  if (left > 0) await delay(left);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** The request as handlers see it; `inside` is false for a path outside the base path. */
function toRequest(
  req: IncomingMessage,
  body: Buffer,
  basePath = '',
  scheme = 'http',
): StandInRequest & { inside: boolean } {
  // Prefixed rather than resolved: a path like `//subscriptions/x` (some SDKs join base and
  // path with a doubled slash) is a path, not a protocol-relative URL naming a host.
  const url = new URL(`http://stand-in${req.url ?? '/'}`);
  let path = url.pathname;
  try {
    path = decodeURIComponent(path);
  } catch {
    // keep it raw: a stand-in answers 404 to what it cannot route
  }
  path = path.replace(/\/{2,}/g, '/');
  const inside = !basePath || path.startsWith(`${basePath}/`);
  return {
    method: (req.method ?? 'GET').toUpperCase(),
    path: inside ? path.slice(basePath.length) : path,
    inside,
    query: url.searchParams,
    headers: req.headers,
    body,
    origin: `${scheme}://${req.headers.host ?? 'localhost'}`,
    text: () => body.toString('utf8'),
    json: () => (body.length ? (JSON.parse(body.toString('utf8')) as unknown) : {}),
  };
}

function send(res: ServerResponse, r: StandInResponse): number {
  const status = r.status ?? 200;
  const headers: Record<string, string> = { ...(r.headers ?? {}) };
  let payload: string | Buffer;
  if (r.body === undefined || r.body === null) payload = '';
  else if (typeof r.body === 'string' || Buffer.isBuffer(r.body)) payload = r.body;
  else {
    payload = JSON.stringify(r.body);
    headers['content-type'] ??= 'application/json; charset=utf-8';
  }
  res.writeHead(status, headers);
  res.end(payload);
  return status;
}

/** Sends an answer, applying the faults that alter a real answer (foreign links, truncation). */
function deliver(
  res: ServerResponse,
  answer: StandInResponse,
  fault: Fault | undefined,
  ownOrigin: string,
): number {
  if (fault?.foreignLinks) {
    const to = new URL(fault.foreignLinks).origin;
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(answer.headers ?? {}))
      headers[k] = rewrite(v, ownOrigin, to);
    const body =
      answer.body === undefined || Buffer.isBuffer(answer.body)
        ? answer.body
        : rewrite(
            typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body),
            ownOrigin,
            to,
          );
    if (body !== answer.body && typeof answer.body === 'object')
      headers['content-type'] ??= 'application/json; charset=utf-8';
    answer = { ...answer, headers, body };
  }
  if (!fault?.truncate) return send(res, answer);
  const body = Buffer.isBuffer(answer.body)
    ? answer.body
    : Buffer.from(
        typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body ?? ''),
      );
  res.writeHead(answer.status ?? 200, { ...answer.headers, 'content-length': String(body.length) });
  res.write(body.subarray(0, Math.floor(body.length / 2)));
  res.socket?.destroy();
  return answer.status ?? 200;
}

/** The answer a fault gives; null when it alters the real answer instead (or only delays it). */
export function faultResponse(
  fault: Fault,
  req: StandInRequest,
  errorBody?: ServeOptions['errorBody'],
): StandInResponse | null {
  const headers: Record<string, string> = { ...(fault.headers ?? {}) };
  if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter);
  if (fault.redirect)
    return { status: fault.status ?? 302, headers: { ...headers, location: fault.redirect } };
  if (fault.body !== undefined) {
    if (fault.contentType) headers['content-type'] = fault.contentType;
    return { status: fault.status ?? 200, headers, body: fault.body };
  }
  if (fault.status !== undefined) {
    const own = errorBody?.(fault.status, req) ?? { body: { error: `fault ${fault.status}` } };
    return { ...own, status: fault.status, headers: { ...(own.headers ?? {}), ...headers } };
  }
  return null;
}

/** Tracks sockets so close() never waits on a hung request or a keep-alive client. */
function closer(server: Server | TlsServer): () => Promise<void> {
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
}

async function listen(server: Server | TlsServer, scheme = 'http'): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `${scheme}://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/**
 * A self-signed certificate for 127.0.0.1 and localhost, valid for two days, made in-process
 * (an EC P-256 key through Node's WebCrypto: milliseconds, no openssl child process). It is its
 * own CA: a client trusts the server by adding `cert` to its trusted certificates.
 */
export async function standInCertificate(): Promise<StandInTls> {
  const now = Date.now();
  const pems = await selfsigned.generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    // Real time, not a demo clock: TLS checks validity against the machine's clock.
    notBeforeDate: new Date(now - 3_600_000),
    notAfterDate: new Date(now + 2 * 86_400_000),
    extensions: [
      { name: 'basicConstraints', cA: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}

/**
 * Serves `handler` on 127.0.0.1 (a free port), applying faults and latency first and logging
 * every request. A handler that throws answers 500 (a stand-in bug shows as a server error).
 */
export async function serveStandIn(
  handler: Handler,
  opts: ServeOptions = {},
): Promise<StandInServer> {
  const faults = opts.faults ?? new FaultSet();
  const requests: RequestRecord[] = [];
  const state = { latencyMs: opts.latencyMs ?? 0 };
  const tls = opts.tls === true ? await standInCertificate() : opts.tls;
  const scheme = tls ? 'https' : 'http';
  const basePath = (opts.basePath ?? '').replace(/\/+$/, '');
  const listener: RequestListener = (req, res) => {
    void (async () => {
      const startedAt = performance.now();
      const r = toRequest(req, await readBody(req), basePath, scheme);
      const operation = opts.operationOf?.(r);
      const record: RequestRecord = {
        method: r.method,
        path: r.path,
        query: r.query.toString(),
        ...(operation ? { operation } : {}),
        status: 0,
        authenticated: Boolean(req.headers.authorization),
        ...(opts.authKind ? { auth: opts.authKind(r) } : {}),
        startedAt,
        endedAt: 0,
      };
      requests.push(record);
      if (!r.inside) {
        record.status = send(res, { ...opts.errorBody?.(404, r), status: 404 });
        record.endedAt = performance.now();
        return;
      }
      const fault = faults.take(r.method, r.path, r.text(), r.headers);
      if (fault?.hang) return; // never answered; close() destroys the socket
      const faulted = fault && faultResponse(fault, r, opts.errorBody);
      let answer: StandInResponse;
      try {
        answer = faulted ?? (await handler(r));
      } catch (e) {
        answer = { status: 500, body: { error: `stand-in error: ${(e as Error).message}` } };
      }
      await untilLatency(startedAt, state.latencyMs + (fault?.latencyMs ?? 0));
      record.status = deliver(res, answer, fault, r.origin);
      record.endedAt = performance.now();
    })();
  };
  const server = tls ? createTlsServer(tls, listener) : createServer(listener);
  const close = closer(server);
  const url = `${await listen(server, scheme)}${basePath}`;
  return {
    url,
    ...(tls ? { ca: tls.cert } : {}),
    faults,
    requests,
    get latencyMs() {
      return state.latencyMs;
    },
    set latencyMs(ms: number) {
      state.latencyMs = ms;
    },
    close,
  };
}

/** The most of these requests the server was answering at once (checks bounded concurrency). */
export function peakInFlight(requests: readonly RequestRecord[]): number {
  const events = requests
    .flatMap((r) => [[r.startedAt, 1] as const, [r.endedAt || Infinity, -1] as const])
    .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let peak = 0;
  for (const [, d] of events) peak = Math.max(peak, (now += d));
  return peak;
}

/* ----- routing and paging ----- */

export interface Route {
  method: string | readonly string[];
  /** A pattern with named groups, matched against the whole path. */
  path: RegExp;
  handle(
    req: StandInRequest,
    params: Record<string, string>,
  ): StandInResponse | Promise<StandInResponse>;
}

/** A handler from a route table; `notFound` answers what no route matches. */
export function router(routes: readonly Route[], notFound: Handler): Handler {
  return (req) => {
    for (const route of routes) {
      const methods = typeof route.method === 'string' ? [route.method] : route.method;
      if (!methods.includes(req.method)) continue;
      const m = route.path.exec(req.path);
      if (m && m[0] === req.path) return route.handle(req, { ...(m.groups ?? {}) });
    }
    return notFound(req);
  };
}

/** Offset paging with an opaque token, as most cloud APIs page. */
export function offsetPage<T>(
  items: readonly T[],
  token: string | null,
  size: number,
): { items: T[]; next: string | null } {
  const start = token ? Number(Buffer.from(token, 'base64url').toString('utf8')) : 0;
  if (!Number.isInteger(start) || start < 0) throw new RangeError('invalid page token');
  const end = start + Math.max(1, size);
  return {
    items: items.slice(start, end),
    next: end < items.length ? Buffer.from(String(end)).toString('base64url') : null,
  };
}

/* ----- the fault proxy ----- */

export interface FaultProxy extends StandInServer {
  upstream: string;
}

function rewrite(text: string, from: string, to: string): string {
  return from === to ? text : text.split(from).join(to);
}

/**
 * A proxy in front of `upstream` (moto, or any server without the kit's faults) that injects
 * the same faults. The Host header
 * is kept, and the upstream's own origin is rewritten to the proxy's in headers and bodies, so
 * a client configured with the proxy's URL sees one consistent origin.
 */
export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const up = new URL(upstream).origin;
  let self = '';
  const handle: Handler = async (r) => {
    const res = await fetch(`${up}${r.path}${r.query.size ? `?${r.query}` : ''}`, {
      method: r.method,
      headers: Object.fromEntries(
        Object.entries(r.headers)
          .filter(
            ([k]) => !['host', 'connection', 'content-length', 'transfer-encoding'].includes(k),
          )
          .map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v)]),
      ),
      ...(r.body.length && r.method !== 'GET' && r.method !== 'HEAD'
        ? { body: new Uint8Array(r.body) }
        : {}),
      redirect: 'manual',
    });
    const headers: Record<string, string> = {};
    res.headers.forEach((v, k) => {
      if (!['content-length', 'transfer-encoding', 'connection', 'content-encoding'].includes(k))
        headers[k] = rewrite(v, up, self);
    });
    const bytes = Buffer.from(await res.arrayBuffer());
    const textual = /json|xml|text|csv/.test(headers['content-type'] ?? '');
    return {
      status: res.status,
      headers,
      body: textual ? rewrite(bytes.toString('utf8'), up, self) : bytes,
    };
  };

  const faults = new FaultSet();
  const requests: RequestRecord[] = [];
  const state = { latencyMs: 0 };
  const server = createServer((req, res) => {
    void (async () => {
      const startedAt = performance.now();
      const r = toRequest(req, await readBody(req));
      const record: RequestRecord = {
        method: r.method,
        path: r.path,
        query: r.query.toString(),
        status: 0,
        authenticated: Boolean(req.headers.authorization),
        startedAt,
        endedAt: 0,
      };
      requests.push(record);
      res.once('finish', () => (record.endedAt = performance.now()));
      const fault = faults.take(r.method, r.path, r.text(), r.headers);
      if (fault?.hang) return;
      const wait = state.latencyMs + (fault?.latencyMs ?? 0);
      if (wait > 0) await delay(wait);
      try {
        const faulted = fault && faultResponse(fault, r);
        if (faulted) {
          record.status = send(res, faulted);
          return;
        }
        const answer = await handle(r);
        if (fault?.foreignLinks) {
          const to = new URL(fault.foreignLinks).origin;
          for (const [k, v] of Object.entries(answer.headers ?? {}))
            answer.headers![k] = rewrite(v, self, to);
          if (typeof answer.body === 'string') answer.body = rewrite(answer.body, self, to);
        }
        if (fault?.truncate) {
          const body = Buffer.isBuffer(answer.body)
            ? answer.body
            : Buffer.from(String(answer.body ?? ''));
          res.writeHead(answer.status ?? 200, {
            ...answer.headers,
            'content-length': String(body.length),
          });
          res.write(body.subarray(0, Math.floor(body.length / 2)));
          record.status = answer.status ?? 200;
          res.socket?.destroy();
          return;
        }
        record.status = send(res, answer);
      } catch (e) {
        record.status = send(res, { status: 502, body: `proxy: ${(e as Error).message}` });
      }
    })();
  });
  const close = closer(server);
  self = await listen(server);
  return {
    url: self,
    upstream: up,
    faults,
    requests,
    get latencyMs() {
      return state.latencyMs;
    },
    set latencyMs(ms: number) {
      state.latencyMs = ms;
    },
    close,
  };
}

/**
 * A server standing for a foreign host: it answers 200 with an empty JSON object and records
 * whether anything was sent to it, and with which credentials (only whether, never the value).
 */
export async function startCanary(): Promise<StandInServer> {
  return serveStandIn(() => ({ status: 200, body: {} }));
}
