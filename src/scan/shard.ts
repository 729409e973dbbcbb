/**
 * Sharding a scan across CI runners: `--shard i/n` keeps the scopes whose stable hash falls
 * in shard i of n. The assignment depends only on (provider, scope id), so every runner of a
 * matrix agrees on it without talking to the others; adding an account moves no other one
 * (changing n does).
 */
import { createHash } from 'node:crypto';
import { UserError } from '../connector/index.js';

export interface Shard {
  /** 1-based, as a CI matrix counts. */
  index: number;
  count: number;
}

export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || count > 4096 || index < 1 || index > count) {
    throw new UserError(`--shard ${text}: expected i/n with 1 <= i <= n <= 4096 (e.g. 3/16)`);
  }
  return { index, count };
}

/** Which shard (1-based) a scope belongs to among `count`. */
export function shardOf(provider: string, scopeId: string, count: number): number {
  const h = createHash('sha256').update(`${provider}/${scopeId}`).digest();
  return (h.readUInt32BE(0) % count) + 1;
}

export function inShard(shard: Shard | undefined, provider: string, scopeId: string): boolean {
  // '*' is a provider-level failure: every shard records its own.
  return !shard || scopeId === '*' || shardOf(provider, scopeId, shard.count) === shard.index;
}
