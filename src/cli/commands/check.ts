import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { UserError } from '../../connector/kit/errors.js';
import type { Finding } from '../../model/index.js';
import {
  REPORT_FORMATS,
  reportRenderer,
  summaryLine,
  type ReportFormat,
} from '../../report/index.js';
import { EXIT } from '../exit-codes.js';
import { evaluationOf, openView } from '../evaluate.js';
import { storedReport, type FindingFilter } from '../findings-input.js';
import { formatOf, globalsOf } from '../globals.js';
import { colorEnabled, line, makeChalk, note, out, warn } from '../output.js';
import { readBaseline, writeBaseline } from '../baseline.js';
import { minRankOf, rowsShown, writeReport } from './report.js';
import { checkScopes, findingFilterOf, type FindingFlags } from '../finding-flags.js';
import { ownerQuery } from '../ownership.js';
import { VERSION } from '../../version.js';

interface CheckFlags extends FindingFlags {
  owner?: string;
  team?: string;
  failOn: string;
  newOnly?: boolean;
  ai?: boolean;
  baseline?: string;
  updateBaseline?: boolean;
  output?: string;
}

/** The CI gate: exit 1 when a finding at or above --fail-on remains after baseline and --new-only. */
export async function run(cmd: Command): Promise<number> {
  const g = globalsOf(cmd);
  const f = cmd.opts() as CheckFlags;
  const explicitFormat = Boolean(g.json) || g.jq !== undefined || g.format !== undefined;
  const format = formatOf(g, REPORT_FORMATS) as ReportFormat;
  const minRank = minRankOf(f.failOn, '--fail-on')!;
  const selected = await findingFilterOf(f);
  if (f.updateBaseline && !f.baseline)
    throw new UserError('--update-baseline needs --baseline FILE');
  // The user's file first: a bad path is reported before any work.
  // The user's file first: a bad path is reported before any work. --update-baseline reads an
  // existing one to keep its reasons and expiries.
  const baseline =
    f.baseline && (!f.updateBaseline || existsSync(f.baseline)) ? readBaseline(f.baseline) : null;
  const accepted = f.updateBaseline ? null : baseline?.accepted;
  const view = await openView(g);
  const { store, evaluation } = view;
  try {
    if (selected.scopes) await checkScopes(store, selected.scopes);
    const failing: FindingFilter = {
      outcome: 'fail',
      minRank,
      ...selected,
      ...(f.ai ? { ai: true } : {}),
      // Each team gates its own credentials: owners are stored with the evaluation.
      ...ownerQuery(f),
    };
    if (f.updateBaseline) {
      const n = await writeBaseline(
        f.baseline!,
        store.findings({ ...failing, evaluationId: evaluation.id, order: 'fingerprint' }),
        baseline,
      );
      note(g, `accepted ${n} finding(s) into ${f.baseline}`);
      return EXIT.ok;
    }
    const count = async (filter: FindingFilter, keep?: (x: Finding) => boolean) => {
      const q = { ...filter, evaluationId: evaluation.id };
      if (!keep) {
        const c = await store.countFindings(q);
        return Object.values(c.bySeverity).reduce((a, b) => a + b, 0);
      }
      let n = 0;
      for await (const page of store.findings(q)) for (const x of page) if (keep(x)) n += 1;
      return n;
    };
    let filter = failing;
    let keep: ((x: Finding) => boolean) | undefined;
    const excluded: string[] = [];
    const expiredLines: string[] = [];
    let remaining = await count(failing, keep);
    if (accepted) {
      const mine = keep;
      keep = (x) => !accepted.has(x.fingerprint) && (!mine || mine(x));
      const kept = await count(failing, keep);
      excluded.push(`${remaining - kept} accepted in ${f.baseline}`);
      remaining = kept;
      for (const e of baseline!.expired)
        expiredLines.push(
          line`  expired: baseline entry ${e.ruleId ?? ''} ${e.subject ?? e.fingerprint} (expired ${e.expires ?? ''}${e.reason ? `; reason: ${e.reason}` : ''}): no longer accepted`,
        );
    }
    if (f.newOnly) {
      const prev = await store.previousRun(view.run.id);
      if (!prev) {
        note(g, 'no previous scan to compare with: every finding counts as new');
      } else {
        // Both runs under the policy in force, so only changes in the estate count as new.
        const before = await evaluationOf(g, store, prev, view.config);
        filter = { ...failing, absentFrom: { evaluationId: before.id } };
        const kept = await count(filter, keep);
        excluded.push(`${remaining - kept} already present in the previous scan`);
      }
    }
    const gaps = await store.gapsInForce(view.run.id);
    const report = await storedReport(store, evaluation, gaps, filter, {
      format,
      ...(keep ? { keep } : {}),
    });
    const violations = report.head.summary.findings;
    if (f.output || explicitFormat) {
      const renderer = reportRenderer(format, report.head, {
        color: !f.output && colorEnabled(g),
        toolVersion: VERSION,
        ...(f.output || format !== 'table'
          ? { maxRows: rowsShown(format, f.output, undefined) }
          : {}),
      });
      await writeReport(g, renderer, report.sources, format, f.output);
    }
    const c = makeChalk(colorEnabled(g, process.stderr));
    // The verdict counts the violations only (not the run's suppressed or expired exceptions).
    const summary = summaryLine({ ...report.head.summary, suppressed: 0, expiredExceptions: 0 });
    const verdict = violations
      ? c.red(`nhi check: FAIL — ${violations} finding(s) at or above ${f.failOn}`)
      : c.green(`nhi check: ok — no finding at or above ${f.failOn}`);
    const lines = [
      verdict,
      `  ${summary}`,
      ...excluded.map((e) => `  excluded: ${e}`),
      ...expiredLines,
    ];
    if (violations && !explicitFormat) {
      const first: Finding[] = [];
      const q = { ...filter, evaluationId: evaluation.id, limit: keep ? undefined : 10 };
      for await (const page of store.findings(q)) {
        for (const v of page) if (first.length < 10 && (!keep || keep(v))) first.push(v);
        if (first.length >= 10) break;
      }
      for (const v of first) {
        lines.push(
          line`  ${v.severity.padEnd(8)} ${v.ruleId}  ${v.provider}/${v.scopeName} ${v.identityName}${v.credentialExternalId ? ` ${v.credentialExternalId}` : ''}`,
        );
      }
      if (violations > 10)
        lines.push(`  … ${violations - 10} more: nhi report --min-severity ${f.failOn}`);
    }
    if (f.output) lines.push(line`  wrote ${format} to ${f.output}`);
    // With a report on stdout, the verdict goes to stderr so the report stays parseable.
    const write = explicitFormat && !f.output ? warn : out;
    if (!g.quiet || violations) write(lines.join('\n'));
    return violations ? EXIT.violations : EXIT.ok;
  } finally {
    await store.close();
  }
}
