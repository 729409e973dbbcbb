/** The handles a person finds an Entra credential by, and thumbprints as the portal shows them. */
import { describe, expect, it } from 'vitest';
import { mapKeyCredential, mapPasswordCredential, thumbprintOf } from './credentials.js';

const NOW = new Date('2026-11-01T12:00:00Z');
const ref = { origin: 'application', objectId: 'obj', appId: 'app' } as const;

describe('credential handles', () => {
  it('a client secret: its hint and secret id (keyId), never more of the secret', () => {
    const c = mapPasswordCredential(
      { keyId: 'k-1', displayName: 'ci', hint: 'Ab3', startDateTime: null, endDateTime: null },
      'i',
      ref,
      NOW,
      null,
    );
    expect(c.attributes).toMatchObject({ hint: 'Ab3', handle: 'Ab3… · k-1' });
    const noHint = mapPasswordCredential({ keyId: 'k-2', hint: null }, 'i', ref, NOW, null);
    expect(noHint.attributes.handle).toBe('k-2');
  });

  it('a certificate: its thumbprint in hex (Graph sends base64 bytes) and keyId', () => {
    const hex = 'A9993E364706816ABA3E25717850C26C9CD0D89D';
    const b64 = Buffer.from(hex, 'hex').toString('base64');
    const c = mapKeyCredential({ keyId: 'k-3', customKeyIdentifier: b64 }, 'i', ref, NOW, null);
    expect(c.attributes).toMatchObject({ thumbprint: hex, handle: `${hex} · k-3` });
    expect(thumbprintOf(hex.toLowerCase())).toBe(hex);
    expect(thumbprintOf('bm90IGEgdGh1bWJwcmludA==')).toBeNull();
    expect(mapKeyCredential({ keyId: 'k-4' }, 'i', ref, NOW, null).attributes.handle).toBe('k-4');
  });
});
