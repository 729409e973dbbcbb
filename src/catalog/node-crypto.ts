import type * as Crypto from 'node:crypto';
import { createRequire } from 'node:module';

let loaded: typeof Crypto | undefined;

/**
 * node:crypto, loaded on first use: loading it costs a process ~8 ms, and the catalog modules
 * that hash (ids, the audit chain) are loaded by every view, which mostly never hashes.
 */
export function nodeCrypto(): typeof Crypto {
  return (loaded ??= createRequire(import.meta.url)('node:crypto') as typeof Crypto);
}
