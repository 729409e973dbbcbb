/**
 * The AWS SDK's wire, held to the kit's rules by middleware on every client: each request goes
 * only to the configured origin, each 2xx answer must be the document asked for (the XML root
 * element `<{Action}Response>` with its `<{Action}Result>` for the query protocol, a JSON object
 * for the JSON protocols) before the SDK's deserialiser reads it — the SDK reads anything it is
 * given, and unrelated XML or an HTML page would otherwise become "no users" — and every SDK
 * error becomes one ApiError. Types only from the SDK: client.ts stays its only importer.
 */
import type {
  DeserializeMiddleware,
  HttpRequest,
  HttpResponse,
  MiddlewareStack,
  Pluggable,
  RelativeMiddlewareOptions,
} from '@smithy/types';
import {
  ApiError,
  endpointOf,
  kindOfStatus,
  type ApiErrorKind,
  type OriginPin,
} from '../../src/connector/index.js';

export type Protocol = 'query' | 'json';

export interface WireRules {
  /** Service prefix for operation names, e.g. `iam` → `iam:ListUsers`. */
  service: string;
  protocol: Protocol;
  /** The configured endpoint's origin; null = AWS's own endpoints (https, *.amazonaws.com…). */
  pin: OriginPin | null;
  /** Query actions whose answer has no Result element (writes that return nothing). */
  voidActions?: ReadonlySet<string>;
  /** Called once per HTTP request sent (retries included): the scope's API call count. */
  onRequest?: () => void;
  /** The scan's signal: ends the SDK's wait between retries (the socket gets it from the handler). */
  signal?: AbortSignal;
}

const AWS_HOST = /(^|\.)(amazonaws\.com|amazonaws\.com\.cn|api\.aws)$/i;

function invalid(operation: string, detail: string, code = 'InvalidResponse'): ApiError {
  return new ApiError({ provider: 'aws', operation, kind: 'invalid-response', code, detail });
}

function urlOf(r: HttpRequest): string {
  const port = r.port ? `:${r.port}` : '';
  return `${r.protocol}//${r.hostname}${port}${r.path}`;
}

/** Refuses a request (or a redirect target) that leaves the configured origin. */
function checkOrigin(url: string, pin: OriginPin | null, operation: string): void {
  if (pin) {
    pin.check(url, operation);
    return;
  }
  const u = new URL(url);
  if (u.protocol !== 'https:' || !AWS_HOST.test(u.hostname))
    throw new ApiError({
      provider: 'aws',
      operation,
      kind: 'off-origin',
      code: 'OffOrigin',
      detail: `refused to send to ${u.origin} (not an AWS endpoint; set aws.endpoint to use another)`,
    });
}

/** The first element's name, skipping an XML declaration, comments and whitespace. */
function rootElement(head: string): string | null {
  const m = /^\s*(?:<\?xml[^>]*\?>\s*)?(?:<!--[\s\S]*?-->\s*)*<([A-Za-z_][\w.:-]*)[\s/>]/.exec(
    head,
  );
  return m ? m[1]! : null;
}

function preview(text: string): string {
  return JSON.stringify(text.trimStart().slice(0, 40));
}

/**
 * Checks a 2xx body is the answer to `action`; throws an invalid-response ApiError if not. Reads
 * the bytes where it can (a GAAD page is large, and the SDK decodes it once more anyway).
 */
export function checkDocument(
  rules: Pick<WireRules, 'protocol' | 'voidActions'>,
  action: string,
  operation: string,
  body: Buffer,
): void {
  const head = body.subarray(0, 512).toString('utf8');
  if (rules.protocol === 'json') {
    // The SDK parses it; what must not pass as an answer is anything but one JSON object.
    const text = head.trimStart();
    if (body.length && !text.startsWith('{'))
      throw invalid(operation, `response is not a JSON object (starts with ${preview(text)})`);
    return;
  }
  const root = rootElement(head);
  if (root !== `${action}Response`)
    throw invalid(
      operation,
      root
        ? `expected <${action}Response>, got <${root}>`
        : `response is not XML (starts with ${preview(head)})`,
    );
  if (!rules.voidActions?.has(action) && body.indexOf(`<${action}Result`) < 0)
    throw invalid(operation, `<${action}Response> has no <${action}Result>`);
}

/** An AWS error document: `<ErrorResponse>` (or EC2's `<Response>`), or a JSON object. */
function isErrorDocument(protocol: Protocol, text: string): boolean {
  if (protocol === 'json') return /^\s*\{/.test(text);
  const root = rootElement(text.slice(0, 512));
  return root === 'ErrorResponse' || root === 'Response';
}

/**
 * An error status whose body is not AWS's (a proxy's HTML page, an emulator's crash page): one
 * line saying so. It keeps the status in `$metadata`, so the SDK retries a 5xx as usual.
 */
function notAnAwsError(operation: string, status: number, text: string): ApiError {
  const err = new ApiError({
    provider: 'aws',
    operation,
    kind: kindOfStatus(status),
    code: `Http${status}`,
    status,
    detail: `HTTP ${status} without an AWS error document (starts with ${preview(text)})`,
  });
  return Object.assign(err, { $metadata: { httpStatusCode: status } });
}

async function readBody(body: unknown, operation: string): Promise<Buffer> {
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.length);
  if (typeof body === 'string') return Buffer.from(body);
  if (!body || typeof (body as AsyncIterable<unknown>)[Symbol.asyncIterator] !== 'function')
    return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  try {
    for await (const c of body as AsyncIterable<Buffer | string>)
      chunks.push(typeof c === 'string' ? Buffer.from(c) : c);
  } catch (e) {
    // Cut mid-body: retried like any network failure ($retryable is the SDK's retry trait).
    const err = new ApiError({
      provider: 'aws',
      operation,
      kind: 'network',
      code: 'ResponseTruncated',
      detail: `the answer was cut off (${(e as Error).message})`,
    });
    throw Object.assign(err, { $retryable: {} });
  }
  return Buffer.concat(chunks);
}

/**
 * Text elements too large for the SDK's XML parser, which builds a text node one character at a
 * time: a 10,000-user credential report (about 5 MB of base64) cost it seconds of CPU and over
 * 100 MB of transient strings. They are lifted out of the document before the SDK reads it and
 * put back, decoded, into its output (`restoreLargeText`).
 */
const LARGE_TEXT: Readonly<Record<string, string>> = { GetCredentialReport: 'Content' };
/** Lifted text by the response it came from (the handler context is shared by a command's calls). */
const LIFTED = new WeakMap<object, Buffer>();

/** Cuts `<element>…</element>`'s base64 text out of `body`; null when it is not there. */
function liftBase64(body: Buffer, element: string): { body: Buffer; value: Buffer } | null {
  const open = body.indexOf(`<${element}>`);
  const close = open < 0 ? -1 : body.indexOf(`</${element}>`, open);
  if (open < 0 || close < 0) return null;
  const start = open + element.length + 2;
  return {
    body: Buffer.concat([body.subarray(0, start), body.subarray(close)]),
    value: Buffer.from(body.subarray(start, close).toString('latin1'), 'base64'),
  };
}

function restoreLargeText(): DeserializeMiddleware<object, object> {
  return (next, context) => async (args) => {
    const result = await next(args);
    const lifted = LIFTED.get(result.response as object);
    const element = LARGE_TEXT[(context.commandName ?? '').replace(/Command$/, '')];
    if (lifted && element)
      (result.output as Record<string, unknown>)[element] = new Uint8Array(lifted);
    return result;
  };
}

function responseCheck(rules: WireRules): DeserializeMiddleware<object, object> {
  return (next, context) => async (args) => {
    const action = (context.commandName ?? '').replace(/Command$/, '');
    const operation = `${rules.service}:${action}`;
    const result = await next(args);
    const res = result.response as HttpResponse;
    const status = res.statusCode;
    if (status >= 300 && status < 400) {
      const location = res.headers.location ?? res.headers.Location;
      const from = urlOf(args.request as HttpRequest);
      if (location) checkOrigin(new URL(location, from).toString(), rules.pin, operation);
      throw invalid(operation, `HTTP ${status} redirect is not an AWS answer`, `Http${status}`);
    }
    const bytes = await readBody(res.body, operation);
    res.body = bytes;
    if (status >= 200 && status < 300) {
      checkDocument(rules, action, operation, bytes);
      const element = LARGE_TEXT[action];
      const lifted = element ? liftBase64(bytes, element) : null;
      if (lifted) {
        res.body = lifted.body;
        LIFTED.set(res, lifted.value);
      }
    } else if (!isErrorDocument(rules.protocol, bytes.subarray(0, 512).toString('utf8')))
      throw notAnAwsError(operation, status, bytes.subarray(0, 512).toString('utf8'));
    return result;
  };
}

const CHECK_OPTIONS: RelativeMiddlewareOptions = {
  name: 'nhiResponseCheck',
  relation: 'after',
  toMiddleware: 'deserializerMiddleware',
  override: true,
};
const RESTORE_OPTIONS: RelativeMiddlewareOptions = {
  name: 'nhiLargeTextRestore',
  relation: 'before',
  toMiddleware: 'deserializerMiddleware',
  override: true,
};
const COUNT_OPTIONS = {
  name: 'nhiRequestCount',
  step: 'finalizeRequest',
  priority: 'low',
} as const;
const PIN_OPTIONS = { name: 'nhiOriginPin', step: 'build', override: true } as const;
const SIGNAL_OPTIONS = { name: 'nhiAbortSignal', step: 'initialize', override: true } as const;

/** The middleware every client gets (client.ts adds it with `client.middlewareStack.use`). */
export function wirePlugin(rules: WireRules): Pluggable<object, object> {
  return {
    applyToStack(stack: MiddlewareStack<object, object>) {
      const signal = rules.signal;
      // Where the SDK's retry middleware looks for it (send() gets no per-call options).
      if (signal)
        stack.add(
          (next, context) => (args) => {
            (context.__smithy_context ??= {}).abortSignal = signal;
            return next(args);
          },
          SIGNAL_OPTIONS,
        );
      stack.add(
        (next, context) => async (args) => {
          const action = (context.commandName ?? '').replace(/Command$/, '');
          checkOrigin(urlOf(args.request as HttpRequest), rules.pin, `${rules.service}:${action}`);
          return next(args);
        },
        PIN_OPTIONS,
      );
      stack.add(
        (next) => async (args) => {
          rules.onRequest?.();
          return next(args);
        },
        COUNT_OPTIONS,
      );
      stack.addRelativeTo(responseCheck(rules), CHECK_OPTIONS);
      stack.addRelativeTo(restoreLargeText(), RESTORE_OPTIONS);
    },
  };
}

/* ----- SDK errors -> ApiError ----- */

const DENIED = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'AuthorizationError',
]);
const AUTH = new Set([
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'ExpiredTokenException',
  'CredentialsProviderError',
  'IncompleteSignature',
]);
const THROTTLED = new Set([
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'SlowDown',
]);
const NOT_FOUND = new Set(['NoSuchEntity', 'ResourceNotFoundException', 'NotFound']);
const TIMEOUT = new Set(['TimeoutError', 'RequestTimeout', 'ETIMEDOUT', 'ESOCKETTIMEDOUT']);
const NETWORK = /^(ECONNREFUSED|ECONNRESET|EPIPE|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH)$/;

function kindOf(code: string, status: number | null, message: string): ApiErrorKind {
  if (DENIED.has(code)) return 'denied';
  if (AUTH.has(code)) return 'auth';
  if (THROTTLED.has(code)) return 'throttled';
  if (NOT_FOUND.has(code)) return 'not-found';
  if (TIMEOUT.has(code)) return 'timeout';
  if (NETWORK.test(code)) return 'network';
  // The SDK's deserialiser could not read a body (an error page, garbage).
  if (code === 'SyntaxError' || /Deserialization error|char '.*' is not expected/.test(message))
    return 'invalid-response';
  if (status === 403) return 'denied';
  return status ? kindOfStatus(status) : 'client';
}

/** The SDK's error (or a transport failure) as one ApiError naming the operation; never a payload. */
export function toApiError(
  operation: string,
  e: unknown,
  where: { endpoint: string | null; timeoutMs: number } = { endpoint: null, timeoutMs: 0 },
): ApiError {
  if (e instanceof ApiError) return e;
  const err = e as {
    name?: string;
    Code?: string;
    code?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number };
  };
  const code =
    err.Code ?? (err.code && /^E[A-Z]+$/.test(err.code) ? err.code : err.name) ?? 'Error';
  const status = err.$metadata?.httpStatusCode ?? null;
  const message = (err.message ?? '').split('\n')[0]!;
  const kind = kindOf(code, status, message);
  const endpoint = where.endpoint ? endpointOf(where.endpoint) : 'the AWS endpoint';
  // Service messages come from the service; SDK messages never contain our secrets.
  const detail =
    kind === 'timeout'
      ? `no answer from ${endpoint} within ${Math.round(where.timeoutMs / 100) / 10} s`
      : kind === 'network'
        ? `${message} (${endpoint})`
        : message;
  return new ApiError({ provider: 'aws', operation, kind, code, status, detail });
}
