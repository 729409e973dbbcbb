import { describe, expect, it } from 'vitest';
import { reportFixture } from './fixture.js';
import { COMPACT_ABOVE } from './json.js';
import { renderJson } from './index.js';

describe('renderJson on large estates', () => {
  it('switches to compact output past the threshold, with the same content', () => {
    const fx = reportFixture();
    const one = fx.findings[0]!;
    const many = Array.from({ length: COMPACT_ABOVE + 1 }, (_, i) => ({
      ...one,
      fingerprint: `${one.fingerprint}-${i}`,
    }));
    const small = renderJson({ findings: many.slice(0, 10) });
    const big = renderJson({ findings: many });
    expect(small).toContain('\n  "findings"');
    expect(big.trimEnd()).not.toContain('\n');
    const doc = JSON.parse(big) as { findings: unknown[] };
    expect(doc.findings).toHaveLength(COMPACT_ABOVE + 1);
  });
});
