import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fillSinkTemplate, safeName } from './sink-template.js';

describe('sink templates (remediate --sink)', () => {
  it('reduces provider-chosen names to safe ones', () => {
    expect(safeName('ci-bot')).toBe('ci-bot');
    expect(safeName('../../tmp/x')).toBe('tmp-x');
    expect(safeName('..')).toBe('unnamed');
    expect(safeName('a/b\\c d\u0000e\u001b[2J')).toBe('a-b-c-d-e-2J');
    expect(safeName('.hidden')).toBe('hidden');
    expect(safeName('x'.repeat(300))).toHaveLength(120);
  });

  it('keeps a file sink inside the directory the template names, whatever the identity is called', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nhi-tmpl-'));
    const spec = fillSinkTemplate(
      `file:${dir}/{identity}-{credential}.env`,
      { identity: '../../tmp/x', credential: 'c-0123' },
      false,
    );
    expect(resolve(spec.target)).toBe(join(dir, 'tmp-x-c-0123.env'));
    const nested = fillSinkTemplate(
      `file:${dir}/keys/{identity}.env`,
      { identity: '/etc/passwd', credential: 'c-1' },
      false,
    );
    expect(resolve(nested.target)).toBe(join(dir, 'keys', 'etc-passwd.env'));
  });

  it('refuses a path that would leave the sink directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nhi-tmpl-'));
    // The template itself walks out after the placeholder: refused, not followed.
    expect(() =>
      fillSinkTemplate(
        `file:${dir}/{identity}/../../../etc/x`,
        { identity: 'a', credential: 'c' },
        false,
      ),
    ).toThrow(/outside .*: refused/);
  });

  it('fills other sinks with safe names too', () => {
    expect(
      fillSinkTemplate(
        'aws-secrets-manager:prod/{identity}',
        { identity: 'ci/../bot', credential: 'c' },
        false,
      ).target,
    ).toBe('prod/ci-.-bot');
  });
});
