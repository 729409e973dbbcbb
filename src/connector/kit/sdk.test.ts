import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ApiError } from './errors.js';
import { fromSdkError, httpApiError, pageThrough, rememberingFetch, type SdkPage } from './sdk.js';
import { probeCheck } from './doctor.js';

/** A paginator like an SDK's: pages built from raw documents, read from a list of bodies. */
function pages(bodies: unknown[]): SdkPage & { body: unknown } {
  const at = (i: number): SdkPage & { body: unknown } => ({
    body: bodies[i],
    hasNextPage: () => i + 1 < bodies.length,
    getNextPage: async () => at(i + 1),
  });
  return at(0);
}
const listing = z.object({ data: z.array(z.number()), last: z.string() });
const through = (bodies: unknown[]) =>
  pageThrough({
    provider: 'p',
    operation: 'GET /things',
    page: listing,
    items: (p) => p.data,
    cursor: (p) => p.last,
    bodyOf: (p) => (p as SdkPage & { body: unknown }).body,
    first: async () => pages(bodies),
  });

describe('pageThrough', () => {
  it('collects every page', async () => {
    expect(
      await through([
        { data: [1, 2], last: 'a' },
        { data: [3], last: 'b' },
      ]),
    ).toEqual([1, 2, 3]);
  });

  it('a page that is not the document asked for fails; it is never an empty page', async () => {
    const bad = through([{ data: [1], last: 'a' }, { kind: 'other' }]);
    await expect(bad).rejects.toMatchObject({ kind: 'invalid-response' });
    await expect(bad).rejects.toThrow(
      /^GET \/things: InvalidResponse unexpected response: \.data /,
    );
  });

  it('a cursor that comes back twice stops the listing', async () => {
    await expect(
      through([
        { data: [1], last: 'a' },
        { data: [2], last: 'a' },
        { data: [3], last: 'b' },
      ]),
    ).rejects.toThrow('the same page cursor came back twice (a)');
  });
});

describe('SDK error helpers', () => {
  it('maps an HTTP error answer to the kit kind, code and Retry-After', () => {
    const e = httpApiError({
      provider: 'p',
      operation: 'GET /x',
      status: 429,
      code: 'rate_limit_error',
      message: 'slow down',
      headers: new Headers({ 'retry-after': '2' }),
    });
    expect(e).toMatchObject({ kind: 'throttled', code: 'rate_limit_error', retryAfterMs: 2000 });
    expect(e.message).toBe('GET /x: rate_limit_error slow down');
  });

  it('remembers the transport error an SDK would rewrap, once', async () => {
    const failing = new ApiError({ provider: 'p', operation: 'GET /x', kind: 'timeout' });
    const r = rememberingFetch(async () => {
      throw failing;
    });
    await expect(r.fetch('http://127.0.0.1/')).rejects.toBe(failing);
    expect(r.takeError()).toBe(failing);
    expect(r.takeError()).toBeNull();
  });

  it('probeCheck: an answer is ok, a denial says "not permitted"', async () => {
    expect(await probeCheck('a', async () => '3 readable')).toEqual({
      name: 'a',
      ok: true,
      detail: '3 readable',
    });
    const denied = new ApiError({
      provider: 'p',
      operation: 'GET /y',
      kind: 'denied',
      status: 403,
    });
    expect(
      await probeCheck('b', async () => {
        throw denied;
      }),
    ).toEqual({ name: 'b', ok: false, detail: 'GET /y: 403 (not permitted)' });
  });
});

describe('fromSdkError', () => {
  const init = (transport: unknown = null) => ({
    provider: 'p',
    operation: 'GET /x',
    signal: new AbortController().signal,
    transportError: () => transport,
    isConnectionError: (e: unknown) => e instanceof TypeError,
    httpError: (e: unknown) =>
      e instanceof RangeError
        ? { status: 403, code: 'permission_error', message: 'no', headers: null }
        : null,
  });

  it('a connection error is the transport error behind it; an HTTP error maps by status', () => {
    const timeout = new ApiError({ provider: 'p', operation: 'GET /x', kind: 'timeout' });
    expect(fromSdkError(new TypeError('fetch failed'), init(timeout))).toBe(timeout);
    expect(fromSdkError(new RangeError(), init())).toMatchObject({
      kind: 'denied',
      code: 'permission_error',
    });
    expect(fromSdkError(new SyntaxError('Unexpected token <'), init())).toMatchObject({
      kind: 'invalid-response',
    });
    const bug = new Error('a bug');
    expect(fromSdkError(bug, init())).toBe(bug);
  });
});
