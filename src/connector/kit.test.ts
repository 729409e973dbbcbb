import { get as httpsGet } from 'node:https';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ApiError,
  GapCollector,
  OriginPin,
  defineOptions,
  defineSignals,
  parseOptions,
  parsePayload,
  pinnedFetch,
  withRetry,
  UserError,
} from './index.js';
import {
  garbage,
  offsetPage,
  peakInFlight,
  router,
  serveStandIn,
  standInCertificate,
  startCanary,
  startFaultProxy,
  type StandInServer,
} from './stand-in.js';

const open: StandInServer[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});
async function server(...args: Parameters<typeof serveStandIn>) {
  const s = await serveStandIn(...args);
  open.push(s);
  return s;
}

const hello = router(
  [
    { method: 'GET', path: /\/hello/, handle: () => ({ body: { hello: 'world' } }) },
    {
      method: 'GET',
      path: /\/items/,
      handle: (req) => {
        const page = offsetPage([1, 2, 3, 4, 5], req.query.get('token'), 2);
        const headers: Record<string, string> = {};
        if (page.next) headers.link = `<${req.origin}/items?token=${page.next}>; rel="next"`;
        return { headers, body: page.items };
      },
    },
  ],
  () => ({ status: 404, body: { message: 'Not Found' } }),
);

function fetcher(s: { url: string }, timeoutMs = 2000) {
  return pinnedFetch({
    pin: new OriginPin('test', [s.url]),
    timeoutMs,
    signal: new AbortController().signal,
  });
}

describe('pinnedFetch', () => {
  it('answers from the configured origin and follows a same-origin redirect', async () => {
    const s = await server(hello);
    s.faults.add({ path: '/start', redirect: `${s.url}/hello` });
    const res = await fetcher(s)(`${s.url}/start`);
    expect(await res.json()).toEqual({ hello: 'world' });
    // A doubled slash (how some SDKs join a base URL and a path) is still this server's path.
    expect(await (await fetcher(s)(`${s.url}//hello`)).json()).toEqual({ hello: 'world' });
  });

  it('never sends a request, or a redirect, to another origin', async () => {
    const s = await server(hello);
    const canary = await server(() => ({ body: {} }));
    await expect(fetcher(s)(`${canary.url}/x`)).rejects.toMatchObject({ kind: 'off-origin' });
    s.faults.add({ path: '/hello', redirect: `${canary.url}/steal` });
    await expect(
      fetcher(s)(`${s.url}/hello`, { headers: { authorization: 'Bearer secret' } }),
    ).rejects.toMatchObject({ kind: 'off-origin' });
    expect(canary.requests).toEqual([]);
  });

  it('times out a request that is accepted and never answered, naming the endpoint', async () => {
    const s = await server(hello);
    s.faults.add({ path: '/hello', hang: true });
    const err = await fetcher(s, 300)(`${s.url}/hello?token=x`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).kind).toBe('timeout');
    expect((err as Error).message).toBe(`GET ${s.url}/hello: Timeout no answer within 0.3 s`);
  });

  it('lets the scan signal through as itself (Ctrl-C is not a timeout)', async () => {
    const s = await server(hello);
    s.faults.add({ path: '/hello', hang: true });
    const abort = new AbortController();
    const f = pinnedFetch({
      pin: new OriginPin('t', [s.url]),
      timeoutMs: 5000,
      signal: abort.signal,
    });
    const p = f(`${s.url}/hello`);
    abort.abort(new Error('stop'));
    await expect(p).rejects.toThrow('stop');
  });
});

describe('withRetry', () => {
  it('retries throttling and 5xx, then succeeds; never retries a denial', async () => {
    let calls = 0;
    const signal = new AbortController().signal;
    const value = await withRetry(
      async () => {
        calls += 1;
        if (calls < 3)
          throw new ApiError({
            provider: 't',
            operation: 'op',
            kind: calls === 1 ? 'throttled' : 'server',
          });
        return 'ok';
      },
      { maxAttempts: 5, baseDelayMs: 1, signal },
    );
    expect([value, calls]).toEqual(['ok', 3]);
    calls = 0;
    await expect(
      withRetry(
        async () => {
          calls += 1;
          throw new ApiError({ provider: 't', operation: 'op', kind: 'denied', status: 403 });
        },
        { maxAttempts: 5, baseDelayMs: 1, signal },
      ),
    ).rejects.toMatchObject({ kind: 'denied' });
    expect(calls).toBe(1);
  });
});

describe('parsePayload', () => {
  it('a document that is not the one asked for is an invalid response naming where', () => {
    const schema = z.object({ accounts: z.array(z.object({ id: z.string() })) });
    expect(parsePayload(schema, { accounts: [] }, { provider: 'p', operation: 'list' })).toEqual({
      accounts: [],
    });
    expect(() =>
      parsePayload(schema, { accounts: [{ id: 1 }] }, { provider: 'p', operation: 'list' }),
    ).toThrow(/^list: InvalidResponse unexpected response: \.accounts\[0\]\.id /);
  });
});

describe('GapCollector', () => {
  const signals = defineSignals([
    { signal: 'deploy-keys', description: 'd', fix: 'admin', hides: ['credentials'] },
    { signal: 'owners', description: 'o', fix: 'read', hides: [] },
  ]);
  it('merges one signal into one gap naming its subjects, and knows what it hides', () => {
    const gaps = new GapCollector<'deploy-keys' | 'owners'>(signals);
    for (const repo of ['b', 'a', 'c'])
      gaps.add('deploy-keys', { message: 'deploy keys not read', code: '403', subject: repo });
    gaps.add('owners', { message: 'owners not read', code: null });
    expect(gaps.list()).toEqual([
      {
        signal: 'deploy-keys',
        message: 'deploy keys not read (3: a, b, c)',
        code: '403',
        fix: 'admin',
      },
      { signal: 'owners', message: 'owners not read', code: null, fix: 'read' },
    ]);
    expect(gaps.incomplete()).toEqual(['credentials']);
    expect(() => gaps.add('nope' as 'owners', { message: 'x' })).toThrow(/not declared/);
  });
});

describe('declared options', () => {
  const decl = defineOptions({
    provider: 'acme',
    shape: { orgs: z.array(z.string()).optional(), concurrency: z.number().int().default(4) },
    flags: [{ flag: '--acme-org <org...>', key: 'orgs', description: 'orgs' }],
  });
  it('apply defaults (the common ones too) and refuse a typo naming the known options', () => {
    expect(parseOptions(decl, { orgs: ['a'] })).toEqual({
      orgs: ['a'],
      concurrency: 4,
      timeoutMs: 30_000,
      maxAttempts: 5,
    });
    expect(() => parseOptions(decl, { org: ['a'] })).toThrow(UserError);
    expect(() => parseOptions(decl, { org: ['a'] })).toThrow(
      "acme option 'org': unknown option (known: orgs, concurrency, timeoutMs, maxAttempts)",
    );
  });
  it('refuse a flag for an option that does not exist', () => {
    expect(() =>
      defineOptions({
        provider: 'x',
        shape: {},
        flags: [{ flag: '--x', key: 'y', description: '' }],
      }),
    ).toThrow(/unknown option 'y'/);
  });
});

describe('faults matched on the request body and headers', () => {
  const post = (url: string, body: string, target?: string) =>
    fetch(url, {
      method: 'POST',
      body,
      headers: target ? { 'x-amz-target': target } : {},
    }).then((r) => r.status);

  it('hit only the operation they name, in the server and through the proxy, and log it', async () => {
    const s = await server(() => ({ body: {} }), {
      operationOf: (req) =>
        /Action=(\w+)/.exec(req.text())?.[1] ?? String(req.headers['x-amz-target'] ?? ''),
    });
    const proxy = await startFaultProxy(s.url);
    open.push(proxy);
    for (const target of [s, proxy]) {
      target.faults.add({ requestBody: /(^|&)Action=ListUsers(&|$)/, status: 403 });
      target.faults.add({ requestHeaders: { 'x-amz-target': /\.ListAccounts$/ }, status: 400 });
      expect(await post(target.url, 'Action=ListUsersOther&Version=1')).toBe(200);
      expect(await post(target.url, '{}', 'Org.DescribeOrganization')).toBe(200);
      expect(await post(target.url, 'Action=ListUsers&Version=1')).toBe(403);
      expect(await post(target.url, '{}', 'Org.ListAccounts')).toBe(400);
      expect(await post(target.url, 'Action=ListUsers&Version=1')).toBe(200);
    }
    expect(s.requests.map((r) => r.operation).slice(0, 4)).toEqual([
      'ListUsersOther',
      'Org.DescribeOrganization',
      'ListUsers',
      'Org.ListAccounts',
    ]);
  });
});

describe('fault proxy', () => {
  it('passes answers through with its own origin in links, and injects proxy-only faults', async () => {
    const s = await server(hello);
    const proxy = await startFaultProxy(s.url);
    open.push(proxy);
    const canary = await startCanary();
    open.push(canary);
    const f = fetcher(proxy);
    const first = await f(`${proxy.url}/items`);
    expect(first.headers.get('link')).toContain(proxy.url);
    expect(await first.json()).toEqual([1, 2]);

    proxy.faults.add({ path: '/items', foreignLinks: canary.url });
    const foreign = await f(`${proxy.url}/items`);
    expect(foreign.headers.get('link')).toContain(canary.url);

    proxy.faults.add({ path: '/hello', truncate: true });
    await expect(f(`${proxy.url}/hello`).then((r) => r.json())).rejects.toThrow();

    proxy.faults.add({ path: '/hello', body: garbage(64), contentType: 'application/json' });
    await expect(f(`${proxy.url}/hello`).then((r) => r.json())).rejects.toThrow();

    proxy.faults.add({ path: '/hello', status: 503, retryAfter: 0 });
    expect((await f(`${proxy.url}/hello`)).status).toBe(503);
    expect(canary.requests).toEqual([]);
  });
});

describe('stand-in over TLS', () => {
  /** GET with node:https, trusting only `ca` (nothing else: the stand-in's own certificate). */
  const getTls = (url: string, ca?: string) =>
    new Promise<{ status: number; link: string; body: string }>((resolve, reject) => {
      httpsGet(url, { ca: ca ?? [] }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, link: String(res.headers.link ?? ''), body }),
        );
      }).on('error', reject);
    });

  it('serves https with an in-process certificate that clients trust through `ca` alone', async () => {
    const s = await server(hello, { tls: true });
    expect(s.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(s.ca).toMatch(/^-----BEGIN CERTIFICATE-----/);
    const page = await getTls(`${s.url}/items`, s.ca);
    expect(page.status).toBe(200);
    // Links that point back at the server keep its scheme, so clients stay on https.
    expect(page.link).toContain(`${s.url}/items?token=`);
    await expect(getTls(`${s.url}/items`)).rejects.toThrow(/self[- ]signed|certificate/i);

    // Faults work the same over TLS, foreign links included.
    s.faults.add({ path: '/items', foreignLinks: 'http://127.0.0.1:1' });
    expect((await getTls(`${s.url}/items`, s.ca)).link).toContain('http://127.0.0.1:1/items');
    s.faults.add({ path: '/hello', status: 503, retryAfter: 0 });
    expect((await getTls(`${s.url}/hello`, s.ca)).status).toBe(503);
  });

  it('lets several servers share one certificate (one CA for a whole stand-in)', async () => {
    const tls = await standInCertificate();
    const [a, b] = await Promise.all([server(hello, { tls }), server(hello, { tls })]);
    expect(a.ca).toBe(tls.cert);
    expect(JSON.parse((await getTls(`${b.url}/hello`, tls.cert)).body)).toEqual({
      hello: 'world',
    });
  });

  it('lets several servers share one fault set (a service on its own origin)', async () => {
    const tls = await standInCertificate();
    const a = await server(hello, { tls });
    const b = await server(hello, { tls, faults: a.faults });
    a.faults.add({ path: '/hello', status: 403 });
    expect((await getTls(`${b.url}/hello`, tls.cert)).status).toBe(403);
    expect((await getTls(`${a.url}/hello`, tls.cert)).status).toBe(200);
  });
});

describe('stand-in server', () => {
  it('serves under a base path, logs relative paths, timings and the kind of credentials', async () => {
    const s = await server(hello, {
      basePath: '/api/v3',
      authKind: (req) => (req.headers.authorization ? 'token' : 'none'),
      errorBody: (status) => ({ body: { message: `error ${status}` } }),
    });
    expect(s.url).toMatch(/\/api\/v3$/);
    s.faults.add({ path: /^\/hello$/, status: 503 });
    expect((await fetch(`${s.url}/hello`)).status).toBe(503);
    const ok = await fetch(`${s.url}/hello`, { headers: { authorization: 'token x' } });
    expect(await ok.json()).toEqual({ hello: 'world' });
    // Outside the base path nothing is routed.
    const outside = await fetch(`${new URL(s.url).origin}/hello`);
    expect([outside.status, await outside.json()]).toEqual([404, { message: 'error 404' }]);
    expect(s.requests.map((r) => [r.path, r.status, r.auth])).toEqual([
      ['/hello', 503, 'none'],
      ['/hello', 200, 'token'],
      ['/hello', 404, 'none'],
    ]);
    for (const r of s.requests) expect(r.endedAt).toBeGreaterThanOrEqual(r.startedAt);
    expect(peakInFlight(s.requests)).toBe(1);
    s.latencyMs = 30;
    await Promise.all([1, 2, 3].map(() => fetch(`${s.url}/hello`)));
    expect(peakInFlight(s.requests)).toBe(3);
  });

  it("answers `latencyMs` after the request arrived, the stand-in's own work inside it", async () => {
    const slow = async () => {
      await new Promise((r) => setTimeout(r, 150));
      return { body: { hello: 'world' } };
    };
    const s = await server(slow, { latencyMs: 250 });
    expect((await fetch(`${s.url}/hello`)).status).toBe(200);
    const [r] = s.requests;
    // Latency then work would take 400 ms; a real API's latency includes its work.
    expect(r!.endedAt - r!.startedAt).toBeGreaterThanOrEqual(249);
    expect(r!.endedAt - r!.startedAt).toBeLessThan(380);
  });
});
