import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { UserError } from '../../connector/index.js';
import type { Finding } from '../../model/index.js';
import { REPORT_FORMATS, summarize, summaryLine } from '../../report/index.js';
import { EXIT } from '../exit-codes.js';
import { evaluateLatest, renderFindings } from '../findings-input.js';
import { formatOf, globalsOf } from '../globals.js';
import { colorEnabled, emit, line, makeChalk, note, out, warn } from '../output.js';
import { UserFileError, readUserFile, writeUserFile } from '../user-files.js';
import { severityAtLeast } from './report.js';

interface CheckFlags {
  failOn: string;
  newOnly?: boolean;
  baseline?: string;
  updateBaseline?: boolean;
  output?: string;
}

interface BaselineFile {
  version: 1;
  /** Accepted findings: fingerprint plus enough context for a reviewer of the file. */
  accepted: { fingerprint: string; ruleId: string; subject: string }[];
}

function readBaseline(path: string): Set<string> {
  let text: string;
  try {
    text = readUserFile(path, 'baseline');
  } catch (err) {
    if (err instanceof UserFileError && !existsSync(path))
      throw new UserError(`${path}: baseline file not found (create it with --update-baseline)`);
    throw err;
  }
  let data: BaselineFile;
  try {
    data = JSON.parse(text) as BaselineFile;
  } catch (err) {
    throw new UserError(`${path}: baseline is not valid JSON (${(err as Error).message})`);
  }
  if (
    data?.version !== 1 ||
    !Array.isArray(data.accepted) ||
    data.accepted.some((a) => typeof a?.fingerprint !== 'string')
  ) {
    throw new UserError(
      `${path}: not an nhi baseline (expected {"version": 1, "accepted": [{"fingerprint": …}]})`,
    );
  }
  return new Set(data.accepted.map((a) => a.fingerprint));
}

function writeBaseline(path: string, findings: Finding[]): void {
  const accepted = findings
    .map((f) => ({
      fingerprint: f.fingerprint,
      ruleId: f.ruleId,
      subject: `${f.provider}/${f.scopeId}/${f.identityName}${f.credentialExternalId ? `/${f.credentialExternalId}` : ''}`,
    }))
    .sort((a, b) => a.fingerprint.localeCompare(b.fingerprint));
  writeUserFile(
    path,
    JSON.stringify({ version: 1, accepted } satisfies BaselineFile, null, 2) + '\n',
    'baseline',
  );
}

/** The CI gate: exit 1 when a finding at or above --fail-on remains after baseline and --new-only. */
export async function run(cmd: Command): Promise<number> {
  const g = globalsOf(cmd);
  const f = cmd.opts() as CheckFlags;
  const explicitFormat = g.json || g.format !== undefined;
  const format = formatOf(g, REPORT_FORMATS);
  const atLeast = severityAtLeast(f.failOn, '--fail-on');
  const { evaluation, previous, snapshot } = await evaluateLatest(g, { withPrevious: f.newOnly });
  const failing = evaluation.findings.filter((x) => x.outcome === 'fail' && atLeast(x.severity));

  if (f.updateBaseline) {
    if (!f.baseline) throw new UserError('--update-baseline needs --baseline FILE');
    writeBaseline(f.baseline, failing);
    note(g, `accepted ${failing.length} finding(s) into ${f.baseline}`);
    return EXIT.ok;
  }
  let violations = failing;
  const excluded: string[] = [];
  if (f.baseline) {
    const accepted = readBaseline(f.baseline);
    const before = violations.length;
    violations = violations.filter((x) => !accepted.has(x.fingerprint));
    excluded.push(`${before - violations.length} accepted in ${f.baseline}`);
  }
  if (f.newOnly) {
    if (!previous) {
      note(g, 'no previous scan to compare with: every finding counts as new');
    } else {
      const old = new Set(previous.findings.map((x) => x.fingerprint));
      const before = violations.length;
      violations = violations.filter((x) => !old.has(x.fingerprint));
      excluded.push(`${before - violations.length} already present in the previous scan`);
    }
  }
  const input = { ...evaluation, findings: violations, gaps: snapshot.gaps };
  if (f.output) {
    writeUserFile(f.output, renderFindings(format, input, false), `${format} report`);
  } else if (explicitFormat) {
    const text = renderFindings(format, input, colorEnabled(g));
    if (format === 'table') out(text);
    else emit(text);
  }
  const c = makeChalk(colorEnabled(g, process.stderr));
  const summary = summaryLine(summarize({ findings: violations, gaps: snapshot.gaps }));
  const verdict = violations.length
    ? c.red(`nhi check: FAIL — ${violations.length} finding(s) at or above ${f.failOn}`)
    : c.green(`nhi check: ok — no finding at or above ${f.failOn}`);
  const lines = [verdict, `  ${summary}`, ...excluded.map((e) => `  excluded: ${e}`)];
  if (violations.length && !explicitFormat) {
    for (const v of violations.slice(0, 10)) {
      lines.push(
        line`  ${v.severity.padEnd(8)} ${v.ruleId}  ${v.provider}/${v.scopeName} ${v.identityName}${v.credentialExternalId ? ` ${v.credentialExternalId}` : ''}`,
      );
    }
    if (violations.length > 10)
      lines.push(`  … ${violations.length - 10} more: nhi report --min-severity ${f.failOn}`);
  }
  if (f.output) lines.push(line`  wrote ${format} to ${f.output}`);
  // With a report on stdout, the verdict goes to stderr so the report stays parseable.
  const write = explicitFormat && !f.output ? warn : out;
  if (!g.quiet || violations.length) write(lines.join('\n'));
  return violations.length ? EXIT.violations : EXIT.ok;
}
