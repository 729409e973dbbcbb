import { describe, expect, it } from 'vitest';
import { incompleteKinds } from './scan.js';

const gap = (signal: string, code = '403') => ({ signal, code, message: '', fix: null });

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
});
