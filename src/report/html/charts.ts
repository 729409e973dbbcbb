/**
 * Charts as static SVG, made when the report is written: Vega-Lite specs compiled by vega-lite
 * and rendered by vega's headless view (`renderer: 'none'`, `toSVG()`), so the report needs no
 * script to show them and works from disk, in a mail client and on paper. vega and vega-lite
 * are imported here only, on first use: no other command pays for loading them.
 *
 * vega escapes the text and attributes it writes; provider strings are neutralised (`tty`)
 * before they become data all the same, so a chart label cannot carry a control or bidi
 * character. Each chart comes with a caption, a text alternative and its data as a table.
 */
import type { Config, TopLevelSpec } from 'vega-lite';
import { tty } from '../terminal.js';
import { SEVERITY_COLORS } from './style.js';

export interface ChartTable {
  head: string[];
  rows: (string | number)[][];
}

export interface Chart {
  id: string;
  title: string;
  /** Text alternative: what the chart shows, in a sentence. */
  description: string;
  svg: string;
  table: ChartTable;
}

export interface SeverityPoint {
  run: string;
  severity: 'critical' | 'high' | 'medium' | 'low';
  count: number;
}
export interface AgeBucketRow {
  provider: string;
  bucket: string;
  count: number;
}
export interface ScopeShare {
  scope: string;
  compliant: number;
  judged: number;
}
export interface RiskyIdentity {
  name: string;
  provider: string;
  score: number;
  band: string;
}

/** The data of every chart; an empty list leaves its chart out. */
export interface ChartData {
  severityTrend: SeverityPoint[];
  ageDistribution: AgeBucketRow[];
  /** Buckets in display order. */
  ageBuckets: string[];
  rotationByScope: ScopeShare[];
  topIdentities: RiskyIdentity[];
}

const SEVERITY_ORDER = ['critical', 'high', 'medium', 'low'] as const;

const CONFIG: Config = {
  background: 'transparent',
  font: 'system-ui, -apple-system, Segoe UI, Roboto, Arial, sans-serif',
  view: { stroke: null },
  axis: {
    labelColor: 'currentColor',
    titleColor: 'currentColor',
    domainColor: 'currentColor',
    tickColor: 'currentColor',
    gridColor: '#8884',
    labelFontSize: 11,
    titleFontSize: 12,
    labelLimit: 220,
  },
  legend: { labelColor: 'currentColor', titleColor: 'currentColor', labelFontSize: 11 },
  title: { color: 'currentColor' },
  range: {
    category: ['#1e88e5', '#ef6c00', '#43a047', '#8e24aa', '#00897b', '#d81b60', '#6d4c41'],
  },
};

const SEVERITY_SCALE = {
  domain: [...SEVERITY_ORDER],
  range: SEVERITY_ORDER.map((s) => SEVERITY_COLORS[s]),
};

const BAND_SCALE = {
  domain: ['critical', 'high', 'medium', 'low'],
  range: ['critical', 'high', 'medium', 'low'].map(
    (s) => SEVERITY_COLORS[s as keyof typeof SEVERITY_COLORS],
  ),
};

function severityTrend(points: SeverityPoint[]): Chart | null {
  if (points.length === 0) return null;
  const runs = [...new Set(points.map((p) => p.run))];
  return {
    id: 'chart-severity',
    title: 'Findings by severity over time',
    description: `Stacked bars of reported findings per run, by severity, for ${runs.length} run${runs.length === 1 ? '' : 's'} from ${runs[0]} to ${runs.at(-1)}.`,
    svg: '',
    table: {
      head: ['run', ...SEVERITY_ORDER],
      rows: runs.map((r) => [
        r,
        ...SEVERITY_ORDER.map(
          (s) => points.find((p) => p.run === r && p.severity === s)?.count ?? 0,
        ),
      ]),
    },
    spec: {
      width: 420,
      height: 220,
      data: { values: points },
      mark: { type: 'bar' },
      encoding: {
        x: { field: 'run', type: 'ordinal', sort: runs, title: 'run', axis: { labelAngle: 0 } },
        y: { field: 'count', type: 'quantitative', title: 'findings', stack: 'zero' },
        color: { field: 'severity', type: 'nominal', scale: SEVERITY_SCALE, title: 'severity' },
        order: { field: 'rank', type: 'quantitative' },
        tooltip: [{ field: 'run' }, { field: 'severity' }, { field: 'count' }],
      },
    },
  } as Chart & { spec: TopLevelSpec };
}

function ageDistribution(rows: AgeBucketRow[], buckets: string[]): Chart | null {
  if (rows.length === 0) return null;
  const providers = [...new Set(rows.map((r) => r.provider))].sort();
  return {
    id: 'chart-age',
    title: 'Credential age distribution per provider',
    description: `Grouped bars of present credentials by age since creation (${buckets.join(', ')}), one bar per provider: ${providers.join(', ')}.`,
    svg: '',
    table: {
      head: ['age', ...providers],
      rows: buckets.map((b) => [
        b,
        ...providers.map((p) => rows.find((r) => r.provider === p && r.bucket === b)?.count ?? 0),
      ]),
    },
    spec: {
      width: 420,
      height: 220,
      data: { values: rows },
      mark: { type: 'bar' },
      encoding: {
        x: {
          field: 'bucket',
          type: 'ordinal',
          sort: buckets,
          title: 'age',
          axis: { labelAngle: 0 },
        },
        xOffset: { field: 'provider', type: 'nominal', sort: providers },
        y: { field: 'count', type: 'quantitative', title: 'credentials' },
        color: { field: 'provider', type: 'nominal', sort: providers, title: 'provider' },
        tooltip: [{ field: 'provider' }, { field: 'bucket', title: 'age' }, { field: 'count' }],
      },
    },
  } as Chart & { spec: TopLevelSpec };
}

/** Scopes shown in the rotation chart: the worst ones when there are many. */
const MAX_SCOPES = 25;

function rotationByScope(scopes: ScopeShare[]): Chart | null {
  const judged = scopes.filter((s) => s.judged > 0);
  if (judged.length === 0) return null;
  const rows = judged
    .map((s) => ({
      ...s,
      scope: tty(s.scope),
      share: Math.round((1000 * s.compliant) / s.judged) / 10,
    }))
    .sort((a, b) => a.share - b.share || (a.scope < b.scope ? -1 : 1))
    .slice(0, MAX_SCOPES);
  return {
    id: 'chart-rotation',
    title: 'Rotation compliance per scope',
    description: `Horizontal bars: the share of active rotatable credentials within their rotation window, per scope, worst first${judged.length > MAX_SCOPES ? ` (the ${MAX_SCOPES} worst of ${judged.length})` : ''}.`,
    svg: '',
    table: {
      head: ['scope', 'within window', 'judged', '%'],
      rows: rows.map((r) => [r.scope, r.compliant, r.judged, r.share]),
    },
    spec: {
      width: 360,
      height: { step: 18 },
      data: { values: rows },
      mark: { type: 'bar', color: '#43a047' },
      encoding: {
        y: { field: 'scope', type: 'nominal', sort: null, title: null },
        x: {
          field: 'share',
          type: 'quantitative',
          title: '% within rotation window',
          scale: { domain: [0, 100] },
        },
        tooltip: [
          { field: 'scope' },
          { field: 'compliant' },
          { field: 'judged' },
          { field: 'share' },
        ],
      },
    },
  } as Chart & { spec: TopLevelSpec };
}

function topIdentities(rows: RiskyIdentity[]): Chart | null {
  if (rows.length === 0) return null;
  const data = rows.map((r, i) => ({
    ...r,
    label: `${i + 1}. ${r.name} (${r.provider})`,
  }));
  return {
    id: 'chart-risky',
    title: 'Top risky identities',
    description: `Horizontal bars of the ${rows.length} identities with the highest risk score (0–100), coloured by band.`,
    svg: '',
    table: {
      head: ['identity', 'provider', 'score', 'band'],
      rows: rows.map((r) => [r.name, r.provider, r.score, r.band]),
    },
    spec: {
      width: 360,
      height: { step: 18 },
      data: { values: data },
      mark: { type: 'bar' },
      encoding: {
        y: { field: 'label', type: 'nominal', sort: null, title: null },
        x: {
          field: 'score',
          type: 'quantitative',
          title: 'risk score',
          scale: { domain: [0, 100] },
        },
        color: { field: 'band', type: 'nominal', scale: BAND_SCALE, title: 'band' },
        tooltip: [{ field: 'label', title: 'identity' }, { field: 'score' }, { field: 'band' }],
      },
    },
  } as Chart & { spec: TopLevelSpec };
}

/** Renders every chart that has data, in the report's order. */
export async function renderCharts(raw: ChartData): Promise<Chart[]> {
  const data = neutralised(raw);
  const severityRank = new Map(SEVERITY_ORDER.map((s, i) => [s, i]));
  const charts = [
    severityTrend(
      data.severityTrend.map((p) => ({ ...p, rank: severityRank.get(p.severity) ?? 9 })),
    ),
    ageDistribution(data.ageDistribution, data.ageBuckets),
    rotationByScope(data.rotationByScope),
    topIdentities(data.topIdentities),
  ].filter((c): c is Chart & { spec: TopLevelSpec } => c !== null);
  if (charts.length === 0) return [];
  const [vega, vl] = await Promise.all([import('vega'), import('vega-lite')]);
  const out: Chart[] = [];
  for (const { spec, ...chart } of charts) {
    const compiled = vl.compile({
      ...spec,
      description: chart.description,
      config: CONFIG,
    }).spec;
    const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
    const svg = await view.toSVG();
    view.finalize();
    out.push({ ...chart, svg: accessible(svg, chart) });
  }
  return out;
}

/** Every string that may come from a provider, as visible text (no control or bidi character). */
function neutralised(d: ChartData): ChartData {
  return {
    severityTrend: d.severityTrend.map((p) => ({ ...p, run: tty(p.run) })),
    ageDistribution: d.ageDistribution.map((a) => ({
      ...a,
      provider: tty(a.provider),
      bucket: tty(a.bucket),
    })),
    ageBuckets: d.ageBuckets.map(tty),
    rotationByScope: d.rotationByScope.map((s) => ({ ...s, scope: tty(s.scope) })),
    topIdentities: d.topIdentities.map((r) => ({
      ...r,
      name: tty(r.name),
      provider: tty(r.provider),
    })),
  };
}

/** The root <svg> as one image with a name and a description (the table below holds the data). */
function accessible(svg: string, chart: Chart): string {
  return svg.replace(
    /^<svg /,
    `<svg role="img" aria-labelledby="${chart.id}-title" aria-describedby="${chart.id}-desc" `,
  );
}
