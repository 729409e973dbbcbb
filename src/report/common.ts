/** Helpers shared by renderers: canonical order, where a finding points, summary counts. */
import type { Finding, Severity } from '../model/index.js';
import { compareFindings } from '../scoring/engine.js';
import type { ReportInput } from './types.js';
import { cmp } from '../scoring/compare.js';

export function sortedFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(compareFindings);
}

export const FAIL_SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low'];

/** `provider/scope/identity[/credential]`: a stable, readable name for what a finding is about. */
export function logicalName(f: Finding): string {
  return [
    f.provider,
    f.scopeId,
    f.identityName,
    ...(f.credentialExternalId ? [f.credentialExternalId] : []),
  ].join('/');
}

/** `nhi://provider/scope/identity[/credential]`, each segment percent-encoded. */
export function subjectUri(f: Finding): string {
  const parts = [
    f.scopeId,
    f.identityName,
    ...(f.credentialExternalId ? [f.credentialExternalId] : []),
  ];
  return `nhi://${f.provider}/${parts.map(encodeURIComponent).join('/')}`;
}

/** `owner (team)`, or the team alone; a dash when nobody is known. Raw: each medium escapes it. */
export function ownerCell(f: Finding): string {
  const who = f.owner && f.team ? `${f.owner} (${f.team})` : (f.owner ?? f.team ?? null);
  return who ?? '—';
}

export interface Summary {
  findings: number;
  bySeverity: Record<'critical' | 'high' | 'medium' | 'low', number>;
  notEvaluated: number;
  suppressed: number;
  expiredExceptions: number;
  gaps: number;
}

export function summarize(input: ReportInput): Summary {
  const bySeverity = { critical: 0, high: 0, medium: 0, low: 0 };
  let failing = 0;
  let notEvaluated = 0;
  for (const f of input.findings) {
    if (f.outcome === 'not-evaluated') notEvaluated += 1;
    else {
      failing += 1;
      if (f.severity !== 'info') bySeverity[f.severity] += 1;
    }
  }
  return {
    findings: failing,
    bySeverity,
    notEvaluated,
    suppressed: input.suppressed?.length ?? 0,
    expiredExceptions: input.expiredExceptions?.length ?? 0,
    gaps: input.gaps?.length ?? 0,
  };
}

/** One line: "12 findings (1 critical, 3 high, 6 medium, 2 low) · 4 not evaluated · 1 suppressed". */
export function summaryLine(s: Summary): string {
  const sev = FAIL_SEVERITIES.filter((k) => s.bySeverity[k as keyof Summary['bySeverity']] > 0)
    .map((k) => `${s.bySeverity[k as keyof Summary['bySeverity']]} ${k}`)
    .join(', ');
  const parts = [`${s.findings} finding${s.findings === 1 ? '' : 's'}${sev ? ` (${sev})` : ''}`];
  if (s.notEvaluated) parts.push(`${s.notEvaluated} not evaluated (missing data)`);
  if (s.suppressed) parts.push(`${s.suppressed} suppressed by exceptions`);
  if (s.expiredExceptions)
    parts.push(`${s.expiredExceptions} expired exception${s.expiredExceptions === 1 ? '' : 's'}`);
  return parts.join(' · ');
}

/** Not-evaluated findings counted per rule, for a compact "what we could not check" list. */
export function notEvaluatedByRule(
  findings: readonly Finding[],
): Array<{ ruleId: string; count: number; reasons: string[] }> {
  const m = new Map<string, { count: number; reasons: Set<string> }>();
  for (const f of findings) {
    if (f.outcome !== 'not-evaluated') continue;
    const e = m.get(f.ruleId) ?? { count: 0, reasons: new Set<string>() };
    e.count += 1;
    e.reasons.add(f.message.replace(/^not evaluated: /, ''));
    m.set(f.ruleId, e);
  }
  return [...m.entries()]
    .sort(([a], [b]) => cmp(a, b))
    .map(([ruleId, e]) => ({ ruleId, count: e.count, reasons: [...e.reasons].sort() }));
}
