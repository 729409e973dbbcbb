/**
 * The risk score, documented in README.md so a person can recompute it from `nhi show`:
 *
 *   band     = the severity of the worst finding (low when there is none): low | medium |
 *              high | critical; each band owns a range of scores
 *              low 0–24, medium 25–49, high 50–74, critical 75–100
 *   points   = per finding: critical 8, high 4, medium 2, low 1 (info / not evaluated 0)
 *   score    = min(top of the band, bottom of the band + the points of every finding)
 *
 * A credential is scored on its own findings. An identity is scored on its own findings
 * together with the findings of one of its credentials, the credential that gives the highest
 * score (its own findings alone when no credential adds anything).
 *
 * So the band is never below the worst finding, within a band more and worse findings score
 * higher, and adding a finding never lowers a score: it either adds points inside the band or
 * lifts the subject into a higher band, whose bottom is above the top of the one below.
 */
import type { Finding, Severity } from '../model/index.js';
import { cmp } from './compare.js';

export const SEVERITY_POINTS: Readonly<Record<Severity, number>> = {
  critical: 8,
  high: 4,
  medium: 2,
  low: 1,
  info: 0,
};

export const SEVERITY_RANK: Readonly<Record<Severity, number>> = {
  critical: 4,
  high: 3,
  medium: 2,
  low: 1,
  info: 0,
};

/** Bands share the severity vocabulary; listed from the lowest. */
export const BANDS = ['low', 'medium', 'high', 'critical'] as const;
export type Band = (typeof BANDS)[number];

/** The scores each band owns: bottom and top, inclusive. */
export const BAND_RANGE: Readonly<Record<Band, { bottom: number; top: number }>> = {
  low: { bottom: 0, top: 24 },
  medium: { bottom: 25, top: 49 },
  high: { bottom: 50, top: 74 },
  critical: { bottom: 75, top: 100 },
};

export const MAX_SCORE = 100;

export interface Contribution {
  ruleId: string;
  /** The finding's fingerprint: its message says why (not repeated here, scores exist per subject). */
  fingerprint: string;
  points: number;
  /** Set on the band's bottom only, which is no finding of its own. */
  reason?: string;
}

export interface SubjectScore {
  subjectId: string;
  subjectKind: 'credential' | 'identity';
  score: number;
  band: Band;
  /** The band's bottom (when above 0) then each finding's points: their sum, capped at the band's top, is the score. */
  contributions: Contribution[];
}

/** The band a score lies in. */
export function band(score: number): Band {
  if (score >= BAND_RANGE.critical.bottom) return 'critical';
  if (score >= BAND_RANGE.high.bottom) return 'high';
  if (score >= BAND_RANGE.medium.bottom) return 'medium';
  return 'low';
}

/** The band a severity puts a subject in at least ('info' counts as no risk). */
export function bandOfSeverity(severity: Severity): Band {
  return severity === 'info' ? 'low' : severity;
}

const byPoints = (a: Contribution, b: Contribution) =>
  b.points - a.points || cmp(a.ruleId, b.ruleId) || cmp(a.fingerprint, b.fingerprint);

/** Only failing findings that carry points count; not-evaluated and info findings add nothing. */
function counts(f: Finding): boolean {
  return f.outcome === 'fail' && f.points > 0;
}

function worstOf(findings: readonly Finding[]): Finding | undefined {
  let worst: Finding | undefined;
  for (const f of findings) {
    if (
      !worst ||
      SEVERITY_RANK[f.severity] > SEVERITY_RANK[worst.severity] ||
      (f.severity === worst.severity && cmp(f.fingerprint, worst.fingerprint) < 0)
    ) {
      worst = f;
    }
  }
  return worst;
}

/** Score, band and contributions of one set of findings (already filtered by `counts`). */
export function scoreFindings(findings: readonly Finding[]): {
  score: number;
  band: Band;
  contributions: Contribution[];
} {
  const worst = worstOf(findings);
  if (!worst) return { score: 0, band: 'low', contributions: [] };
  const b = bandOfSeverity(worst.severity);
  const { bottom, top } = BAND_RANGE[b];
  const own = findings
    .map((f): Contribution => ({ ruleId: f.ruleId, fingerprint: f.fingerprint, points: f.points }))
    .sort(byPoints);
  const contributions =
    bottom > 0
      ? [
          {
            ruleId: worst.ruleId,
            fingerprint: worst.fingerprint,
            points: bottom,
            reason: `bottom of the ${b} band: the worst finding is ${worst.severity}`,
          },
          ...own,
        ]
      : own;
  const sum = contributions.reduce((s, c) => s + c.points, 0);
  return { score: Math.min(top, sum), band: b, contributions };
}

export interface ScoredSubjects {
  /** Every present credential: its id and its identity's id. */
  credentials: ReadonlyMap<string, string>;
  /** Every present identity's id. */
  identities: Iterable<string>;
}

/**
 * Scores every present credential and identity (0 and band low when clean), and any other
 * subject a finding names.
 */
export function computeScores(
  findings: readonly Finding[],
  subjects: ScoredSubjects,
): SubjectScore[] {
  const own = new Map<string, Finding[]>();
  const kindOf = new Map<string, 'credential' | 'identity'>();
  for (const id of subjects.credentials.keys()) kindOf.set(id, 'credential');
  for (const id of subjects.identities) kindOf.set(id, 'identity');
  for (const f of findings) {
    if (!kindOf.has(f.subjectId)) kindOf.set(f.subjectId, f.subjectKind);
    if (!counts(f)) continue;
    const list = own.get(f.subjectId);
    if (list) list.push(f);
    else own.set(f.subjectId, [f]);
  }
  const credentialsOf = new Map<string, string[]>();
  for (const [credentialId, identityId] of subjects.credentials) {
    const list = credentialsOf.get(identityId);
    if (list) list.push(credentialId);
    else credentialsOf.set(identityId, [credentialId]);
  }

  const scores: SubjectScore[] = [];
  for (const [subjectId, kind] of kindOf) {
    const mine = own.get(subjectId) ?? [];
    if (kind === 'credential') {
      scores.push({ subjectId, subjectKind: kind, ...scoreFindings(mine) });
      continue;
    }
    // The identity with each of its credentials in turn; the highest wins (ties: lowest id).
    let best = scoreFindings(mine);
    for (const credentialId of [...(credentialsOf.get(subjectId) ?? [])].sort(cmp)) {
      const theirs = own.get(credentialId);
      if (!theirs) continue;
      const candidate = scoreFindings([...mine, ...theirs]);
      if (candidate.score > best.score) best = candidate;
    }
    scores.push({ subjectId, subjectKind: kind, ...best });
  }
  return scores.sort(
    (a, b) =>
      b.score - a.score || cmp(a.subjectKind, b.subjectKind) || cmp(a.subjectId, b.subjectId),
  );
}
