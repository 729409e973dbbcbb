import type { ProviderId } from '../model/index.js';
import { nodeCrypto } from './node-crypto.js';

// The one-shot digest (Node 20.12+) is three times cheaper per id than a Hash object, and a
// scan computes one per row it writes (bench/catalog); same bytes either way. Chosen on first
// use, so a view that never hashes never loads node:crypto.
let digest: ((text: string) => string) | undefined;
function sha256hex(text: string): string {
  if (!digest) {
    const crypto = nodeCrypto();
    digest =
      typeof crypto.hash === 'function'
        ? (t) => crypto.hash('sha256', t, 'hex')
        : (t) => crypto.createHash('sha256').update(t).digest('hex');
  }
  return digest(text);
}

export type EntityPrefix = 'i' | 'c' | 'g';

/**
 * Short ids users can type (`c-3fa9b2c1d04e`): stable across scans because they derive from
 * the provider's own identifiers, and unique enough for any single organisation's estate.
 */
export function entityId(
  prefix: EntityPrefix,
  provider: ProviderId,
  scopeId: string,
  externalId: string,
): string {
  return `${prefix}-${sha256hex(`${provider}\0${scopeId}\0${externalId}`).slice(0, 12)}`;
}
