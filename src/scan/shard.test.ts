import { describe, expect, it } from 'vitest';
import { inShard, parseShard, shardOf } from './shard.js';

describe('--shard i/n', () => {
  it('parses i/n and refuses anything else in one line', () => {
    expect(parseShard('3/16')).toEqual({ index: 3, count: 16 });
    expect(parseShard('1/1')).toEqual({ index: 1, count: 1 });
    for (const bad of ['0/4', '5/4', '3', '3/0', 'a/b', '-1/4', '1/4097'])
      expect(() => parseShard(bad)).toThrow(/expected i\/n with 1 <= i <= n <= 4096/);
  });

  it('puts every scope in exactly one shard, stably, and spreads them', () => {
    const ids = Array.from({ length: 1000 }, (_, i) => String(100000000000 + i));
    const counts = new Array<number>(16).fill(0);
    for (const id of ids) {
      const s = shardOf('aws', id, 16);
      expect(s).toBe(shardOf('aws', id, 16));
      const owners = Array.from({ length: 16 }, (_, i) =>
        inShard({ index: i + 1, count: 16 }, 'aws', id),
      ).filter(Boolean);
      expect(owners).toHaveLength(1);
      counts[s - 1]! += 1;
    }
    // 1000 over 16 shards: about 62 each; none empty or doubled.
    expect(Math.min(...counts)).toBeGreaterThan(35);
    expect(Math.max(...counts)).toBeLessThan(95);
    // The same account id under another provider is another scope.
    expect(ids.some((id) => shardOf('github', id, 16) !== shardOf('aws', id, 16))).toBe(true);
  });

  it("keeps a provider-level failure ('*') in every shard, and everything without --shard", () => {
    expect(inShard({ index: 2, count: 8 }, 'aws', '*')).toBe(true);
    expect(inShard(undefined, 'aws', '123')).toBe(true);
  });
});
