import { ownerQuery } from '../ownership.js';
import type { Command } from 'commander';
import { UserError } from '../../connector/kit/errors.js';
import type { FindingGroupKey } from '../../catalog/index.js';
import { SEVERITIES, type Severity } from '../../model/index.js';
import {
  REPORT_FORMATS,
  csvText,
  jsonText,
  renderStreams,
  reportRenderer,
  type ReportFormat,
  type Renderer,
  type StreamSources,
} from '../../report/index.js';
import { openView, type View } from '../evaluate.js';
import { storedReport } from '../findings-input.js';
import { formatOf, globalsOf, type Globals } from '../globals.js';
import { colorEnabled, line, note, out, table } from '../output.js';
import { fileSink, stdoutSink } from '../sink.js';
import { parseLimit } from '../limit.js';
import { checkScopes, findingFilterOf, type FindingFlags } from '../finding-flags.js';
import { VERSION } from '../../version.js';
import { atLeast } from '../severity.js';

interface ReportFlags extends FindingFlags {
  minSeverity?: string;
  ai?: boolean;
  output?: string;
  limit?: string;
  groupBy?: string;
  owner?: string;
  team?: string;
  htmlFindings?: string;
}

export function severityAtLeast(
  min: string | undefined,
  flag = '--min-severity',
): (s: Severity) => boolean {
  return min === undefined ? () => true : atLeast(flag, min);
}

/** The rank a severity flag keeps findings at or above (critical 4 … info 0). */
export function minRankOf(min: string | undefined, flag = '--min-severity'): number | undefined {
  if (min === undefined) return undefined;
  severityAtLeast(min, flag); // rejects an unknown word
  return SEVERITIES.length - 1 - SEVERITIES.indexOf(min as Severity);
}

const GROUP_KEYS: readonly FindingGroupKey[] = ['provider', 'scope', 'rule', 'severity'];

function parseGroupBy(value: string): FindingGroupKey[] {
  const keys = value.split(',').map((s) => s.trim().toLowerCase());
  for (const k of keys) {
    if (!(GROUP_KEYS as readonly string[]).includes(k))
      throw new UserError(`--group-by ${k}: use one or more of ${GROUP_KEYS.join(', ')}`);
  }
  return keys as FindingGroupKey[];
}

/** Writes a renderer's output: to the file named by -o, else stdout. */
export async function writeReport(
  g: Globals,
  renderer: Renderer,
  sources: StreamSources,
  format: string,
  output: string | undefined,
): Promise<void> {
  if (!output && format === 'table') {
    // A table is read by a person: it is short (its rows are capped) and printed at once.
    const chunks: string[] = [];
    await renderStreams(renderer, sources, (c) => void chunks.push(c));
    out(chunks.join(''));
    return;
  }
  const sink = output ? fileSink(output, `${format} report`) : stdoutSink();
  await renderStreams(renderer, sources, (c) => sink.write(c));
  await sink.close();
}

export async function run(cmd: Command): Promise<number> {
  const g = globalsOf(cmd);
  const f = cmd.opts() as ReportFlags;
  const format = formatOf(g, [...REPORT_FORMATS, 'html']) as ReportFormat | 'html';
  const minRank = minRankOf(f.minSeverity);
  const selected = await findingFilterOf(f);
  // Only a table on the terminal pages; files, markdown and machine formats hold every row.
  const limit = parseLimit(f.limit) ?? (f.limit === undefined ? undefined : Infinity);
  const groupBy = f.groupBy ? parseGroupBy(f.groupBy) : undefined;
  if (f.htmlFindings !== undefined && format !== 'html')
    throw new UserError('--html-findings sizes the HTML report: add --format html');
  // The HTML findings table's rows (0 or all: every one); undefined: the report's default.
  const htmlFindings =
    f.htmlFindings === undefined ? undefined : parseLimit(f.htmlFindings, '--html-findings');
  const view = await openView(g);
  try {
    if (selected.scopes) await checkScopes(view.store, selected.scopes);
    const filter = {
      ...(minRank !== undefined ? { minRank } : {}),
      ...selected,
      ...(f.ai ? { ai: true } : {}),
      ...ownerQuery(f),
    };
    if (groupBy) return await groups(g, view, filter, groupBy, format, f.output);
    if (format === 'html') {
      // One self-contained page: KPIs, trend, charts, every finding (src/report/html).
      const { htmlReport } = await import('../html-report.js');
      const html = await htmlReport(g, view, filter, { findings: htmlFindings });
      await writeReport(g, html.renderer, html.sources, format, f.output);
      if (f.output) note(g, `wrote html report to ${f.output}`);
      return 0;
    }
    const gaps = await view.store.gapsInForce(view.run.id);
    const maxRows = rowsShown(format, f.output, limit);
    const report = await storedReport(view.store, view.evaluation, gaps, filter, {
      format,
      ...(maxRows !== undefined && maxRows !== Infinity ? { maxRows } : {}),
    });
    if (limit !== undefined && limit !== Infinity && format !== 'table' && format !== 'markdown') {
      // Machine formats: --limit keeps the first rows (the summary still counts them all).
      const all = report.sources.findings!;
      report.sources.findings = () => take(all(), limit);
    }
    const renderer = reportRenderer(format, report.head, {
      color: !f.output && colorEnabled(g),
      toolVersion: VERSION,
      ...(maxRows !== undefined ? { maxRows } : {}),
    });
    await writeReport(g, renderer, report.sources, format, f.output);
    if (f.output) note(g, `wrote ${format} report to ${f.output}`);
    for (const x of report.exceptions) {
      if (x.expiredAt === null) continue;
      note(
        g,
        line`warning: exception for ${x.exception.rule ?? '*'} ${x.exception.id ?? ''} expired ${x.expiredAt}: its findings are reported again`,
      );
    }
    return 0;
  } finally {
    await view.store.close();
  }
}

/**
 * Finding rows a table or markdown report shows: `--limit` when given; else a table on the
 * terminal pages (the renderer's default) and anything else — a file, markdown — holds all.
 */
export function rowsShown(
  format: string,
  output: string | undefined,
  limit: number | undefined,
): number | undefined {
  if (limit !== undefined) return limit;
  return format === 'table' && !output ? undefined : Infinity;
}

async function* take<T>(pages: AsyncIterable<readonly T[]>, n: number): AsyncGenerator<T[]> {
  let left = n;
  for await (const page of pages) {
    if (left <= 0) return;
    const kept = page.slice(0, left);
    left -= kept.length;
    yield kept;
  }
}

/** `--group-by`: finding counts per provider, scope, rule or severity (one indexed query). */
async function groups(
  g: Globals,
  view: View,
  filter: object,
  by: FindingGroupKey[],
  format: string,
  output: string | undefined,
): Promise<number> {
  const rows = await view.store.findingGroups({ ...filter, evaluationId: view.evaluation.id }, by);
  const records = rows.map((r) => ({
    ...r.key,
    failing: r.fail,
    notEvaluated: r.notEvaluated,
    points: r.points,
    subjects: r.subjects,
  }));
  const columns = [...by, 'failing', 'notEvaluated', 'points', 'subjects'];
  let text: string;
  if (format === 'json') text = `${jsonText(records, 2)}\n`;
  else if (format === 'csv') text = csvText(records, columns);
  else if (format === 'table')
    text = table(
      [...by, 'failing', 'not evaluated', 'points', 'subjects'],
      records.map((r) => columns.map((c) => (r as Record<string, string | number>)[c])),
      colorEnabled(g),
    );
  else throw new UserError(`--group-by writes table, json or csv (not ${format})`);
  const sink = output ? fileSink(output, `${format} report`) : null;
  if (sink) {
    await sink.write(text);
    await sink.close();
  } else if (format === 'table') out(text);
  else {
    const s = stdoutSink();
    await s.write(text);
    await s.close();
  }
  return 0;
}
