/**
 * GitHub's own failure answers in the stand-in kit's one fault shape, for tests:
 * `standIn.faults.add(primaryLimit({ path: /\/keys$/ }))`. Rate-limit answers carry the
 * headers and messages GitHub sends, so the connector reads them as it reads GitHub's.
 */
import type { Fault } from '../../../src/connector/stand-in.js';
import { errorBody } from './responses.js';

type Where = Pick<Fault, 'path' | 'method' | 'times'>;

/** The primary limit: `x-ratelimit-remaining: 0` with a reset `resetIn` seconds from now. */
export function primaryLimit(where: Where & { status?: 403 | 429; resetIn?: number } = {}): Fault {
  const { status = 403, resetIn = 1, ...at } = where;
  return {
    ...at,
    status,
    headers: {
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + resetIn),
    },
    body: errorBody('API rate limit exceeded for installation.', status),
  };
}

/** A secondary limit: GitHub's message and `retry-after` (seconds). */
export function secondaryLimit(
  where: Where & { status?: 403 | 429; retryAfter?: number } = {},
): Fault {
  const { status = 403, retryAfter = 1, ...at } = where;
  return {
    ...at,
    status,
    retryAfter,
    body: errorBody(
      'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
      status,
    ),
  };
}

/** Requests GitHub refuses: 403 (missing permission) or 404 (not visible), every time. */
export function denied(
  path: RegExp,
  status: 403 | 404 = 403,
  message = status === 404 ? 'Not Found' : 'Resource not accessible by integration',
): Fault {
  return { path, status, times: Infinity, body: errorBody(message, status) };
}

/** Answers `body` with `status` instead of the real answer (every time unless `times`). */
export function respondWith(path: RegExp, status: number, body: unknown, times = Infinity): Fault {
  return { path, status, times, body: body as object };
}
