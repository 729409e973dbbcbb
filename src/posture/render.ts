/**
 * `nhi posture` output: the same three tables in the terminal and in markdown (KPIs of the
 * latest run per provider, the KPIs per scope, the trend over runs), and one JSON document.
 * Scope names are provider strings: the terminal table neutralises every cell, markdown
 * escapes them (markdown.ts `text`), JSON is exact.
 */
import { jsonText } from '../report/json.js';
import { text as mdText } from '../report/markdown.js';
import { KPIS, trendOf, type Kpi } from './kpis.js';
import { overall, type PostureFigures, type PostureGroup, type PostureReport } from './types.js';

export const POSTURE_SCHEMA_VERSION = 1;

export interface Matrix {
  title: string;
  head: string[];
  rows: string[][];
}

/** KPIs shown per scope (the scope table stays readable on a terminal). */
const SCOPE_KPIS = [
  'credentials',
  'notEvaluated',
  'rotation',
  'p90Age',
  'admin',
  'owner',
  'criticalHigh',
];

const groupName = (g: PostureGroup) =>
  g.level === 'overall'
    ? 'all'
    : g.level === 'provider'
      ? g.provider!
      : `${g.provider}/${g.scopeName || g.scopeId}`;

const cellOf = (k: Kpi, f: PostureFigures) =>
  k.detail && k.value(f) !== null ? `${k.show(f)} (${k.detail(f)})` : k.show(f);

export function postureMatrices(report: PostureReport): Matrix[] {
  const latest = report.points.at(-1);
  if (!latest) return [];
  const top = latest.groups.filter((g) => g.level !== 'scope');
  const scopes = latest.groups.filter((g) => g.level === 'scope');
  const out: Matrix[] = [
    {
      title: `Posture at scan #${latest.runId} (${latest.at})`,
      head: ['KPI', ...top.map(groupName)],
      rows: KPIS.map((k) => [k.label, ...top.map((g) => cellOf(k, g.figures))]),
    },
  ];
  // AI-reaching subjects: the same KPIs over the evaluation's `ai` marker (shown once any
  // subject reaches an AI service, at this scan or the first of the trend).
  const first = report.points[0]!;
  if (
    overall(latest, 'ai').identities + overall(latest, 'ai').credentials > 0 ||
    overall(first, 'ai').identities + overall(first, 'ai').credentials > 0
  ) {
    const trend = report.points.length > 1;
    out.push({
      title: `AI-reaching subjects at scan #${latest.runId}`,
      head: [
        'KPI',
        ...top.map(groupName),
        ...(trend ? [`change since #${first.runId} (all)`] : []),
      ],
      rows: KPIS.map((k) => [
        k.label,
        ...top.map((g) => cellOf(k, g.ai)),
        ...(trend ? [trendOf(k, overall(first, 'ai'), overall(latest, 'ai')).text] : []),
      ]),
    });
  }
  if (scopes.length > 0) {
    const kpis = SCOPE_KPIS.map((key) => KPIS.find((k) => k.key === key)!);
    out.push({
      title: 'Per scope',
      head: ['scope', ...kpis.map((k) => k.label)],
      rows: scopes.map((g) => [groupName(g), ...kpis.map((k) => k.show(g.figures))]),
    });
  }
  if (report.points.length > 1) {
    const first = overall(report.points[0]!);
    const last = overall(latest);
    out.push({
      title: `Trend over ${report.points.length} scans (overall)`,
      head: ['KPI', ...report.points.map((p) => `#${p.runId} ${p.at.slice(0, 10)}`), 'change'],
      rows: KPIS.map((k) => [
        k.label,
        ...report.points.map((p) => k.show(overall(p))),
        trendOf(k, first, last).text,
      ]),
    });
  }
  return out;
}

export function postureMarkdown(report: PostureReport): string {
  const lines = ['# nhi posture', ''];
  if (report.points.length === 0) return `${lines.join('\n')}No scan yet.\n`;
  for (const m of postureMatrices(report)) {
    lines.push(`## ${mdText(m.title, false)}`, '');
    lines.push(`| ${m.head.map((h) => mdText(h)).join(' | ')} |`);
    lines.push(`| --- |${' ---: |'.repeat(m.head.length - 1)}`);
    for (const r of m.rows) lines.push(`| ${r.map((c) => mdText(c)).join(' | ')} |`);
    lines.push('');
  }
  lines.push('Definitions of every KPI: the README, "Posture KPIs".', '');
  return lines.join('\n');
}

export function postureJson(report: PostureReport): string {
  return `${jsonText({ schemaVersion: POSTURE_SCHEMA_VERSION, ...report }, 2)}\n`;
}
