import type { Command } from 'commander';
import { UserError } from '../../connector/kit/errors.js';
import { parseProviders } from '../../connector/registry.js';
import { postureReport, type EvaluatedRun } from '../../posture/compute.js';
import { postureJson, postureMarkdown, postureMatrices } from '../../posture/render.js';
import type { PostureReport } from '../../posture/types.js';
import { evaluationOf, openView, type View } from '../evaluate.js';
import { formatOf, globalsOf, type Globals } from '../globals.js';
import { colorEnabled, out, table } from '../output.js';
import { stdoutSink } from '../sink.js';

interface PostureFlags {
  runs?: string;
  since?: string;
  provider?: string;
  scope?: string;
}

/** Default trend length: enough to see a direction, few enough to read. */
export const DEFAULT_RUNS = 5;

export function parseRuns(
  value: string | undefined,
  since: string | undefined,
): number | undefined {
  if (value === undefined) return since ? undefined : DEFAULT_RUNS;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UserError(`--runs ${value}: a whole number from 1`);
  return n;
}

export function parseSince(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const t = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(t))
    throw new UserError(`--since ${value}: a date such as 2026-10-01 (or an ISO date-time)`);
  return new Date(t).toISOString();
}

/**
 * The posture of the latest run (under the policy in force, like every view) and of the runs
 * before it within `--runs`/`--since`, each as it was evaluated when it was scanned.
 */
export async function loadPosture(
  g: Globals,
  view: View,
  window: { runs?: number; since?: string },
): Promise<PostureReport> {
  const runs = await view.store.postureRuns({
    demo: view.run.demo,
    toRun: view.run.id,
    ...(window.since ? { since: window.since } : {}),
    // One more than shown: the run before the first is what the first is compared with.
    ...(window.runs !== undefined ? { limit: window.runs + 1 } : {}),
  });
  const shown = window.runs !== undefined ? runs.slice(0, window.runs) : runs;
  const beforeRun =
    window.runs !== undefined && runs.length > window.runs
      ? runs[window.runs]!
      : await view.store.previousRun(shown.at(-1)?.id ?? view.run.id);
  // An older scan is read as its scan evaluated it, from the records as they were then: its
  // rows have moved on since, so evaluating it again would rewrite history. Only a scan with
  // no stored evaluation is evaluated now.
  const evaluated = async (run: (typeof runs)[number]): Promise<EvaluatedRun> => ({
    run,
    evaluation:
      run.id === view.run.id
        ? view.evaluation
        : ((await view.store.evaluation(run.id)) ??
          (await evaluationOf(g, view.store, run, view.config))),
  });
  const points: EvaluatedRun[] = [];
  for (const run of [...shown].reverse()) points.push(await evaluated(run));
  const before = beforeRun && shown.length > 0 ? await evaluated(beforeRun) : null;
  const off = new Set(
    Object.entries(view.config.policy.rules)
      .filter(([, r]) => r.enabled === false)
      .map(([id]) => id),
  );
  return postureReport(view.store, points, before, off);
}

/** Keeps the groups of the named providers / scope (the overall figures stay). */
function filterGroups(report: PostureReport, providers?: string[], scope?: string): PostureReport {
  if (!providers && !scope) return report;
  return {
    ...report,
    points: report.points.map((p) => ({
      ...p,
      groups: p.groups.filter(
        (gr) =>
          gr.level === 'overall' ||
          ((!providers || providers.includes(gr.provider!)) &&
            (!scope || gr.level !== 'scope' || gr.scopeId === scope || gr.scopeName === scope)),
      ),
    })),
  };
}

export async function run(cmd: Command): Promise<number> {
  const g = globalsOf(cmd);
  const f = cmd.opts() as PostureFlags;
  const format = formatOf(g, ['table', 'json', 'markdown']);
  const since = parseSince(f.since);
  const runs = parseRuns(f.runs, since);
  const providers = f.provider ? [...parseProviders(f.provider)] : undefined;
  const view = await openView(g);
  try {
    const report = filterGroups(
      await loadPosture(g, view, {
        ...(runs !== undefined ? { runs } : {}),
        ...(since ? { since } : {}),
      }),
      providers,
      f.scope,
    );
    if (format === 'table') {
      const color = colorEnabled(g);
      out(
        postureMatrices(report)
          .map((m) => `${m.title}\n${table(m.head, m.rows, color)}`)
          .join('\n\n'),
      );
      return 0;
    }
    const sink = stdoutSink();
    await sink.write(format === 'json' ? postureJson(report) : postureMarkdown(report));
    await sink.close();
    return 0;
  } finally {
    await view.store.close();
  }
}
