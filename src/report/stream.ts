/**
 * Streamed rendering. A renderer is a generator: it yields text to write, or asks for the next
 * page of a named stream (findings, scores…) and is handed the page, or null at the stream's end.
 * The same renderer then serves both callers:
 *   - `renderInput`: an in-memory `ReportInput` (tests, small inputs) into one string;
 *   - `renderStreams`: pages read from the catalog, each chunk written as soon as it is made,
 *     so a report of a million findings never holds more than a page in memory.
 */
import type { Finding, StoredGap } from '../model/index.js';
import type { PolicyException } from '../scoring/policy.js';
import { compareFindings } from '../scoring/engine.js';
import { logicalName, notEvaluatedByRule, summarize, type Summary } from './common.js';
import { cmp } from '../scoring/compare.js';
import type { ReportInput } from './types.js';

/** A score as renderers read it (the engine's and the catalog's both fit). */
export interface ScoreRow {
  subjectId: string;
  subjectKind: string;
  score: number;
  band: string;
  contributions: readonly unknown[];
}

export interface SuppressedRow {
  finding: Finding;
  exception: PolicyException;
}

/**
 * The streams a report reads, each at most once, in the order its format writes them:
 * `findings` in the format's order (canonical; SARIF: rule, logical name, fingerprint),
 * `failing` the failing findings in canonical order (table and markdown; at most their row cap
 * is read), `scores`, `suppressed`, and `expired:<i>` the fingerprints expired exception i still
 * matches. Other documents (diff, baselines) name their own streams.
 */
export type StreamName = string;

export interface NotEvaluatedRule {
  ruleId: string;
  count: number;
  reasons: string[];
}

/** What a report knows before its rows stream: counts, gaps, exceptions. */
export interface ReportHead {
  summary: Summary;
  gaps: readonly StoredGap[];
  notEvaluated: readonly NotEvaluatedRule[];
  expiredExceptions: readonly { exception: PolicyException; expiredAt: string; findings: number }[];
  /** ISO time to print; omitted to keep output byte-identical between runs. */
  generatedAt?: string;
}

export interface Pull {
  pull: StreamName;
}

export type Renderer = Generator<string | Pull, void, readonly unknown[] | null>;

/** Runs `each` over every page of a stream. */
export function* eachPage<T>(
  name: StreamName,
  each: (page: readonly T[]) => Iterable<string | Pull>,
): Generator<string | Pull, void, readonly unknown[] | null> {
  for (;;) {
    const page = (yield { pull: name }) as readonly T[] | null;
    if (!page) return;
    yield* each(page);
  }
}

/** The head of an in-memory input. */
export function headOf(input: ReportInput): ReportHead {
  return {
    summary: summarize(input),
    gaps: input.gaps ?? [],
    notEvaluated: notEvaluatedByRule(input.findings),
    expiredExceptions: (input.expiredExceptions ?? []).map((e) => ({
      exception: e.exception,
      expiredAt: e.expiredAt,
      findings: e.findings.length,
    })),
    ...(input.generatedAt ? { generatedAt: input.generatedAt } : {}),
  };
}

/** SARIF's result order: by rule, then logical name, then fingerprint. */
export function compareSarif(a: Finding, b: Finding): number {
  return (
    cmp(a.ruleId, b.ruleId) ||
    cmp(logicalName(a), logicalName(b)) ||
    cmp(a.fingerprint, b.fingerprint)
  );
}

/** Renders an in-memory input to one string; `order` is the format's finding order. */
export function renderInput(
  renderer: (head: ReportHead) => Renderer,
  input: ReportInput,
  order: 'canonical' | 'sarif' = 'canonical',
): string {
  const findings = [...input.findings].sort(order === 'sarif' ? compareSarif : compareFindings);
  const streams = new Map<string, readonly unknown[]>([
    ['findings', findings],
    ['failing', order === 'sarif' ? [] : findings.filter((f) => f.outcome === 'fail')],
    ['scores', input.scores ?? []],
    ['suppressed', input.suppressed ?? []],
  ]);
  (input.expiredExceptions ?? []).forEach((e, i) =>
    streams.set(
      `expired:${i}`,
      e.findings.map((f) => f.fingerprint),
    ),
  );
  const out: string[] = [];
  const read = new Set<string>();
  const r = renderer(headOf(input));
  for (let step = r.next(); !step.done;) {
    const v = step.value;
    if (typeof v === 'string') {
      out.push(v);
      step = r.next();
    } else if (read.has(v.pull)) {
      step = r.next(null);
    } else {
      read.add(v.pull);
      step = r.next(streams.get(v.pull) ?? []);
    }
  }
  return out.join('');
}

export type StreamSources = Partial<Record<StreamName, () => AsyncIterable<readonly unknown[]>>>;

/**
 * Renders from streams, writing each chunk as it is made (`write` may wait, for backpressure).
 * A stream is opened when the renderer first asks for it and closed when it stops asking.
 */
export async function renderStreams(
  renderer: Renderer,
  sources: StreamSources,
  write: (chunk: string) => void | Promise<void>,
): Promise<void> {
  const open = new Map<string, AsyncIterator<readonly unknown[]>>();
  const ended = new Set<string>();
  try {
    for (let step = renderer.next(); !step.done;) {
      const v = step.value;
      if (typeof v === 'string') {
        await write(v);
        step = renderer.next();
        continue;
      }
      let it = open.get(v.pull);
      if (!it && !ended.has(v.pull)) {
        const source = sources[v.pull];
        if (source) open.set(v.pull, (it = source()[Symbol.asyncIterator]()));
      }
      const next = it ? await it.next() : { done: true as const, value: undefined };
      if (next.done) {
        open.delete(v.pull);
        ended.add(v.pull);
        step = renderer.next(null);
      } else {
        step = renderer.next(next.value);
      }
    }
  } finally {
    // A renderer that stopped reading early (a row cap) closes what it left open.
    for (const it of open.values()) await it.return?.();
  }
}
