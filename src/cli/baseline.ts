/**
 * `check --baseline FILE`: findings a team accepted, kept under version control. Each entry may
 * say why (`reason`) and until when (`expires`, a date): an expired entry no longer accepts its
 * finding, and the gate says so. `--update-baseline` rewrites the file from today's findings,
 * keeping the reason and expiry of entries already there.
 */
import { existsSync } from 'node:fs';
import { z } from 'zod';
import { UserError } from '../connector/kit/errors.js';
import type { Finding } from '../model/index.js';
import {
  jsonArray,
  jsonDocument,
  jsonText,
  renderStreams,
  type Renderer,
} from '../report/index.js';
import { filterPages } from './findings-input.js';
import { fileSink } from './sink.js';
import { UserFileError, readUserFile } from './user-files.js';

const entry = z.object({
  fingerprint: z.string().min(1),
  ruleId: z.string().optional(),
  subject: z.string().optional(),
  reason: z.string().optional(),
  expires: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD')
    .refine((d) => !Number.isNaN(Date.parse(d)), 'a real date')
    .optional(),
});
const file = z.object({ version: z.literal(1), accepted: z.array(entry) });
export type BaselineEntry = z.infer<typeof entry>;

export interface Baseline {
  path: string;
  /** Entries in force, by fingerprint. */
  accepted: Map<string, BaselineEntry>;
  /** Entries whose `expires` date has passed (their findings count again). */
  expired: BaselineEntry[];
  /** Every entry, for --update-baseline to keep reasons and expiries. */
  all: Map<string, BaselineEntry>;
}

/** Reads and validates the file; an entry expires at the end of its `expires` day (UTC). */
export function readBaseline(path: string, now = new Date()): Baseline {
  let text: string;
  try {
    text = readUserFile(path, 'baseline');
  } catch (err) {
    if (err instanceof UserFileError && !existsSync(path))
      throw new UserError(`${path}: baseline file not found (create it with --update-baseline)`);
    throw err;
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new UserError(`${path}: baseline is not valid JSON (${(err as Error).message})`);
  }
  const parsed = file.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UserError(
      `${path}: not an nhi baseline: ${issue.path.join('.') || '(top)'}: ${issue.message} ` +
        `(expected {"version": 1, "accepted": [{"fingerprint", "reason"?, "expires"?: "YYYY-MM-DD"}]})`,
    );
  }
  const today = now.toISOString().slice(0, 10);
  const accepted = new Map<string, BaselineEntry>();
  const expired: BaselineEntry[] = [];
  const all = new Map<string, BaselineEntry>();
  for (const e of parsed.data.accepted) {
    all.set(e.fingerprint, e);
    if (e.expires !== undefined && e.expires < today) expired.push(e);
    else accepted.set(e.fingerprint, e);
  }
  return { path, accepted, expired, all };
}

/**
 * Writes the baseline: `findings` sorted by fingerprint, as they stream, each keeping the
 * reason and expiry its entry had in `previous`. Returns how many were written.
 */
export async function writeBaseline(
  path: string,
  findings: AsyncIterable<readonly Finding[]>,
  previous: Baseline | null,
): Promise<number> {
  const renderer = jsonDocument(jsonText({ version: 1, accepted: [] }, 2), [
    [
      'accepted',
      (pad) =>
        jsonArray<Finding>('findings', pad, (f) => {
          const old = previous?.all.get(f.fingerprint);
          return {
            fingerprint: f.fingerprint,
            ruleId: f.ruleId,
            subject: `${f.provider}/${f.scopeId}/${f.identityName}${f.credentialExternalId ? `/${f.credentialExternalId}` : ''}`,
            ...(old?.reason !== undefined ? { reason: old.reason } : {}),
            ...(old?.expires !== undefined ? { expires: old.expires } : {}),
          };
        }),
    ],
  ]);
  const sink = fileSink(path, 'baseline');
  let written = 0;
  await renderStreams(
    (function* (): Renderer {
      yield* renderer;
      yield '\n';
    })(),
    {
      findings: () =>
        filterPages(findings, () => {
          written += 1;
          return true;
        }),
    },
    (c) => sink.write(c),
  );
  await sink.close();
  return written;
}
