/**
 * A report read from a stored evaluation: the counts and lists a format prints first (head), and
 * the streams its rows come from, each a query returning only the rows asked for.
 */
import type { CatalogStore, EvaluationInfo, ExceptionUse, FindingQuery } from '../catalog/index.js';
import type { Finding, StoredGap } from '../model/index.js';
import {
  findingOrder,
  type NotEvaluatedRule,
  type ReportFormat,
  type ReportHead,
  type StreamSources,
} from '../report/index.js';

/** Which findings a report shows (the evaluation is given separately). */
export type FindingFilter = Omit<FindingQuery, 'evaluationId' | 'order' | 'limit'>;

export interface StoredReport {
  head: ReportHead;
  sources: StreamSources;
  exceptions: ExceptionUse[];
}

/** Keeps only the rows `keep` accepts, page by page. */
export async function* filterPages<T>(
  pages: AsyncIterable<readonly T[]>,
  keep: (t: T) => boolean,
): AsyncGenerator<T[]> {
  for await (const page of pages) {
    const kept = page.filter(keep);
    if (kept.length) yield kept;
  }
}

/** Reports not-evaluated checks per rule, with each distinct reason, as the table shows them. */
async function notEvaluated(store: CatalogStore, q: FindingQuery): Promise<NotEvaluatedRule[]> {
  if (q.outcome === 'fail') return [];
  const groups = await store.findingGroups({ ...q, outcome: 'not-evaluated' }, ['rule', 'message']);
  const byRule = new Map<string, { count: number; reasons: Set<string> }>();
  for (const g of groups) {
    const e = byRule.get(g.key.rule!) ?? { count: 0, reasons: new Set<string>() };
    e.count += g.notEvaluated;
    e.reasons.add(g.key.message!.replace(/^not evaluated: /, ''));
    byRule.set(g.key.rule!, e);
  }
  return [...byRule.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([ruleId, e]) => ({ ruleId, count: e.count, reasons: [...e.reasons].sort() }));
}

/**
 * The report of `filter` over an evaluation. `keep` filters rows in the process (a baseline
 * file): then counts come from a first pass over the same rows, so head and rows agree.
 */
export async function storedReport(
  store: CatalogStore,
  evaluation: EvaluationInfo,
  gaps: readonly StoredGap[],
  filter: FindingFilter,
  opts: {
    format: ReportFormat;
    maxRows?: number;
    keep?: (f: Finding) => boolean;
  },
): Promise<StoredReport> {
  const q: FindingQuery = { ...filter, evaluationId: evaluation.id };
  const keep = opts.keep;
  const counts = keep ? await countKept(store, q, keep) : await store.countFindings(q);
  const exceptions = await store.exceptions(evaluation.id);
  const expired = exceptions.filter((e) => e.expiredAt !== null);
  const { critical, high, medium, low, info } = counts.bySeverity;
  const head: ReportHead = {
    summary: {
      findings: critical + high + medium + low + info,
      bySeverity: { critical, high, medium, low },
      notEvaluated: counts.notEvaluated,
      suppressed: evaluation.summary.suppressed,
      expiredExceptions: expired.length,
      gaps: gaps.length,
    },
    gaps,
    notEvaluated: await notEvaluated(store, q),
    expiredExceptions: expired.map((e) => ({
      exception: e.exception,
      expiredAt: e.expiredAt!,
      findings: e.findings,
    })),
  };
  // Findings carry their subject's owner, team and purpose as stored with the evaluation.
  const rows = (query: FindingQuery) =>
    keep ? filterPages(store.findings(query), keep) : store.findings(query);
  const sources: StreamSources = {
    findings: () => rows({ ...q, order: findingOrder(opts.format) }),
    // Table and markdown show only the first rows: only those are read.
    failing: () =>
      rows({
        ...q,
        outcome: 'fail',
        ...(keep || opts.maxRows === undefined ? {} : { limit: opts.maxRows }),
      }),
    scores: () => store.scores(evaluation.id),
    suppressed: () => withExceptions(store.suppressed(evaluation.id), exceptions),
  };
  expired.forEach((e, i) => {
    sources[`expired:${i}`] = () => store.expiredMatches(evaluation.id, e.index);
  });
  return { head, sources, exceptions };
}

async function* withExceptions(
  pages: AsyncIterable<readonly { finding: Finding; exceptionIndex: number }[]>,
  exceptions: readonly ExceptionUse[],
) {
  const byIndex = new Map(exceptions.map((e) => [e.index, e.exception]));
  for await (const page of pages)
    yield page.map((s) => ({ finding: s.finding, exception: byIndex.get(s.exceptionIndex)! }));
}

async function countKept(store: CatalogStore, q: FindingQuery, keep: (f: Finding) => boolean) {
  const counts = {
    bySeverity: { critical: 0, high: 0, medium: 0, low: 0, info: 0 },
    notEvaluated: 0,
  };
  for await (const page of store.findings(q)) {
    for (const f of page) {
      if (!keep(f)) continue;
      if (f.outcome === 'fail') counts.bySeverity[f.severity] += 1;
      else counts.notEvaluated += 1;
    }
  }
  return counts;
}
