/**
 * The demo's verdict is the same whatever the millisecond a scan starts at. Its ages are whole
 * days before the scan's clock, and GitHub, AWS and OpenAI timestamps have no milliseconds: on
 * a clock at .000 a key made 90 days ago was exactly 90 days old, on any other it was older,
 * and one scan in a thousand said "279 medium" instead of "280".
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nhi, scrubbedEnv, tempDir } from './run-cli.js';

/** A preload that sets the milliseconds of every `new Date()` without arguments. */
function clockAt(ms: number): string {
  const file = join(tempDir(), `clock-${ms}.cjs`);
  writeFileSync(
    file,
    `const D = Date;
globalThis.Date = class extends D {
  constructor(...a) { if (a.length) super(...a); else { const t = D.now(); super(t - (t % 1000) + ${ms}); } }
  static now() { return D.now(); }
};`,
  );
  return file;
}

async function demoFindings(ms: number): Promise<Record<string, number>> {
  const catalog = join(tempDir(), 'demo.db');
  const r = await nhi(['scan', '--demo', '--json', '--catalog', catalog], {
    env: scrubbedEnv({ NODE_OPTIONS: `--require ${clockAt(ms)}` }),
  });
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { findings: Record<string, number> }).findings;
}

describe('the demo estate', () => {
  it('gets one verdict whatever the millisecond the scan starts at', async () => {
    const [onTheSecond, late] = await Promise.all([demoFindings(0), demoFindings(999)]);
    expect(late).toEqual(onTheSecond);
    expect(onTheSecond.medium).toBeGreaterThan(0);
  }, 120_000);
});
