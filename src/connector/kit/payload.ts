/**
 * Parsing provider payloads at the edge: a response that does not match the schema of the
 * document asked for is an `invalid-response` ApiError (the scope fails), never "empty".
 */
import type { z } from 'zod';
import { ApiError } from './errors.js';

export interface PayloadSource {
  provider: string;
  /** What was asked, e.g. 'iam.serviceAccounts.list'. */
  operation: string;
}

function where(path: readonly PropertyKey[]): string {
  return path.length
    ? path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')
    : '(document)';
}

/** Validates `data` against `schema`; the first problem, with its path, makes the message. */
export function parsePayload<S extends z.ZodType>(
  schema: S,
  data: unknown,
  source: PayloadSource,
): z.infer<S> {
  const parsed = schema.safeParse(data);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new ApiError({
    ...source,
    kind: 'invalid-response',
    code: 'InvalidResponse',
    detail: `unexpected response: ${where(issue.path)} ${issue.message}`,
  });
}

/** Parses a JSON body; anything that is not JSON (an HTML error page…) is an invalid response. */
export function parseJsonBody(text: string, source: PayloadSource): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    const start = text.trimStart().slice(0, 40);
    throw new ApiError({
      ...source,
      kind: 'invalid-response',
      code: 'InvalidResponse',
      detail: `response is not JSON (starts with ${JSON.stringify(start)})`,
    });
  }
}
