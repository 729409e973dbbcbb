/**
 * The risk score, documented in README.md so a person can recompute it:
 *   points(finding) = by severity: critical 40, high 25, medium 10, low 3, info 0
 *                     ('not-evaluated' findings always 0)
 *   credential score = min(100, sum of points of the credential's own findings)
 *   identity score   = min(100, sum of points of the identity's own findings
 *                               + the highest score among its credentials)
 *   band             = 0–33 low, 34–66 medium, 67–100 high
 * Sums and max only ever grow when findings are added, so the score is monotonic.
 */
import type { Finding, Severity } from '../model/index.js';
import { cmp } from './compare.js';

export const SEVERITY_POINTS: Readonly<Record<Severity, number>> = {
  critical: 40,
  high: 25,
  medium: 10,
  low: 3,
  info: 0,
};

export const SEVERITY_RANK: Readonly<Record<Severity, number>> = {
  critical: 4,
  high: 3,
  medium: 2,
  low: 1,
  info: 0,
};

export type Band = 'low' | 'medium' | 'high';

export interface Contribution {
  ruleId: string;
  fingerprint: string;
  points: number;
  reason: string;
}

export interface SubjectScore {
  subjectId: string;
  subjectKind: 'credential' | 'identity';
  score: number;
  band: Band;
  contributions: Contribution[];
}

export const MAX_SCORE = 100;

export function band(score: number): Band {
  if (score >= 67) return 'high';
  if (score >= 34) return 'medium';
  return 'low';
}

function contribution(f: Finding): Contribution {
  return { ruleId: f.ruleId, fingerprint: f.fingerprint, points: f.points, reason: f.message };
}

const byContribution = (a: Contribution, b: Contribution) =>
  b.points - a.points || cmp(a.ruleId, b.ruleId) || cmp(a.fingerprint, b.fingerprint);

function total(cs: Contribution[]): number {
  return Math.min(
    MAX_SCORE,
    cs.reduce((sum, c) => sum + c.points, 0),
  );
}

/**
 * Scores every subject that has at least one finding (active or not-evaluated), plus the
 * identities named in `identityOfCredential` so an identity inherits its worst credential.
 * @param identityOfCredential credential short id -> identity short id
 */
export function computeScores(
  findings: readonly Finding[],
  identityOfCredential: ReadonlyMap<string, string>,
): SubjectScore[] {
  const own = new Map<string, { kind: 'credential' | 'identity'; cs: Contribution[] }>();
  for (const f of findings) {
    const entry = own.get(f.subjectId) ?? { kind: f.subjectKind, cs: [] };
    if (f.outcome === 'fail' && f.points > 0) entry.cs.push(contribution(f));
    own.set(f.subjectId, entry);
  }

  const scores: SubjectScore[] = [];
  const worstCredential = new Map<string, SubjectScore>();
  for (const [subjectId, { kind, cs }] of own) {
    if (kind !== 'credential') continue;
    cs.sort(byContribution);
    const score = total(cs);
    const s: SubjectScore = {
      subjectId,
      subjectKind: kind,
      score,
      band: band(score),
      contributions: cs,
    };
    scores.push(s);
    const identityId = identityOfCredential.get(subjectId);
    if (identityId === undefined) continue;
    const prev = worstCredential.get(identityId);
    if (!prev || score > prev.score || (score === prev.score && subjectId < prev.subjectId)) {
      worstCredential.set(identityId, s);
    }
  }

  const identityIds = new Set<string>(worstCredential.keys());
  for (const [id, { kind }] of own) if (kind === 'identity') identityIds.add(id);
  for (const identityId of identityIds) {
    const cs = [...(own.get(identityId)?.cs ?? [])].sort(byContribution);
    const worst = worstCredential.get(identityId);
    // The credential part is listed as its own contributions, so the sum is recomputable.
    const all = worst ? [...cs, ...worst.contributions] : cs;
    const score = total(all);
    scores.push({
      subjectId: identityId,
      subjectKind: 'identity',
      score,
      band: band(score),
      contributions: all,
    });
  }

  return scores.sort(
    (a, b) =>
      b.score - a.score || cmp(a.subjectKind, b.subjectKind) || cmp(a.subjectId, b.subjectId),
  );
}
