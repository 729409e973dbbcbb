/** `--format markdown`: for pull-request comments, issues and wiki pages. */
import type { Finding } from '../model/index.js';
import { FAIL_SEVERITIES, ownerCell, summaryLine } from './common.js';
import {
  eachPage,
  renderInput,
  type Renderer,
  type ReportHead,
  type SuppressedRow,
} from './stream.js';
import { firstRows } from './table.js';
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
export function text(s: string, inTable = true): string {
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
  const owner = ownerCell(f);
  return `| ${f.severity} | ${code(f.ruleId)} | ${text(`${f.provider}/${f.scopeName || f.scopeId}`)} | ${code(f.identityName)} | ${f.credentialExternalId ? code(f.credentialExternalId) : '—'} | ${owner === '—' ? owner : text(owner)} | ${f.purpose ? text(f.purpose) : '—'} | ${f.points} | ${text(f.message)} | ${f.owasp}${f.cis ? `, ${text(f.cis)}` : ''} |`;
}

export function* markdownRenderer(head: ReportHead, opts: MarkdownOptions = {}): Renderer {
  const maxRows = opts.maxRows ?? 200;
  const s = head.summary;
  const failing: Finding[] = [];
  yield* firstRows(failing, maxRows);
  const out = ['# nhi findings', ''];
  if (head.generatedAt) out.push(`Generated ${head.generatedAt}.`, '');
  out.push(summaryLine(s), '', '| Severity | Count |', '| --- | ---: |');
  for (const sev of FAIL_SEVERITIES)
    out.push(`| ${sev} | ${s.bySeverity[sev as keyof typeof s.bySeverity]} |`);
  out.push('');
  if (failing.length > 0) {
    out.push(
      '## Findings',
      '',
      '| Severity | Rule | Where | Identity | Credential | Owner | Purpose | Points | Finding | Maps to |',
      '| --- | --- | --- | --- | --- | --- | --- | ---: | --- | --- |',
    );
    for (const f of failing) out.push(row(f));
    if (s.findings > maxRows) out.push('', `… ${s.findings - maxRows} more (use --format json)`);
    out.push('', '## How to fix', '');
    for (const f of failing) {
      const who = `${f.identityName}${f.credentialExternalId ? ` / ${f.credentialExternalId}` : ''}`;
      out.push(
        `- ${code(f.ruleId, false)} ${text(who, false)}: ${text(fixLine(f) || 'see the rule', false)}`,
      );
    }
    out.push('');
  }
  if (head.notEvaluated.length > 0 || head.gaps.length > 0) {
    out.push(
      '## Not evaluated',
      '',
      'Missing data is not a clean bill: these checks could not run.',
      '',
    );
    for (const r of head.notEvaluated)
      out.push(`- ${code(r.ruleId, false)}: ${r.count} × ${text(r.reasons.join('; '), false)}`);
    for (const g of head.gaps) {
      out.push(
        `- ${text(g.provider, false)}/${code(g.scopeId, false)} ${code(g.signal, false)}: ${text(g.message, false)}${g.fix ? ` (fix: ${text(g.fix, false)})` : ''}`,
      );
    }
    out.push('');
  }
  if (s.suppressed > 0 || head.expiredExceptions.length > 0) {
    yield `${out.join('\n')}\n## Exceptions\n`;
    out.length = 0;
    yield* eachPage<SuppressedRow>('suppressed', function* (page) {
      yield page
        .map(
          (x) =>
            `\n- suppressed ${code(x.finding.ruleId, false)} on ${code(x.finding.credentialExternalId ?? x.finding.identityName, false)} until ${text(x.exception.expires, false)}: ${text(x.exception.reason, false)}`,
        )
        .join('');
    });
    for (const e of head.expiredExceptions) {
      const what = [e.exception.rule, e.exception.id].filter(Boolean).join(' ');
      out.push(
        `- **expired** ${code(what, false)} (expires: ${text(e.exception.expires, false)}; ${text(e.exception.reason, false)}): ${e.findings} finding(s) reported again`,
      );
    }
    out.push('');
    yield `\n${out.join('\n')}`;
    return;
  }
  yield out.join('\n');
}

export function renderMarkdown(input: ReportInput, opts: MarkdownOptions = {}): string {
  return renderInput((head) => markdownRenderer(head, opts), input);
}
