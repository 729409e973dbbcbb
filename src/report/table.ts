/** The terminal table. Colour is the caller's decision (a flag), never read from the TTY here. */
import { Chalk, type ChalkInstance } from 'chalk';
import Table from 'cli-table3';
import type { Finding, Severity } from '../model/index.js';
import { ownerCell, summaryLine } from './common.js';
import { renderInput, type Renderer, type ReportHead } from './stream.js';
import { cell, line, tty } from './terminal.js';
import type { ReportInput } from './types.js';

export interface TableOptions {
  color: boolean;
  /** Rows shown before "… N more (use --format json)". Default 50. */
  maxRows?: number;
}

function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

function paint(c: ChalkInstance, severity: Severity, text: string): string {
  switch (severity) {
    case 'critical':
      return c.bold.red(text);
    case 'high':
      return c.red(text);
    case 'medium':
      return c.yellow(text);
    case 'low':
      return c.cyan(text);
    default:
      return c.dim(text);
  }
}

/** The first `maxRows` failing findings (read from the stream, no more), then the summary. */
export function* tableRenderer(head: ReportHead, opts: TableOptions): Renderer {
  const c = new Chalk({ level: opts.color ? 1 : 0 });
  const maxRows = opts.maxRows ?? 50;
  const failing: Finding[] = [];
  yield* firstRows(failing, maxRows);
  const out: string[] = [];

  if (failing.length > 0) {
    const table = new Table({
      head: ['SEVERITY', 'RULE', 'WHERE', 'IDENTITY', 'CREDENTIAL', 'OWNER', 'PTS', 'FINDING'],
      // cli-table3 colours headers itself unless told not to; colour is decided by the flag.
      style: { head: [], border: [], compact: true },
      wordWrap: true,
      colWidths: [10, 31, 26, 24, 22, 20, 5, 50],
    });
    for (const f of failing) {
      // Every cell but the painted severity is provider data: neutralised before it is wrapped.
      table.push([
        paint(c, f.severity, f.severity),
        cell(f.ruleId),
        cell(`${f.provider}/${f.scopeName || f.scopeId}`),
        truncate(tty(f.identityName), 60),
        truncate(tty(f.credentialExternalId ?? '—'), 40),
        truncate(tty(ownerCell(f)), 40),
        String(f.points),
        cell(f.message),
      ]);
    }
    out.push(table.toString());
    if (head.summary.findings > maxRows)
      out.push(c.dim(`… ${head.summary.findings - maxRows} more (use --format json)`));
    out.push('', c.bold('How to fix (nhi show <id> prints the steps for one finding):'));
    for (const line of fixSummary(failing)) out.push(`  ${line}`);
  } else {
    out.push(c.green('No findings.'));
  }

  out.push('', c.bold(summaryLine(head.summary)));

  if (head.notEvaluated.length > 0) {
    out.push('', c.bold('Not evaluated (missing data, not a clean bill):'));
    for (const r of head.notEvaluated)
      out.push(line`  ${r.ruleId}: ${r.count} × ${r.reasons.join('; ')}`);
  }
  if (head.gaps.length > 0) {
    out.push('', c.bold('Coverage gaps:'));
    for (const g of head.gaps) {
      out.push(
        line`  ${g.provider}/${g.scopeId} ${g.signal}: ${g.message}` +
          (g.fix ? c.dim(line` (fix: ${g.fix})`) : ''),
      );
    }
  }
  for (const e of head.expiredExceptions) {
    const what = [e.exception.rule, e.exception.id].filter(Boolean).join(' ');
    out.push(
      c.yellow(
        line`! exception ${what}${e.exception.source ? ` (${e.exception.source})` : ''} expired (expires: ${e.exception.expires}): ${e.findings} finding(s) reported again`,
      ),
    );
  }
  yield `${out.join('\n')}\n`;
}

/** Reads up to `max` failing findings into `into`, and no further. */
export function* firstRows(into: Finding[], max: number): Renderer {
  while (into.length < max) {
    const page = (yield { pull: 'failing' }) as readonly Finding[] | null;
    if (!page) return;
    for (const f of page) {
      if (into.length >= max) break;
      into.push(f);
    }
  }
}

export function renderTable(input: ReportInput, opts: TableOptions): string {
  return renderInput((head) => tableRenderer(head, opts), input);
}

/** Per rule: how many of its findings a playbook fixes, and how many need manual steps. */
function fixSummary(findings: readonly Finding[]): string[] {
  const byRule = new Map<string, { playbook: Map<string, number>; manual: number }>();
  for (const f of findings) {
    const entry = byRule.get(f.ruleId) ?? { playbook: new Map(), manual: 0 };
    if (f.fix && 'playbook' in f.fix)
      entry.playbook.set(f.fix.playbook, (entry.playbook.get(f.fix.playbook) ?? 0) + 1);
    else entry.manual += 1;
    byRule.set(f.ruleId, entry);
  }
  return [...byRule].map(([rule, e]) => {
    const parts = [...e.playbook].map(([p, n]) => `nhi ${p} <credential id> (${n})`);
    if (e.manual) parts.push(`manual steps (${e.manual})`);
    return `${rule}: ${parts.join(', ')}`;
  });
}

export type { Finding };
