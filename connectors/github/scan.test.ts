import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/connector/index.js';
import { newGaps, refusal, type Signal } from './scan.js';

const gap = (signal: string, code = '403') => ({ signal, code, message: '', fix: null });

/** The record kinds a scope with these refusals leaves incomplete, through the scan's own path. */
function incompleteKinds(gaps: ReturnType<typeof gap>[]) {
  const collector = newGaps();
  for (const g of gaps) {
    const status = Number(g.code);
    const e = new ApiError({
      provider: 'github',
      operation: 'GET /x',
      kind: status === 404 ? 'not-found' : 'denied',
      status,
    });
    refusal(collector, g.signal as Signal, e, { org: 'acme', authKind: 'token' });
  }
  return collector.incomplete();
}

describe('incompleteKinds: what the catalog must not mark removed', () => {
  it.each([
    [[], []],
    [[gap('credential-authorizations', '404')], []],
    [[gap('credential-authorizations', '403')], ['identities', 'credentials', 'grants']],
    [[gap('org-actions-secrets')], ['credentials']],
    [[gap('repo-webhooks'), gap('org-dependabot-secrets')], ['credentials']],
    [[gap('deploy-keys')], ['credentials', 'grants']],
    [[gap('environments')], ['identities', 'credentials']],
    [[gap('fine-grained-pats')], ['identities', 'credentials', 'grants']],
    // An unknown App owner hides an attribute, not a record: removals still count.
    [[gap('app-owners', '404')], []],
    [[gap('app-owners'), gap('org-webhooks')], ['credentials']],
  ])('%j -> %j', (gaps, expected) => {
    expect(incompleteKinds(gaps)).toEqual(expected);
  });

  it('anything but a refusal is not a gap: it fails the scope', () => {
    const e = new ApiError({
      provider: 'github',
      operation: 'GET /x',
      kind: 'off-origin',
      code: 'OffOrigin',
    });
    expect(() => refusal(newGaps(), 'deploy-keys', e, { org: 'acme', authKind: 'app' })).toThrow(e);
  });
});
