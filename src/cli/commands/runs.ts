import type { Command } from 'commander';
import { openStore, type RunSummary } from '../../catalog/index.js';
import { csvText } from '../../report/csv.js';
import { indented } from '../../report/json.js';
import { catalogPath } from '../catalog-path.js';
import { formatOf, globalsOf } from '../globals.js';
import { RUN_FIELDS } from '../json-fields.js';
import { limitOr } from '../limit.js';
import { colorEnabled, makeChalk, note, out, styled, table } from '../output.js';
import { stdoutSink } from '../sink.js';

/** Runs a terminal table shows unless --limit says otherwise; machine formats list every one. */
const TABLE_DEFAULT_LIMIT = 20;

/** CSV columns: the JSON fields, nested ones dotted (csv-stringify reads them as paths). */
const CSV_COLUMNS = RUN_FIELDS.flatMap((f) =>
  f === 'scopes'
    ? ['scopes.ok', 'scopes.failed', 'scopes.interrupted']
    : f === 'findings'
      ? ['findings.critical', 'findings.high', 'findings.medium', 'findings.low']
      : [f],
);

function runJson(r: RunSummary): Record<(typeof RUN_FIELDS)[number], unknown> {
  return {
    id: r.id,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    status: r.status,
    demo: r.demo,
    providers: r.providers,
    nhiVersion: r.nhiVersion,
    scopes: r.scopes,
    identities: r.identities,
    credentials: r.credentials,
    removed: r.removed,
    gaps: r.gaps,
    findings: r.findings
      ? {
          critical: r.findings.critical,
          high: r.findings.high,
          medium: r.findings.medium,
          low: r.findings.low,
        }
      : null,
    notEvaluated: r.notEvaluated,
  };
}

/**
 * Scan runs newest first: how each ended, what it covered and found. The ids are what
 * `diff --from/--to` take.
 */
export async function run(cmd: Command): Promise<number> {
  const g = globalsOf(cmd);
  const f = cmd.opts() as { limit?: string };
  const format = formatOf(g, ['table', 'json', 'csv']);
  const limit = limitOr(f.limit, format === 'table' ? TABLE_DEFAULT_LIMIT : undefined);
  const store = await openStore(catalogPath(g), { readonly: true });
  let runs: RunSummary[];
  try {
    // One more than shown: the table says when there are more.
    runs = await store.runs(limit === undefined ? {} : { limit: limit + 1 });
  } finally {
    await store.close();
  }
  const more = limit !== undefined && runs.length > limit;
  if (more) runs = runs.slice(0, limit);
  if (format === 'json') {
    const sink = stdoutSink();
    await sink.write(
      runs.length ? `[\n${runs.map((r) => indented(runJson(r), '  ')).join(',\n')}\n]\n` : '[]\n',
    );
    await sink.close();
    return 0;
  }
  if (format === 'csv') {
    const rows = runs.map((r) => ({ ...runJson(r), providers: r.providers.join(' ') }));
    const sink = stdoutSink();
    await sink.write(csvText(rows, CSV_COLUMNS));
    await sink.close();
    return 0;
  }
  if (!runs.length) {
    out('No scans in the catalog yet: run nhi scan (or nhi scan --demo).');
    return 0;
  }
  const color = colorEnabled(g);
  const c = makeChalk(color);
  const statusCell = (s: RunSummary['status']) =>
    styled(
      s === 'ok'
        ? c.green(s)
        : s === 'partial' || s === 'interrupted' || s === 'running'
          ? c.yellow(s)
          : c.red(s),
    );
  const rows = runs.map((r) => [
    r.id,
    r.startedAt.slice(0, 16).replace('T', ' '),
    took(r),
    statusCell(r.status),
    r.demo ? 'demo' : 'real',
    scopesCell(r.scopes),
    r.credentials,
    r.removed,
    r.findings
      ? `${r.findings.critical}/${r.findings.high}/${r.findings.medium}/${r.findings.low}`
      : 'not evaluated',
  ]);
  out(
    table(
      [
        'scan',
        'started (UTC)',
        'took',
        'status',
        'estate',
        'scopes',
        'credentials',
        'removed',
        'findings c/h/m/l',
      ],
      rows,
      color,
      { dropFirst: ['removed', 'took', 'estate'] },
    ),
  );
  if (more) note(g, `… older scans too: nhi runs --limit all`);
  note(g, 'Compare two scans: nhi diff --from <scan> --to <scan>');
  return 0;
}

function scopesCell(s: RunSummary['scopes']): string {
  const parts = [`${s.ok} ok`];
  if (s.failed) parts.push(`${s.failed} failed`);
  if (s.interrupted) parts.push(`${s.interrupted} interrupted`);
  return parts.join(', ');
}

function took(r: RunSummary): string {
  if (!r.finishedAt) return '-';
  const s = (Date.parse(r.finishedAt) - Date.parse(r.startedAt)) / 1000;
  return s < 60 ? `${s.toFixed(1)}s` : `${Math.round(s / 60)}m`;
}
