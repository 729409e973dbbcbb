import { describe, expect, it } from 'vitest';
import { reportFixture } from './fixture.js';
import { renderJson } from './index.js';

describe('renderJson on large estates', () => {
  it('writes the same indented document at any size: no compact switch past a threshold', () => {
    const fx = reportFixture();
    const one = fx.findings[0]!;
    const many = Array.from({ length: 20_001 }, (_, i) => ({
      ...one,
      fingerprint: `${one.fingerprint}-${i}`,
    }));
    const big = renderJson({ findings: many });
    expect(big).toContain('\n  "findings": [\n    {\n      "fingerprint"');
    const doc = JSON.parse(big) as { findings: unknown[] };
    expect(doc.findings).toHaveLength(20_001);
    expect(big).toBe(`${JSON.stringify(doc, null, 2)}\n`);
  });
});
