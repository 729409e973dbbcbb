import { describe, expect, it } from 'vitest';
import type { Finding, Severity } from '../model/index.js';
import { SEVERITY_POINTS, band, computeScores } from './score.js';

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

const byId = (scores: ReturnType<typeof computeScores>) =>
  new Map(scores.map((s) => [s.subjectId, s]));

describe('score formula', () => {
  it('bands: 33 low, 34 medium, 66 medium, 67 high', () => {
    expect([0, 33, 34, 66, 67, 100].map(band)).toEqual([
      'low',
      'low',
      'medium',
      'medium',
      'high',
      'high',
    ]);
  });

  it('credential = sum of its findings; identity = own + its worst credential; both recomputable', () => {
    const scores = byId(
      computeScores(
        [
          finding('c-1', 'high'), // 25
          finding('c-1', 'medium'), // 10
          finding('c-2', 'critical'), // 40
          finding('i-1', 'low'), // 3
        ],
        new Map([
          ['c-1', 'i-1'],
          ['c-2', 'i-1'],
        ]),
      ),
    );
    expect(scores.get('c-1')).toMatchObject({ score: 35, band: 'medium' });
    expect(scores.get('c-2')).toMatchObject({ score: 40, band: 'medium' });
    const identity = scores.get('i-1')!;
    expect(identity.score).toBe(43);
    // A person re-adds the listed contributions and gets the score.
    expect(identity.contributions.reduce((s, c) => s + c.points, 0)).toBe(43);
    expect(identity.contributions.map((c) => c.points)).toEqual([3, 40]);
  });

  it('is capped at 100 and the cap is visible (contributions may sum higher)', () => {
    const fs = [1, 2, 3].map(() => finding('c-9', 'critical'));
    const s = byId(computeScores(fs, new Map()));
    expect(s.get('c-9')).toMatchObject({ score: 100, band: 'high' });
  });

  it('not-evaluated findings add nothing but the subject is still listed', () => {
    const s = byId(
      computeScores(
        [finding('c-5', 'info', { outcome: 'not-evaluated', points: 0 })],
        new Map([['c-5', 'i-5']]),
      ),
    );
    expect(s.get('c-5')).toMatchObject({ score: 0, band: 'low', contributions: [] });
    expect(s.get('i-5')).toMatchObject({ score: 0 });
  });

  it('is monotonic: adding any finding never lowers any score (property test, seeded)', () => {
    let seed = 42;
    const rand = (k: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % k;
    };
    const severities: Severity[] = ['critical', 'high', 'medium', 'low', 'info'];
    const credToIdentity = new Map([0, 1, 2, 3, 4, 5].map((k) => [`c-${k}`, `i-${k % 3}`]));
    const subjects = [...credToIdentity.keys(), 'i-0', 'i-1', 'i-2'];
    for (let round = 0; round < 300; round += 1) {
      const base = Array.from({ length: rand(8) }, () =>
        finding(subjects[rand(subjects.length)]!, severities[rand(severities.length)]!),
      );
      const extra = finding(subjects[rand(subjects.length)]!, severities[rand(severities.length)]!);
      const before = byId(computeScores(base, credToIdentity));
      const after = byId(computeScores([...base, extra], credToIdentity));
      for (const [id, s] of before) expect(after.get(id)!.score).toBeGreaterThanOrEqual(s.score);
      for (const s of after.values()) {
        expect(s.score).toBeGreaterThanOrEqual(0);
        expect(s.score).toBeLessThanOrEqual(100);
        expect(s.score).toBe(
          Math.min(
            100,
            s.contributions.reduce((t, c) => t + c.points, 0),
          ),
        );
      }
    }
  });
});
