/** `--format markdown`: for pull-request comments, issues and wiki pages. */
import type { Finding } from '../model/index.js';
import {
  FAIL_SEVERITIES,
  notEvaluatedByRule,
  sortedFindings,
  summarize,
  summaryLine,
} from './common.js';
import type { ReportInput } from './types.js';

export interface MarkdownOptions {
  /** Finding rows shown before a "… N more" line. Default 200. */
  maxRows?: number;
}

/** Table-cell text: pipes escaped, newlines flattened, markup characters neutralised. */
function cell(s: string): string {
  return s
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/[\r\n]+/g, ' ')
    .replace(/([*_<>[\]])/g, '\\$1');
}

function code(s: string): string {
  const clean = s.replace(/[\r\n]+/g, ' ').replace(/\|/g, '\\|');
  return clean.includes('`') ? `\`\` ${clean} \`\`` : `\`${clean}\``;
}

function row(f: Finding): string {
  return `| ${f.severity} | ${code(f.ruleId)} | ${cell(`${f.provider}/${f.scopeName || f.scopeId}`)} | ${code(f.identityName)} | ${f.credentialExternalId ? code(f.credentialExternalId) : '—'} | ${f.points} | ${cell(f.message)} | ${f.owasp}${f.cis ? `, ${cell(f.cis)}` : ''} |`;
}

export function renderMarkdown(input: ReportInput, opts: MarkdownOptions = {}): string {
  const maxRows = opts.maxRows ?? 200;
  const s = summarize(input);
  const failing = sortedFindings(input.findings).filter((f) => f.outcome === 'fail');
  const out = ['# nhi findings', ''];
  if (input.generatedAt) out.push(`Generated ${input.generatedAt}.`, '');
  out.push(summaryLine(s), '', '| Severity | Count |', '| --- | ---: |');
  for (const sev of FAIL_SEVERITIES)
    out.push(`| ${sev} | ${s.bySeverity[sev as keyof typeof s.bySeverity]} |`);
  out.push('');
  if (failing.length > 0) {
    out.push(
      '## Findings',
      '',
      '| Severity | Rule | Where | Identity | Credential | Points | Finding | Maps to |',
      '| --- | --- | --- | --- | --- | ---: | --- | --- |',
    );
    for (const f of failing.slice(0, maxRows)) out.push(row(f));
    if (failing.length > maxRows)
      out.push('', `… ${failing.length - maxRows} more (use --format json)`);
    out.push('');
  }
  const ne = notEvaluatedByRule(input.findings);
  if (ne.length > 0 || (input.gaps?.length ?? 0) > 0) {
    out.push(
      '## Not evaluated',
      '',
      'Missing data is not a clean bill: these checks could not run.',
      '',
    );
    for (const r of ne) out.push(`- ${code(r.ruleId)}: ${r.count} × ${cell(r.reasons.join('; '))}`);
    for (const g of input.gaps ?? []) {
      out.push(
        `- ${g.provider}/${code(g.scopeId)} ${code(g.signal)}: ${cell(g.message)}${g.fix ? ` (fix: ${cell(g.fix)})` : ''}`,
      );
    }
    out.push('');
  }
  if ((input.suppressed?.length ?? 0) > 0 || (input.expiredExceptions?.length ?? 0) > 0) {
    out.push('## Exceptions', '');
    for (const x of input.suppressed ?? []) {
      out.push(
        `- suppressed ${code(x.finding.ruleId)} on ${code(x.finding.credentialExternalId ?? x.finding.identityName)} until ${x.exception.expires}: ${cell(x.exception.reason)}`,
      );
    }
    for (const e of input.expiredExceptions ?? []) {
      const what = [e.exception.rule, e.exception.id].filter(Boolean).join(' ');
      out.push(
        `- **expired** ${code(what)} (expires: ${e.exception.expires}; ${cell(e.exception.reason)}): ${e.findings.length} finding(s) reported again`,
      );
    }
    out.push('');
  }
  return `${out.join('\n')}`;
}
