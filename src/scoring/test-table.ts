/** Runs a rule's case table as vitest tests (imported only by *.test.ts files). */
import { describe, expect, it } from 'vitest';
import type { AnyRule } from './types.js';
import { runRule, type RuleCase } from './testing.js';

export function ruleTable(rule: AnyRule, cases: RuleCase[]): void {
  describe(rule.id, () => {
    it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
      const findings = runRule(rule, c.data(), c.policy);
      if (c.expect === 'pass') {
        expect(findings).toEqual([]);
        return;
      }
      const matching = findings.filter((f) => c.subject === undefined || f.subjectId === c.subject);
      expect(matching).toHaveLength(1);
      const f = matching[0]!;
      expect(f.outcome).toBe(c.expect);
      expect(f.ruleId).toBe(rule.id);
      if (c.expect === 'not-evaluated') {
        expect(f.severity).toBe('info');
        expect(f.points).toBe(0);
      } else {
        expect(f.points).toBeGreaterThan(0);
      }
      if (c.evidence) expect(f.evidence).toMatchObject(c.evidence);
      if (c.cis !== undefined) expect(f.cis).toBe(c.cis);
    });
  });
}
