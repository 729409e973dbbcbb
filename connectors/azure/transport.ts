/**
 * The transport under every Azure SDK client (type-only SDK imports: client.ts creates the
 * base HTTP client): requests pinned to their origin, a timeout per request, answers checked,
 * and one connection pool trusting the configured CA besides the public roots.
 */
import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { createSecureContext, rootCertificates, type SecureContext } from 'node:tls';
import type { HttpClient, PipelineRequest, PipelineResponse } from '@azure/core-rest-pipeline';
import {
  UserError,
  endpointOf,
  isApiError,
  type ApiError,
  type OriginPin,
} from '../../src/connector/index.js';
import { checkJsonAnswer, httpFailure, transportFailure, type AnswerCheck } from './errors.js';
import type { AzureSettings } from './options.js';

/**
 * The transport under every SDK: refuses other origins before anything is sent (redirect hops
 * and next links included, so the bearer token never leaves), times each request out (body
 * included), checks what a 2xx answer is, and remembers the last failure so a token error that
 * MSAL wrapped beyond recognition can still be told apart (timeout, garbage, foreign link).
 */
export class PinnedHttpClient implements HttpClient {
  lastFailure: ApiError | null = null;

  constructor(
    /** core-rest-pipeline's own client, which does the sending. */
    private readonly base: HttpClient,
    private readonly pin: OriginPin,
    private readonly timeoutMs: number,
    private readonly agent: Agent,
    private readonly onRequest: () => void = () => {},
    private readonly check: AnswerCheck = checkJsonAnswer,
  ) {}

  private failed<E>(e: ApiError, thrown: E = e as E): E {
    this.lastFailure = e;
    return thrown;
  }

  async sendRequest(request: PipelineRequest): Promise<PipelineResponse> {
    const operation = `${request.method} ${endpointOf(request.url)}`;
    try {
      this.pin.check(request.url, operation);
    } catch (e) {
      throw this.failed(e as ApiError);
    }
    this.onRequest();
    if (request.url.startsWith('https:')) request.agent ??= this.agent;
    const outer = request.abortSignal;
    const timer = AbortSignal.timeout(this.timeoutMs);
    const either = new AbortController();
    const abort = () => either.abort();
    if (outer?.aborted) abort();
    outer?.addEventListener('abort', abort);
    timer.addEventListener('abort', abort);
    request.abortSignal = either.signal;
    try {
      const response = await this.base.sendRequest(request);
      const location = response.headers.get('location');
      // A redirect elsewhere fails here, by name, rather than as an unexpected 3xx later.
      if (response.status >= 300 && response.status < 400 && location)
        this.pin.check(new URL(location, request.url), operation);
      if (response.status >= 200 && response.status < 300) this.check(request, response);
      // A server still failing after the retries is what a token error then comes from.
      this.lastFailure =
        response.status >= 500 || response.status === 429
          ? httpFailure(response.status, response.bodyAsText ?? '', operation)
          : null;
      return response;
    } catch (e) {
      if (outer?.aborted) throw e; // the scan's own abort (Ctrl-C) passes through as itself
      if (isApiError(e)) throw this.failed(e);
      const failure = transportFailure(e, operation, timer.aborted, this.timeoutMs);
      // ETIMEDOUT is what core-rest-pipeline's retry policy retries, like a reset connection;
      // the one-line ApiError rides along for whoever maps the error at the end.
      const thrown = timer.aborted
        ? Object.assign(new Error(failure.message), { name: 'RestError', code: 'ETIMEDOUT' })
        : e;
      throw this.failed(
        failure,
        thrown instanceof Error ? Object.assign(thrown, { failure }) : thrown,
      );
    } finally {
      outer?.removeEventListener('abort', abort);
      timer.removeEventListener('abort', abort);
      request.abortSignal = outer;
    }
  }
}

const agents = new Map<string, Agent>();
/**
 * One keep-alive https agent per CA setting, shared by every client. The extra CA (`caFile`) is
 * added to, not replacing, Node's public roots, as a secure context built once: passed as
 * `ca` instead, Node would re-key its socket pool and re-parse ~140 root certificates on every
 * request (most of a scan's CPU, measured).
 */
export function httpsAgent(settings: AzureSettings): Agent {
  const key = settings.caFile ?? '';
  let agent = agents.get(key);
  if (!agent) {
    let secureContext: SecureContext | undefined;
    if (settings.caFile) {
      let pem: string;
      try {
        pem = readFileSync(settings.caFile, 'utf8');
      } catch (err) {
        throw new UserError(
          `azure option caFile: cannot read ${settings.caFile} (${(err as Error).message})`,
        );
      }
      secureContext = createSecureContext({ ca: [...rootCertificates, pem] });
    }
    agent = new Agent({ keepAlive: true, ...(secureContext ? { secureContext } : {}) });
    agents.set(key, agent);
  }
  return agent;
}
