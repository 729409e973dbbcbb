import { describe, expect, it } from 'vitest';
import {
  chmodSync,
  mkdtempSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadActions } from '../../connector/registry.js';
import { deliveryOf } from '../../../fixtures/sink-delivery.js';
import { fileSink } from './file.js';
import { SINK_PROVIDERS } from './index.js';

const values = { AWS_ACCESS_KEY_ID: 'AKIANEW', AWS_SECRET_ACCESS_KEY: 'secret "with" # marks' };

describe('SINK_PROVIDERS', () => {
  it('names only schemes their connector really offers', async () => {
    for (const [scheme, provider] of Object.entries(SINK_PROVIDERS)) {
      const actions = await loadActions(provider);
      expect(Object.keys(actions.sinks), `${provider} offers ${scheme}`).toContain(scheme);
    }
  });
});

describe('file sink', () => {
  const dir = () => mkdtempSync(join(tmpdir(), 'nhi-file-sink-'));

  it('writes mode 0600 and verifies exactly this delivery by its keyed fingerprint', async () => {
    const path = join(dir(), 'k.env');
    const sink = fileSink(path, false);
    const d = deliveryOf(values);
    const receipt = await sink.put({ values }, d);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(await sink.verify(receipt, d)).toEqual({ ok: true });
    // Another delivery's fingerprint, or a world-readable file, does not verify.
    expect(
      await sink.verify(receipt, deliveryOf({ ...values, AWS_ACCESS_KEY_ID: 'AKIAOTHER' })),
    ).toMatchObject({
      ok: false,
      reason: /other values/,
    });
    chmodSync(path, 0o644);
    expect(await sink.verify(receipt, d)).toMatchObject({ ok: false, reason: /mode is 644/ });
    expect(readFileSync(path, 'utf8')).not.toContain(d.fingerprint);
  });

  it('replaces a file an earlier attempt of the same run wrote, and nothing else', async () => {
    const path = join(dir(), 'k.env');
    const first = deliveryOf(values);
    await fileSink(path, false).put({ values }, first);
    const next = { ...values, AWS_ACCESS_KEY_ID: 'AKIASECOND' };
    // A crash after the write: the next attempt finds the file and knows it is the run's own.
    const again = deliveryOf(next, { earlier: [first.fingerprint] });
    await fileSink(path, false).put({ values: next }, again);
    expect(readFileSync(path, 'utf8')).toContain('AKIASECOND');
    // A file this run never wrote is refused.
    const foreign = join(dir(), 'f.env');
    writeFileSync(foreign, 'KEEP=me\n');
    await expect(fileSink(foreign, false).put({ values }, deliveryOf(values))).rejects.toThrow(
      /already exists.*--overwrite-sink/,
    );
    expect(readFileSync(foreign, 'utf8')).toBe('KEEP=me\n');
  });

  it('refuses a symbolic link (it would write wherever the link points)', async () => {
    const d = dir();
    symlinkSync(join(d, 'elsewhere'), join(d, 'link.env'));
    const sink = fileSink(join(d, 'link.env'), true);
    expect(() => sink.preflight!()).toThrow(/is a symbolic link/);
    await expect(sink.put({ values }, deliveryOf(values))).rejects.toThrow(/is a symbolic link/);
  });
});
