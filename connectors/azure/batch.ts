/**
 * Microsoft Graph JSON batching (`POST /{version}/$batch`, https://learn.microsoft.com/graph/json-batching):
 * the envelope, its check, and the queue that gathers sub-requests made together into batches
 * of at most 20. SDK-free (client.ts wires it to the pipeline: one sub-request is one
 * PipelineRequest through the same retry policy as a direct request, and the batch POST goes
 * through the pinned transport with its timeout like every other Graph request).
 */
import { z } from 'zod';
import { ApiError, parsePayload } from '../../src/connector/index.js';
import { PROVIDER } from './options.js';

/** Graph's limit of requests per batch. */
export const GRAPH_BATCH_LIMIT = 20;

/**
 * The envelope as documented (@microsoft/microsoft-graph-types has no type for it): requests
 * with an id unique in the batch and a URL relative to the version root; one response per id,
 * in any order, each with the status, headers and body a direct request would have had.
 */
export interface GraphBatchRequestBody {
  requests: Array<{
    id: string;
    method: string;
    url: string;
    headers?: Record<string, string>;
    body?: unknown;
    dependsOn?: string[];
  }>;
}
export interface GraphBatchResponse {
  id: string;
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}
export interface GraphBatchResponseBody {
  responses: GraphBatchResponse[];
}

const batchResponseSchema = z.object({
  responses: z.array(
    z.object({
      id: z.string(),
      status: z.number().int().min(100).max(599),
      headers: z.record(z.string(), z.string()).nullish(),
      body: z.unknown(),
    } satisfies Record<keyof GraphBatchResponse, z.ZodType>),
  ),
} satisfies Record<keyof GraphBatchResponseBody, z.ZodType>);

/**
 * The sub-responses of a batch by request id. The envelope must answer every id sent exactly
 * once and nothing else: a batch that does not is not the document asked for, and every
 * sub-request in it fails (the scope with it), never reads as empty.
 */
export function readBatchAnswer(
  sentIds: readonly string[],
  json: unknown,
  operation: string,
): Map<string, GraphBatchResponse> {
  const { responses } = parsePayload(batchResponseSchema, json, { provider: PROVIDER, operation });
  const wrong = (detail: string) =>
    new ApiError({
      provider: PROVIDER,
      operation,
      kind: 'invalid-response',
      code: 'InvalidResponse',
      detail,
    });
  const sent = new Set(sentIds);
  const byId = new Map<string, GraphBatchResponse>();
  for (const r of responses) {
    if (!sent.has(r.id))
      throw wrong(`the batch answered request id ${JSON.stringify(r.id)}, which was not sent`);
    if (byId.has(r.id)) throw wrong(`the batch answered request id ${JSON.stringify(r.id)} twice`);
    byId.set(r.id, { id: r.id, status: r.status, headers: r.headers ?? {}, body: r.body });
  }
  const missing = sentIds.filter((id) => !byId.has(id));
  if (missing.length)
    throw wrong(`the batch left ${missing.length} of ${sentIds.length} requests unanswered`);
  return byId;
}

interface Waiting<Req, Res> {
  item: Req;
  resolve(res: Res): void;
  reject(err: unknown): void;
}

/**
 * Gathers items added in one turn of the event loop (or until `size` are waiting) and sends
 * them together; each caller gets its own item's answer, or the batch's error. A retried
 * sub-request comes back alone later and joins whatever is waiting then.
 */
export class BatchQueue<Req, Res> {
  private waiting: Waiting<Req, Res>[] = [];
  private scheduled: NodeJS.Immediate | null = null;

  constructor(
    private readonly size: number,
    /** Sends one batch; answers in the order of `items`. */
    private readonly send: (items: Req[]) => Promise<Res[]>,
  ) {}

  add(item: Req): Promise<Res> {
    return new Promise<Res>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (this.waiting.length >= this.size) this.flush();
      else this.scheduled ??= setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = null;
    while (this.waiting.length) {
      const batch = this.waiting.splice(0, this.size);
      this.send(batch.map((w) => w.item)).then(
        (answers) => batch.forEach((w, i) => w.resolve(answers[i]!)),
        (err: unknown) => batch.forEach((w) => w.reject(err)),
      );
    }
  }
}
