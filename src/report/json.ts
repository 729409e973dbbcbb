/**
 * `--format json`: a documented, stable document (see README.md). Keys appear in a fixed order;
 * new fields may be added, existing ones keep their meaning while schemaVersion stays 1.
 */
import type { Finding } from '../model/index.js';
import { sortedFindings, summarize } from './common.js';
import { guard } from './terminal.js';
import type { ReportInput } from './types.js';
import { manualFix } from '../scoring/fix-steps.js';
import type { ManualFix } from '../scoring/fix.js';

export const JSON_SCHEMA_VERSION = 1;

export function findingJson(f: Finding): Record<string, unknown> {
  return {
    fingerprint: f.fingerprint,
    ruleId: f.ruleId,
    outcome: f.outcome,
    severity: f.severity,
    points: f.points,
    subjectKind: f.subjectKind,
    subjectId: f.subjectId,
    provider: f.provider,
    scopeId: f.scopeId,
    scopeName: f.scopeName,
    identityName: f.identityName,
    identityExternalId: f.identityExternalId,
    credentialExternalId: f.credentialExternalId,
    message: f.message,
    owasp: f.owasp,
    cis: f.cis,
    playbook: f.playbook,
    fix: f.fix ?? null,
    evidence: f.evidence,
  };
}

export function renderJson(input: ReportInput): string {
  const doc = {
    schemaVersion: JSON_SCHEMA_VERSION,
    ...(input.generatedAt ? { generatedAt: input.generatedAt } : {}),
    summary: summarize(input),
    findings: sortedFindings(input.findings).map(findingJson),
    fixes: manualFixes(input.findings),
    scores: (input.scores ?? []).map((s) => ({
      subjectId: s.subjectId,
      subjectKind: s.subjectKind,
      score: s.score,
      band: s.band,
      contributions: s.contributions.map((c) => ({
        ruleId: c.ruleId,
        fingerprint: c.fingerprint,
        points: c.points,
        ...(c.reason ? { reason: c.reason } : {}),
      })),
    })),
    suppressed: (input.suppressed ?? []).map((s) => ({
      finding: findingJson(s.finding),
      exception: s.exception,
    })),
    expiredExceptions: (input.expiredExceptions ?? []).map((e) => ({
      exception: e.exception,
      expiredAt: e.expiredAt,
      fingerprints: e.findings.map((f) => f.fingerprint),
    })),
    gaps: (input.gaps ?? []).map((g) => ({
      provider: g.provider,
      scopeId: g.scopeId,
      signal: g.signal,
      message: g.message,
      code: g.code,
      fix: g.fix,
    })),
  };
  // Indented for people on ordinary estates; compact past that, where indentation alone would
  // add hundreds of megabytes (and overflow V8's string limit near 100k credentials).
  const indent =
    input.findings.length + (input.scores?.length ?? 0) > COMPACT_ABOVE ? undefined : 2;
  return `${jsonText(doc, indent)}\n`;
}

/**
 * JSON.stringify escapes C0 controls but writes C1 controls, DEL, line separators and bidi
 * overrides raw: legal JSON, yet a terminal or editor acts on them. They can only occur inside
 * strings, where the `\uXXXX` form is the same value, so every JSON nhi writes goes through here.
 */
export function jsonText(value: unknown, indent?: number): string {
  return guard(JSON.stringify(value, null, indent), false);
}

/**
 * The manual steps the findings refer to (`fix.manual`), once each, keyed by that reference.
 * Placeholders {name}, {identity}, {credential}, {scope}, {id} stand for each finding's
 * identityName, identityExternalId, credentialExternalId, scopeId and subjectId.
 */
function manualFixes(findings: readonly Finding[]): Record<string, ManualFix> {
  const out: Record<string, ManualFix> = {};
  for (const f of findings) {
    if (!f.fix || !('manual' in f.fix)) continue;
    const key = f.fix.manual;
    if (out[key]) continue;
    const m = manualFix(f.ruleId, key);
    if (m) out[key] = m;
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Findings + scores above which JSON output is compact. */
export const COMPACT_ABOVE = 20_000;
