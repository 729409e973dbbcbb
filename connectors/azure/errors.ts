/**
 * What the Azure SDKs throw, as the kit's one error shape, and the checks that make a 2xx
 * answer that is not the document asked for an error. Who is at fault decides the outcome:
 *
 * - no credential at all in the chain (CredentialUnavailableError): the user's to fix, a
 *   UserError (exit 2);
 * - the authority refusing the credential (AADSTS…, HTTP 400/401): `auth`, the tenant's scope
 *   fails and other tenants go on;
 * - the authority or an API answering garbage, HTML, the wrong document, hanging, or pointing
 *   elsewhere: `invalid-response` / `timeout` / `off-origin` / `server`: the scope fails. Not
 *   the user's fault, and never "empty".
 *
 * SDK types are imported as types only: client.ts is the one file that loads the SDKs.
 */
import type { PipelineRequest, PipelineResponse } from '@azure/core-rest-pipeline';
import {
  ApiError,
  UserError,
  endpointOf,
  errorMessage,
  isApiError,
  kindOfStatus,
  parseJsonBody,
  parsePayload,
  OriginPin,
} from '../../src/connector/index.js';
import { PROVIDER } from './options.js';
import { collectionPageSchema, openIdConfigurationSchema, tokenResponseSchema } from './schema.js';

export type AnswerCheck = (request: PipelineRequest, response: PipelineResponse) => void;

const source = (request: PipelineRequest) => ({
  provider: PROVIDER,
  operation: `${request.method} ${endpointOf(request.url)}`,
});

/** Graph, ARM and Key Vault answer JSON: an HTML page or garbage with a 200 is no answer. */
export const checkJsonAnswer: AnswerCheck = (request, response) => {
  // By its type, not by parsing: the caller parses once (the SDKs' deserializer, or JsonApi),
  // and garbage sent as JSON fails there.
  const type = response.headers.get('content-type') ?? '';
  if (response.bodyAsText && !/json/i.test(type))
    throw new ApiError({
      ...source(request),
      kind: 'invalid-response',
      code: 'InvalidResponse',
      detail: `expected JSON, got ${JSON.stringify(type.slice(0, 60) || 'no content type')}`,
    });
};

/** The authority must answer JSON, a token from the token endpoint, endpoints from discovery. */
export const checkAuthorityAnswer: AnswerCheck = (request, response) => {
  const from = source(request);
  const json = parseJsonBody(response.bodyAsText ?? '', from);
  const path = new URL(request.url).pathname;
  if (path.endsWith('/token')) parsePayload(tokenResponseSchema, json, from);
  else if (path.endsWith('/openid-configuration')) {
    // The token request (with the client secret) goes where this says: the authority only.
    const { token_endpoint } = parsePayload(openIdConfigurationSchema, json, from);
    new OriginPin(PROVIDER, [request.url]).check(token_endpoint, from.operation);
  } else if (json === null || typeof json !== 'object')
    throw new ApiError({
      ...from,
      kind: 'invalid-response',
      code: 'InvalidResponse',
      detail: 'the authority answered something that is not a JSON document',
    });
};

/**
 * An SDK paginator's onResponse: each page must be a collection (an SDK reads a page without
 * `value` as empty) and its next link must stay on a configured origin.
 */
export function pageCheck(operation: string, pin: OriginPin) {
  return (raw: { status: number; bodyAsText?: string | null; parsedBody?: unknown }): void => {
    if (raw.status < 200 || raw.status >= 300) return;
    const from = { provider: PROVIDER, operation };
    const body = raw.parsedBody ?? parseJsonBody(raw.bodyAsText ?? '', from);
    const page = parsePayload(collectionPageSchema, body, from);
    if (page.nextLink) pin.check(page.nextLink, operation);
  };
}

const TLS_CODES =
  /^(DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|CERT_\w+|ERR_TLS_CERT_ALTNAME_INVALID)$/;

/**
 * An HTTP error answer: Graph, ARM and Key Vault send `{ error: { code, message } }`, the
 * authority OAuth's `{ error, error_description }`.
 */
export function httpFailure(status: number, text: string, operation: string): ApiError {
  const body = (() => {
    try {
      return JSON.parse(text) as { error?: unknown; error_description?: unknown };
    } catch {
      return {};
    }
  })();
  const nested = (typeof body.error === 'object' ? body.error : null) as {
    code?: unknown;
    message?: unknown;
  } | null;
  const code = nested ? nested.code : body.error;
  const message = nested ? nested.message : body.error_description;
  return new ApiError({
    provider: PROVIDER,
    operation,
    kind: kindOfStatus(status),
    status,
    code: typeof code === 'string' ? code : null,
    detail: typeof message === 'string' ? message : `HTTP ${status}`,
  });
}

/** A request that got no usable answer: timed out, refused, reset, or untrusted TLS. */
export function transportFailure(
  e: unknown,
  operation: string,
  timedOut: boolean,
  timeoutMs: number,
): ApiError {
  if (timedOut)
    return new ApiError({
      provider: PROVIDER,
      operation,
      kind: 'timeout',
      code: 'Timeout',
      detail: `no answer within ${Math.round(timeoutMs / 100) / 10} s`,
    });
  const err = e as { code?: string; message?: string; cause?: { code?: string } };
  const code = err?.cause?.code ?? err?.code ?? 'NetworkError';
  if (TLS_CODES.test(code))
    return new ApiError({
      provider: PROVIDER,
      operation,
      kind: 'network',
      code,
      detail: `the server's TLS certificate is not trusted (${errorMessage(e)}); to trust a private CA or TLS-inspecting proxy, set the caFile option`,
    });
  if (code === 'PARSE_ERROR')
    return new ApiError({
      provider: PROVIDER,
      operation,
      kind: 'invalid-response',
      code: 'InvalidResponse',
      detail: `the answer could not be read: ${errorMessage(e)}`,
    });
  return new ApiError({
    provider: PROVIDER,
    operation,
    kind: 'network',
    code,
    detail: errorMessage(e),
  });
}

const IDENTITY_ERRORS = new Set([
  'AuthenticationError',
  'AggregateAuthenticationError',
  'CredentialUnavailableError',
  'AuthenticationRequiredError',
]);

interface IdentityErrorLike {
  name: string;
  message?: string;
  statusCode?: number;
  errorResponse?: { error?: string; errorDescription?: string };
  errors?: unknown[];
}

/** Where tokens come from, to tell a token failure's cause. */
export interface TokenSource {
  /** The credential's transport: what a token request last failed on, if anything. */
  transport: { lastFailure: ApiError | null } | undefined;
  authorityHost: string;
  /** A credential the user configured (env), as opposed to DefaultAzureCredential's search. */
  explicit: boolean;
}

/** Nothing in the chain could even try: no credential configured where this runs. */
function unavailable(e: IdentityErrorLike): boolean {
  if (e.name === 'CredentialUnavailableError') return true;
  return (
    e.name === 'AggregateAuthenticationError' &&
    (e.errors ?? []).every((x) => (x as { name?: string })?.name === 'CredentialUnavailableError')
  );
}

/**
 * A failed token request. The transport saw what really happened (a timeout, garbage, a foreign
 * redirect) even where MSAL wrapped it into a generic message: that comes first.
 */
export function authFailure(err: unknown, auth: TokenSource): ApiError | UserError {
  const seen = auth.transport?.lastFailure;
  if (seen) return seen;
  const e = err as IdentityErrorLike;
  let detail = errorMessage(e.message ?? String(err));
  if (/endpoints_resolution_error/.test(detail))
    detail = `the authority did not give the tenant's OpenID configuration (check the tenant id and authorityHost): ${detail}`;
  // Only the fallback chain can find nothing at all; a configured credential that fails is
  // that tenant's failure (other tenants go on).
  if (!auth.explicit && unavailable(e))
    return new UserError(
      `azure: no credentials: ${detail}`,
      'set AZURE_CLIENT_ID with AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH or AZURE_FEDERATED_TOKEN_FILE (and AZURE_TENANT_ID), sign in with `az login`, or run with a managed identity',
    );
  const status = e.statusCode ?? null;
  const aadsts = /AADSTS\d+/.exec(detail)?.[0];
  return new ApiError({
    provider: PROVIDER,
    operation: `token request to ${auth.authorityHost}`,
    // The authority refusing the credential is `auth`; its own trouble is not the user's.
    kind: status && (status >= 500 || status === 429) ? kindOfStatus(status) : 'auth',
    status,
    code: aadsts ?? e.errorResponse?.error ?? e.name,
    detail,
  });
}

/** Any error out of an Azure pipeline or SDK call. */
export function restFailure(err: unknown, operation: string, auth: TokenSource): unknown {
  if (isApiError(err) || (err as { isUserError?: boolean })?.isUserError) return err;
  const e = err as { name?: string; code?: string; statusCode?: number; failure?: unknown };
  // What the transport saw (a timeout, an untrusted certificate) rides on the SDK's error.
  if (isApiError(e?.failure)) return e.failure;
  if (e?.name && IDENTITY_ERRORS.has(e.name)) return authFailure(err, auth);
  if (e?.name === 'RestError' && e.statusCode)
    return new ApiError({
      provider: PROVIDER,
      operation,
      kind: kindOfStatus(e.statusCode),
      status: e.statusCode,
      code: e.code ?? null,
      detail: errorMessage(err),
    });
  return transportFailure(err, operation, false, 0);
}
