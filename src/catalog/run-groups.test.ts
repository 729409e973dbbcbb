import { describe, expect, it } from 'vitest';
import { backends } from '../../fixtures/backends.js';
import { openStore } from './index.js';
import { runGroupOf } from './run-groups.js';

const now = new Date('2026-11-01T00:00:00Z');

describe('runGroupOf', () => {
  it('takes the flag, then NHI_RUN_GROUP, then the GitHub Actions run; else none', () => {
    const actions = {
      GITHUB_ACTIONS: 'true',
      GITHUB_RUN_ID: '42',
      GITHUB_RUN_ATTEMPT: '2',
      GITHUB_REPOSITORY: 'acme/infra',
    };
    expect(runGroupOf('nightly', { ...actions, NHI_RUN_GROUP: 'env' })).toBe('nightly');
    expect(runGroupOf(undefined, { ...actions, NHI_RUN_GROUP: 'env' })).toBe('env');
    expect(runGroupOf(undefined, actions)).toBe('github:acme/infra:42:2');
    expect(runGroupOf(undefined, {})).toBeNull();
    expect(runGroupOf('  ', {})).toBeNull();
  });
});

describe.each(backends)('run groups ($name)', (backend) => {
  it.skipIf(backend.skip)(
    'views read a group once none of its runs is running, as its newest run',
    async () => {
      const store = await openStore(await backend.fresh());
      try {
        const begin = (group: string | null) =>
          store.beginRun({ providers: ['aws'], demo: false, version: 't', now, group });
        const alone = await begin(null);
        await store.finishRun(alone, 'ok', now);
        const a = await begin('g1');
        const b = await begin('g1');
        await store.finishRun(b, 'ok', now);
        // One shard still runs: the group is not readable, the scan before it is.
        expect((await store.latestRun())!.id).toBe(alone);
        expect(await store.groupHead(b)).toBeNull();
        await store.finishRun(a, 'partial', now);
        expect((await store.latestRun())!.id).toBe(b);
        expect((await store.groupHead(a))!.id).toBe(b);
        expect((await store.previousRun(b))!.id).toBe(alone);
        expect((await store.groupHead(alone))!.id).toBe(alone);
        expect((await store.postureRuns({ demo: false, toRun: b })).map((r) => r.id)).toEqual([
          b,
          alone,
        ]);
      } finally {
        await store.close();
      }
    },
  );
});
