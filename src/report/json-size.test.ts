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

describe('renderJson on hostile strings', () => {
  it('escapes C1, bidi and separator characters in every streamed element, exactly', () => {
    const fx = reportFixture();
    const name = 'svc\u202e\u0085\u2028\u001b]52;c;x\u0007-bot';
    const findings = fx.findings.map((f) => ({ ...f, identityName: name }));
    const text = renderJson({ findings });
    // eslint-disable-next-line no-control-regex -- control characters are what it looks for
    expect(text).not.toMatch(/[\u0080-\u009f\u2028\u202e\u001b\u0007]/);
    expect(text).toContain('"identityName": "svc\\u202e\\u0085\\u2028\\u001b]52;c;x\\u0007-bot"');
    const doc = JSON.parse(text) as { findings: { identityName: string }[] };
    expect(doc.findings.map((f) => f.identityName)).toEqual(findings.map(() => name));
  });
});

describe('renderJson on text that is all ASCII', () => {
  it('still escapes DEL, the one control JSON.stringify leaves raw in ASCII text', () => {
    const fx = reportFixture();
    const findings = fx.findings.map((f) => ({ ...f, identityName: 'svc\u007f-bot' }));
    const text = renderJson({ findings });
    expect(text).not.toContain('\u007f');
    expect(text).toContain('"identityName": "svc\\u007f-bot"');
    const doc = JSON.parse(text) as { findings: { identityName: string }[] };
    expect(doc.findings[0]!.identityName).toBe('svc\u007f-bot');
  });
});
