/** `--format markdown`: for pull-request comments, issues and wiki pages. */
import type { Finding } from '../model/index.js';
import {
  FAIL_SEVERITIES,
  notEvaluatedByRule,
  sortedFindings,
  summarize,
  summaryLine,
} from './common.js';
import { tty } from './terminal.js';
import type { ReportInput } from './types.js';
import { fixLine } from '../scoring/fix-steps.js';

export interface MarkdownOptions {
  /** Finding rows shown before a "… N more" line. Default 200. */
  maxRows?: number;
}

/**
 * Provider strings in markdown. Controls become visible escapes (`tty`); code spans get a fence
 * longer than any backtick run inside; other text has every character with inline meaning
 * backslash-escaped (emphasis, links, HTML, entities, math, tables). Words a renderer would
 * turn into links, mentions or issue references (`https://…`, `www.…`, `a@b`, `@team`, `#12`)
 * are put in code spans, the one place GitHub leaves them alone.
 */
const SMART_WORD = /(\S*(?:@|:\/\/|www\.|#\d)\S*)/i;
const INLINE_MARKUP = /[\\`*_[\]<>|~&$!#]/g;

/** Text (escaped, one line). `\|` is right in and out of tables for text, not for code. */
function text(s: string, inTable = true): string {
  return tty(s)
    .split(SMART_WORD)
    .map((part, i) => (i % 2 === 1 ? code(part, inTable) : part.replace(INLINE_MARKUP, '\\$&')))
    .join('');
}

/**
 * A code span. Inside a GFM table a pipe must be written `\|` even in code (GitHub removes the
 * backslash); outside a table that backslash would show, so list items pass `inTable: false`.
 */
function code(s: string, inTable = true): string {
  const clean = tty(s);
  if (clean === '') return '—';
  const body = inTable ? clean.replace(/\|/g, '\\|') : clean;
  const longest = Math.max(0, ...(body.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  // A span starting or ending with a backtick or space needs a space of padding (which
  // CommonMark strips again), else the fence would swallow it.
  const pad = /^[` ]|[` ]$/.test(body) ? ' ' : '';
  return `${fence}${pad}${body}${pad}${fence}`;
}

function row(f: Finding): string {
  return `| ${f.severity} | ${code(f.ruleId)} | ${text(`${f.provider}/${f.scopeName || f.scopeId}`)} | ${code(f.identityName)} | ${f.credentialExternalId ? code(f.credentialExternalId) : '—'} | ${f.points} | ${text(f.message)} | ${f.owasp}${f.cis ? `, ${text(f.cis)}` : ''} |`;
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
    out.push('', '## How to fix', '');
    for (const f of failing.slice(0, maxRows)) {
      const who = `${f.identityName}${f.credentialExternalId ? ` / ${f.credentialExternalId}` : ''}`;
      out.push(
        `- ${code(f.ruleId, false)} ${text(who, false)}: ${text(fixLine(f) || 'see the rule', false)}`,
      );
    }
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
    for (const r of ne)
      out.push(`- ${code(r.ruleId, false)}: ${r.count} × ${text(r.reasons.join('; '), false)}`);
    for (const g of input.gaps ?? []) {
      out.push(
        `- ${text(g.provider, false)}/${code(g.scopeId, false)} ${code(g.signal, false)}: ${text(g.message, false)}${g.fix ? ` (fix: ${text(g.fix, false)})` : ''}`,
      );
    }
    out.push('');
  }
  if ((input.suppressed?.length ?? 0) > 0 || (input.expiredExceptions?.length ?? 0) > 0) {
    out.push('## Exceptions', '');
    for (const x of input.suppressed ?? []) {
      out.push(
        `- suppressed ${code(x.finding.ruleId, false)} on ${code(x.finding.credentialExternalId ?? x.finding.identityName, false)} until ${text(x.exception.expires, false)}: ${text(x.exception.reason, false)}`,
      );
    }
    for (const e of input.expiredExceptions ?? []) {
      const what = [e.exception.rule, e.exception.id].filter(Boolean).join(' ');
      out.push(
        `- **expired** ${code(what, false)} (expires: ${text(e.exception.expires, false)}; ${text(e.exception.reason, false)}): ${e.findings.length} finding(s) reported again`,
      );
    }
    out.push('');
  }
  return `${out.join('\n')}`;
}
