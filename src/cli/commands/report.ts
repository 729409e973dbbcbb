import type { Command } from 'commander';
import { parseProviders } from '../../connector/registry.js';
import type { Finding, Severity } from '../../model/index.js';
import { REPORT_FORMATS } from '../../report/index.js';
import { evaluateLatest, renderFindings } from '../findings-input.js';
import { formatOf, globalsOf } from '../globals.js';
import { colorEnabled, emit, line, note, out } from '../output.js';
import { writeUserFile } from '../user-files.js';
import { atLeast } from '../severity.js';

interface ReportFlags {
  minSeverity?: string;
  provider?: string;
  rule?: string;
  output?: string;
  limit?: string;
}

export function severityAtLeast(
  min: string | undefined,
  flag = '--min-severity',
): (s: Severity) => boolean {
  return min === undefined ? () => true : atLeast(flag, min);
}

export async function run(cmd: Command): Promise<number> {
  const g = globalsOf(cmd);
  const f = cmd.opts() as ReportFlags;
  const format = formatOf(g, REPORT_FORMATS);
  const keepSeverity = severityAtLeast(f.minSeverity);
  const providers = f.provider ? new Set<string>(parseProviders(f.provider)) : null;
  const rules = f.rule ? new Set(f.rule.split(',').map((s) => s.trim())) : null;
  const { evaluation, snapshot } = await evaluateLatest(g);
  const keep = (x: Finding) =>
    (x.outcome === 'not-evaluated' || keepSeverity(x.severity)) &&
    (!providers || providers.has(x.provider)) &&
    (!rules || rules.has(x.ruleId));
  const input = { ...evaluation, findings: evaluation.findings.filter(keep), gaps: snapshot.gaps };
  const limit = f.limit ? Number(f.limit) : undefined;
  const text = renderFindings(format, input, !f.output && colorEnabled(g), limit);
  if (f.output) {
    writeUserFile(f.output, text, `${format} report`);
    note(g, `wrote ${format} report to ${f.output}`);
  } else if (format === 'table') {
    out(text);
  } else {
    emit(text);
  }
  for (const x of evaluation.expiredExceptions) {
    note(
      g,
      line`warning: exception for ${x.exception.rule ?? '*'} ${x.exception.id ?? ''} expired ${x.expiredAt}: its findings are reported again`,
    );
  }
  return 0;
}
