/**
 * Graph JSON batching (`POST /v1.0/$batch`, `/beta/$batch`) as Graph answers it: at most 20
 * requests with unique ids and URLs relative to the version root, each run through the same
 * Graph routes as a direct request (the batch's token authorizes them), one response per id
 * with its own status, headers and body, in an order of the server's choosing (here: reversed,
 * so clients must match by id). The stand-in's faults apply to each sub-request by its path,
 * so a test can throttle, deny or garble one object's read inside a batch.
 */
import { setTimeout as delay } from 'node:timers/promises';
import {
  faultResponse,
  type FaultSet,
  type Handler,
  type RequestRecord,
  type Route,
  type StandInRequest,
  type StandInResponse,
} from '../../../src/connector/stand-in.js';
import type {
  GraphBatchRequestBody,
  GraphBatchResponse,
  GraphBatchResponseBody,
} from '../batch.js';
import { HttpError } from './state.js';

export interface BatchDeps {
  /** The Graph API as a direct request reaches it (errors as Graph's error documents). */
  graph: Handler;
  faults: FaultSet;
  errorBody: (status: number, req: StandInRequest) => StandInResponse;
  /** Every sub-request served, as the request log records direct ones. */
  log: RequestRecord[];
}

const LIMIT = 20;

function invalid(message: string): HttpError {
  return new HttpError(400, 'BadRequest', message);
}

/** The batch body, checked as Graph checks it (400 for what it would refuse). */
function requestsOf(req: StandInRequest): GraphBatchRequestBody['requests'] {
  let body: unknown;
  try {
    body = req.json();
  } catch {
    throw invalid('Unable to read JSON request payload.');
  }
  const requests = (body as Partial<GraphBatchRequestBody> | null)?.requests;
  if (!Array.isArray(requests) || requests.length === 0)
    throw invalid('Invalid batch payload format.');
  if (requests.length > LIMIT)
    throw invalid(`Number of batch request steps exceeds the maximum of ${LIMIT}.`);
  const ids = new Set<string>();
  for (const r of requests as unknown[]) {
    const step = r as Partial<GraphBatchRequestBody['requests'][number]> | null;
    if (typeof step?.id !== 'string' || !step.id || typeof step.method !== 'string')
      throw invalid('Invalid batch payload format.');
    if (typeof step.url !== 'string' || /^[a-z][a-z0-9+.-]*:/i.test(step.url))
      throw invalid('Invalid request URL: a batch step takes a URL relative to the version.');
    if (ids.has(step.id)) throw invalid(`Duplicate request id: ${step.id}.`);
    ids.add(step.id);
  }
  return requests;
}

/** A batch step as a request of its own, carrying the batch's headers (its token). */
function stepRequest(
  batch: StandInRequest,
  version: string,
  step: GraphBatchRequestBody['requests'][number],
): StandInRequest {
  const url = new URL(`http://stand-in/${version}/${step.url.replace(/^\/+/, '')}`);
  let path = url.pathname;
  try {
    path = decodeURIComponent(path);
  } catch {
    // kept raw: the routes answer 400 to what they cannot route
  }
  const body = Buffer.from(step.body === undefined ? '' : JSON.stringify(step.body));
  return {
    method: step.method.toUpperCase(),
    path,
    query: url.searchParams,
    headers: { ...batch.headers, ...step.headers },
    body,
    origin: batch.origin,
    text: () => body.toString('utf8'),
    json: () => (body.length ? (JSON.parse(body.toString('utf8')) as unknown) : {}),
  };
}

/**
 * A step's answer inside the envelope: JSON bodies as JSON, bytes as base64 (as Graph sends a
 * body that is not JSON); with `links`, the stand-in's origin in the body pointed elsewhere.
 */
function asStep(
  id: string,
  answer: StandInResponse,
  links?: { from: string; to: string },
): GraphBatchResponse {
  const headers: Record<string, string> = { ...answer.headers };
  let body = Buffer.isBuffer(answer.body) ? answer.body.toString('base64') : answer.body;
  if (body !== undefined && typeof body !== 'string') {
    headers['Content-Type'] ??= 'application/json;odata.metadata=minimal;charset=utf-8';
    if (links) body = JSON.parse(JSON.stringify(body).split(links.from).join(links.to)) as unknown;
  }
  return { id, status: answer.status ?? 200, headers, body };
}

export function graphBatchRoute(deps: BatchDeps): Route {
  return {
    method: 'POST',
    path: /\/(?<version>v1\.0|beta)\/\$batch/,
    handle: async (req, { version }) => {
      const steps = requestsOf(req);
      const responses = await Promise.all(
        steps.map(async (step): Promise<GraphBatchResponse> => {
          const sub = stepRequest(req, version!, step);
          const record: RequestRecord = {
            method: sub.method,
            path: sub.path,
            query: sub.query.toString(),
            status: 0,
            authenticated: Boolean(sub.headers.authorization),
            startedAt: performance.now(),
            endedAt: 0,
          };
          deps.log.push(record);
          const fault = deps.faults.take(sub.method, sub.path, sub.text(), sub.headers);
          // A step that never finishes holds the whole batch: its timeout is the client's.
          if (fault?.hang) await new Promise(() => {});
          if (fault?.latencyMs) await delay(fault.latencyMs);
          const answer =
            (fault && faultResponse(fault, sub, deps.errorBody)) ?? (await deps.graph(sub));
          const links = fault?.foreignLinks
            ? { from: req.origin, to: new URL(fault.foreignLinks).origin }
            : undefined;
          const out = asStep(step.id, answer, links);
          record.status = out.status;
          record.endedAt = performance.now();
          return out;
        }),
      );
      return { body: { responses: responses.reverse() } satisfies GraphBatchResponseBody };
    },
  };
}
