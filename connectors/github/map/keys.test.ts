import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mapDeployKeys, sshFingerprint } from './keys.js';

/** An OpenSSH public key line for a fresh ed25519 key. */
function ed25519PublicKey(): string {
  const { publicKey } = generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const type = Buffer.from('ssh-ed25519');
  const len = (b: Buffer) => Buffer.from([0, 0, 0, b.length]);
  return `ssh-ed25519 ${Buffer.concat([len(type), type, len(raw), raw]).toString('base64')} ci@example`;
}

function sshKeygenFingerprint(line: string): string | null {
  try {
    const file = join(mkdtempSync(join(tmpdir(), 'nhi-fp-')), 'key.pub');
    writeFileSync(file, `${line}\n`);
    return execFileSync('ssh-keygen', ['-lf', file], { encoding: 'utf8' }).split(' ')[1]!;
  } catch {
    return null; // no ssh-keygen on this machine: the format checks below still run
  }
}

describe('sshFingerprint', () => {
  it('is the SHA256 fingerprint ssh-keygen and GitHub print', () => {
    const line = ed25519PublicKey();
    const fp = sshFingerprint(line);
    expect(fp).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    const expected = sshKeygenFingerprint(line);
    if (expected) expect(fp).toBe(expected);
  });

  it.each(['', 'ssh-ed25519', 'ssh-ed25519 not*base64', 'ssh-rsa AAAA'])(
    'is null for %j',
    (line) => {
      expect(sshFingerprint(line)).toBeNull();
    },
  );

  it('becomes the deploy key handle; without a key, the handle is the key id', () => {
    const line = ed25519PublicKey();
    const base = { title: 'ci', read_only: true, created_at: '2026-01-01T00:00:00Z' };
    const [withKey, without] = mapDeployKeys('a/b', [
      { ...base, id: 1, key: line },
      { ...base, id: 2 },
    ]).credentials;
    expect(withKey!.attributes).toMatchObject({
      handle: sshFingerprint(line),
      fingerprint: sshFingerprint(line),
    });
    expect(without!.attributes.handle).toBe('deploy key 2');
  });
});
