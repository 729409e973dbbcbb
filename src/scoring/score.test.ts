import { describe, expect, it } from 'vitest';
import type { Finding, Severity } from '../model/index.js';
import {
  BAND_RANGE,
  BANDS,
  SEVERITY_POINTS,
  SEVERITY_RANK,
  band,
  bandOfSeverity,
  computeScores,
  type SubjectScore,
} from './score.js';

let n = 0;
function finding(subjectId: string, severity: Severity, over: Partial<Finding> = {}): Finding {
  n += 1;
  return {
    ruleId: `rule-${n}`,
    severity,
    outcome: 'fail',
    subjectId,
    subjectKind: subjectId.startsWith('c-') ? 'credential' : 'identity',
    provider: 'aws',
    scopeId: '111122223333',
    scopeName: 'orbital',
    identityName: 'ci',
    identityExternalId: 'arn',
    credentialExternalId: null,
    message: `finding ${n}`,
    evidence: {},
    owasp: 'NHI1',
    cis: null,
    playbook: null,
    fingerprint: `fp-${String(n).padStart(4, '0')}`,
    points: SEVERITY_POINTS[severity],
    ...over,
  };
}

const byId = (scores: SubjectScore[]) => new Map(scores.map((s) => [s.subjectId, s]));

const subjects = (credentials: [string, string][], identities: string[] = []) => ({
  credentials: new Map(credentials),
  identities: [...new Set([...identities, ...credentials.map(([, i]) => i)])],
});

/** The recomputation the README describes: sum the listed points, cap at the band's top. */
function recompute(s: SubjectScore): number {
  return Math.min(
    BAND_RANGE[s.band].top,
    s.contributions.reduce((t, c) => t + c.points, 0),
  );
}

describe('score model', () => {
  it('bands share the severity words and each owns a range: 24 low, 25 medium, 49, 50 high, 74, 75 critical', () => {
    expect([...BANDS]).toEqual(['low', 'medium', 'high', 'critical']);
    expect([0, 24, 25, 49, 50, 74, 75, 100].map(band)).toEqual([
      'low',
      'low',
      'medium',
      'medium',
      'high',
      'high',
      'critical',
      'critical',
    ]);
  });

  it('one finding puts the subject at the bottom of its severity band plus its points', () => {
    const scores = byId(
      computeScores(
        [
          finding('c-crit', 'critical'),
          finding('c-high', 'high'),
          finding('c-med', 'medium'),
          finding('c-low', 'low'),
        ],
        subjects([
          ['c-crit', 'i-1'],
          ['c-high', 'i-2'],
          ['c-med', 'i-3'],
          ['c-low', 'i-4'],
        ]),
      ),
    );
    expect(scores.get('c-crit')).toMatchObject({ score: 83, band: 'critical' });
    expect(scores.get('c-high')).toMatchObject({ score: 54, band: 'high' });
    expect(scores.get('c-med')).toMatchObject({ score: 27, band: 'medium' });
    expect(scores.get('c-low')).toMatchObject({ score: 1, band: 'low' });
  });

  it('many medium findings order a subject higher inside the medium band but never above it', () => {
    const many = Array.from({ length: 30 }, () => finding('c-many', 'medium'));
    const s = byId(
      computeScores(
        [...many, finding('c-one', 'medium'), finding('c-high', 'high')],
        subjects([
          ['c-many', 'i-1'],
          ['c-one', 'i-2'],
          ['c-high', 'i-3'],
        ]),
      ),
    );
    expect(s.get('c-many')).toMatchObject({ score: 49, band: 'medium' });
    expect(s.get('c-one')!.score).toBeLessThan(s.get('c-many')!.score);
    expect(s.get('c-high')!.score).toBeGreaterThan(s.get('c-many')!.score);
  });

  it('within a band, a worse second finding scores higher than a milder one', () => {
    const s = byId(
      computeScores(
        [
          finding('c-a', 'high'),
          finding('c-a', 'high'),
          finding('c-b', 'high'),
          finding('c-b', 'medium'),
          finding('c-c', 'high'),
          finding('c-c', 'low'),
        ],
        subjects([
          ['c-a', 'i-a'],
          ['c-b', 'i-b'],
          ['c-c', 'i-c'],
        ]),
      ),
    );
    expect(s.get('c-a')!.score).toBeGreaterThan(s.get('c-b')!.score);
    expect(s.get('c-b')!.score).toBeGreaterThan(s.get('c-c')!.score);
  });

  it('every present subject is scored: clean ones 0 and low, never missing', () => {
    const s = byId(computeScores([], subjects([['c-clean', 'i-clean']], ['i-lonely'])));
    expect(s.get('c-clean')).toMatchObject({ score: 0, band: 'low', contributions: [] });
    expect(s.get('i-clean')).toMatchObject({ score: 0, band: 'low' });
    expect(s.get('i-lonely')).toMatchObject({ score: 0, band: 'low' });
  });

  it('an identity takes the credential that scores highest with its own findings, listed so it can be recomputed', () => {
    const scores = byId(
      computeScores(
        [
          finding('c-1', 'high'),
          finding('c-1', 'medium'),
          finding('c-2', 'critical'),
          finding('i-1', 'low'),
        ],
        subjects([
          ['c-1', 'i-1'],
          ['c-2', 'i-1'],
        ]),
      ),
    );
    expect(scores.get('c-1')).toMatchObject({ score: 56, band: 'high' });
    expect(scores.get('c-2')).toMatchObject({ score: 83, band: 'critical' });
    const identity = scores.get('i-1')!;
    // bottom of critical 75 + critical 8 + own low 1
    expect(identity).toMatchObject({ score: 84, band: 'critical' });
    expect(identity.contributions.map((c) => c.points)).toEqual([75, 8, 1]);
    expect(recompute(identity)).toBe(84);
  });

  it('an identity whose critical finding is on its root key is in the critical band', () => {
    const s = byId(
      computeScores(
        [finding('c-root', 'critical', { ruleId: 'root-access-key' })],
        subjects([['c-root', 'i-root']]),
      ),
    );
    expect(s.get('i-root')).toMatchObject({ band: 'critical' });
  });

  it('not-evaluated and info findings add nothing', () => {
    const s = byId(
      computeScores(
        [
          finding('c-5', 'info', { outcome: 'not-evaluated', points: 0 }),
          finding('c-5', 'info', { points: 0 }),
        ],
        subjects([['c-5', 'i-5']]),
      ),
    );
    expect(s.get('c-5')).toMatchObject({ score: 0, band: 'low', contributions: [] });
    expect(s.get('i-5')).toMatchObject({ score: 0 });
  });

  it('property (seeded): monotonic, band never below the worst finding, recomputable, 0–100', () => {
    let seed = 42;
    const rand = (k: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % k;
    };
    const severities: Severity[] = ['critical', 'high', 'medium', 'low', 'info'];
    const credToIdentity: [string, string][] = [0, 1, 2, 3, 4, 5].map((k) => [
      `c-${k}`,
      `i-${k % 3}`,
    ]);
    const who = subjects(credToIdentity);
    const all = [...who.credentials.keys(), 'i-0', 'i-1', 'i-2'];
    for (let round = 0; round < 400; round += 1) {
      const base = Array.from({ length: rand(12) }, () =>
        finding(all[rand(all.length)]!, severities[rand(severities.length)]!),
      );
      const extra = finding(all[rand(all.length)]!, severities[rand(severities.length)]!);
      const before = byId(computeScores(base, who));
      const after = byId(computeScores([...base, extra], who));
      for (const [id, s] of before) expect(after.get(id)!.score).toBeGreaterThanOrEqual(s.score);
      for (const s of after.values()) {
        expect(s.score).toBeGreaterThanOrEqual(0);
        expect(s.score).toBeLessThanOrEqual(100);
        expect(s.band).toBe(band(s.score));
        expect(recompute(s)).toBe(s.score);
        // The worst finding on the subject (and, for an identity, on any of its credentials).
        const related = [...base, extra].filter(
          (f) =>
            f.outcome === 'fail' &&
            (f.subjectId === s.subjectId || who.credentials.get(f.subjectId) === s.subjectId),
        );
        for (const f of related) {
          expect(SEVERITY_RANK[s.band], `${s.subjectId} vs ${f.severity}`).toBeGreaterThanOrEqual(
            SEVERITY_RANK[bandOfSeverity(f.severity)],
          );
        }
      }
    }
  });
});
