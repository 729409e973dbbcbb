/**
 * `nhi report --format html`: the stored report's head and finding streams, plus the posture of
 * the latest scans (headline KPIs and their trend) and the charts, rendered to static SVG before
 * the first byte is written. The charting libraries load here only, on first use.
 */
import type { FindingFilter } from './findings-input.js';
import { storedReport } from './findings-input.js';
import type { View } from './evaluate.js';
import type { Globals } from './globals.js';
import { DEFAULT_RUNS, loadPosture } from './commands/posture.js';
import { overall } from '../posture/types.js';
import type { Renderer, StreamSources } from '../report/index.js';
import type { HtmlHead, RuleText } from '../report/html/document.js';

/** Rows of the findings table by default: a page a browser opens at any estate size. */
export const HTML_FINDINGS_DEFAULT = 1000;

export async function htmlReport(
  g: Globals,
  view: View,
  filter: FindingFilter,
  opts: { generatedAt?: string; findings?: number | null } = {},
): Promise<{ renderer: Renderer; sources: StreamSources }> {
  const gaps = await view.store.gapsInForce(view.run.id);
  const report = await storedReport(view.store, view.evaluation, gaps, filter, {
    format: 'markdown', // canonical order, like every human format
  });
  // The table holds the highest-scored failing findings (null: every one); the counts per rule
  // and severity, the KPIs and the charts cover all of them.
  const cap = opts.findings === undefined ? HTML_FINDINGS_DEFAULT : opts.findings;
  const failing = { ...filter, evaluationId: view.evaluation.id, outcome: 'fail' as const };
  report.sources.failing = () =>
    view.store.findings(cap === null ? failing : { ...failing, order: 'points', limit: cap });
  const total = report.head.summary.findings;
  const byRule = await view.store.findingGroups(failing, ['rule', 'severity']);
  const posture = await loadPosture(g, view, { runs: DEFAULT_RUNS });
  const top: { name: string; provider: string; score: number; band: string }[] = [];
  for await (const page of view.store.identities({
    evaluationId: view.evaluation.id,
    runId: view.run.id,
    sort: 'score',
    limit: 10,
  })) {
    for (const r of page)
      if (r.score && r.score.score > 0)
        top.push({
          name: r.identity.name,
          provider: r.identity.provider,
          score: r.score.score,
          band: r.score.band,
        });
  }
  const latest = posture.points.at(-1);
  const [{ renderCharts }, { htmlRenderer }, { RULES }] = await Promise.all([
    import('../report/html/charts.js'),
    import('../report/html/document.js'),
    import('../scoring/rules/index.js'),
  ]);
  const charts = await renderCharts({
    severityTrend: posture.points.flatMap((p) => {
      const f = overall(p).findings;
      const run = `#${p.runId} ${p.at.slice(0, 10)}`;
      return (['critical', 'high', 'medium', 'low'] as const).map((severity) => ({
        run,
        severity,
        count: f[severity],
      }));
    }),
    ageDistribution: posture.ageDistribution,
    ageBuckets: posture.ageBuckets,
    rotationByScope: (latest?.groups ?? [])
      .filter((gr) => gr.level === 'scope')
      .map((gr) => ({
        scope: `${gr.provider}/${gr.scopeName || gr.scopeId}`,
        compliant: gr.figures.rotationCompliant.numerator,
        judged: gr.figures.rotationCompliant.denominator,
      })),
    topIdentities: top,
  });
  const rules: Record<string, RuleText> = {};
  for (const r of RULES) rules[r.id] = { title: r.title, help: r.help };
  const head: HtmlHead = {
    ...report.head,
    ...(opts.generatedAt ? { generatedAt: opts.generatedAt } : {}),
    findingsShown: { shown: cap === null ? total : Math.min(cap, total), total },
    findingsByRule: byRule.map((r) => ({
      rule: r.key.rule!,
      severity: r.key.severity!,
      count: r.fail,
    })),
    run: { id: view.run.id, at: view.run.startedAt },
    posture,
    charts,
    rules,
    providers: (latest?.groups ?? [])
      .filter((gr) => gr.level === 'provider')
      .map((gr) => gr.provider!),
  };
  return { renderer: htmlRenderer(head), sources: report.sources };
}
