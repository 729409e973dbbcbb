/** Attribution per source, precedence and confidence: the strongest signal wins, and says why. */
import { describe, expect, it } from 'vitest';
import type { OwnerCandidate, StoredCredential, StoredIdentity } from '../model/index.js';
import { Attributor, ownerLabel, rank } from './attribute.js';
import type { OwnershipRule } from './map.js';

function identity(over: Partial<StoredIdentity> = {}): StoredIdentity {
  return {
    id: 'i-1',
    provider: 'aws',
    scopeId: '111122223333',
    scopeName: 'prod',
    firstSeenRun: 1,
    lastSeenRun: 1,
    removedRun: null,
    externalId: 'arn:aws:iam::111122223333:user/ci-bot',
    name: 'ci-bot',
    kind: 'user',
    owner: null,
    createdAt: null,
    tags: {},
    attributes: {},
    lastUsedAt: null,
    lastUsedKnown: true,
    ...over,
  };
}

function credential(over: Partial<StoredCredential> = {}): StoredCredential {
  return {
    id: 'c-1',
    identityId: 'i-1',
    provider: 'aws',
    scopeId: '111122223333',
    scopeName: 'prod',
    firstSeenRun: 1,
    lastSeenRun: 1,
    removedRun: null,
    externalId: 'AKIA1',
    identityExternalId: 'arn:aws:iam::111122223333:user/ci-bot',
    type: 'access-key',
    name: null,
    status: 'active',
    createdAt: null,
    expiresAt: null,
    attributes: {},
    lastUsedAt: null,
    lastUsedKnown: true,
    ...over,
  };
}

const rule = (r: Omit<OwnershipRule, 'source'>, line = 1): OwnershipRule => ({
  ...r,
  source: `nhi.config.yaml:${line}:5`,
});

describe('attribution by source', () => {
  it.each([
    [
      'AWS owner and team tags',
      identity({ tags: { owner: 'alice', team: 'platform' } }),
      { owner: 'alice', team: 'platform', source: 'tag', via: 'tag owner, tag team', owned: true },
    ],
    [
      'a team tag alone owns it by team',
      identity({ tags: { team: 'data' } }),
      { owner: null, team: 'data', source: 'tag', owned: true },
    ],
    [
      'Entra app owners (attributes.owners)',
      identity({
        provider: 'azure',
        kind: 'application',
        attributes: { owners: ['tom', 'amara'] },
      }),
      { owner: 'amara', source: 'provider-owner', via: 'azure owners', owned: true },
    ],
    [
      'the record’s owner field',
      identity({ owner: 'ravi' }),
      { owner: 'ravi', source: 'provider-owner', via: 'aws owner', owned: true },
    ],
    [
      'a declared candidate (the connector contract)',
      identity({
        attributes: {
          ownerCandidates: [
            {
              owner: 'mei',
              source: 'creation-event',
              via: 'CloudTrail CreateUser',
              confidence: 'medium',
            },
          ],
        },
      }),
      { owner: 'mei', source: 'creation-event', via: 'CloudTrail CreateUser', owned: false },
    ],
    ['nothing at all', identity(), { owner: null, team: null, source: null, owned: false }],
  ])('%s', (_name, i, expected) => {
    expect(new Attributor().identity(i)).toMatchObject(expected);
  });

  it('a deploy key’s added_by is a candidate (medium), not an owner', () => {
    const repo = identity({ provider: 'github', kind: 'repository', name: 'acme/api' });
    const key = credential({
      provider: 'github',
      type: 'deploy-key',
      name: 'ci deploy',
      attributes: { addedBy: 'octocat' },
    });
    const a = new Attributor().credential(key, repo);
    expect(a).toMatchObject({
      owner: 'octocat',
      source: 'creator',
      confidence: 'medium',
      owned: false,
    });
    expect(a.purpose).toBe('ci deploy');
    expect(ownerLabel(a)).toBe('octocat?');
  });

  it('an AI key owner who left is departed', () => {
    const key = credential({
      provider: 'openai',
      type: 'api-key',
      attributes: { ownerEmail: 'bo@x.io', ownerDeparted: true },
    });
    const a = new Attributor().credential(
      key,
      identity({ provider: 'openai', kind: 'project', name: 'p' }),
    );
    expect(a).toMatchObject({ owner: 'bo@x.io', departed: true, owned: true });
    expect(ownerLabel(a)).toBe('bo@x.io [departed]');
  });
});

describe('precedence and confidence', () => {
  it('the ownership map beats a tag, a tag beats a provider owner, high beats medium', () => {
    const cands: OwnerCandidate[] = [
      { owner: 'creator', source: 'creator', via: 'x', confidence: 'medium' },
      { owner: 'prov', source: 'provider-owner', via: 'x', confidence: 'high' },
      { owner: 'tagged', source: 'tag', via: 'x', confidence: 'high' },
      { owner: 'mapped', source: 'ownership-map', via: 'x', confidence: 'high' },
      { owner: 'guess', source: 'convention', via: 'x', confidence: 'low' },
    ];
    expect(rank(cands).map((c) => c.owner)).toEqual([
      'mapped',
      'tagged',
      'prov',
      'creator',
      'guess',
    ]);
  });

  it('a confident provider owner beats a medium-confidence map-free creator', () => {
    const a = new Attributor().credential(
      credential({ attributes: { addedBy: 'someone' } }),
      identity({ tags: { owner: 'alice' } }),
    );
    expect(a.owner).toBe('alice');
    expect(a.candidates.map((c) => c.owner)).toEqual(['alice', 'someone']);
  });

  it('the map: every pattern must match, the last matching rule wins, purpose separately', () => {
    const rules = [
      rule({ match: { provider: 'aws' }, team: 'cloud' }, 1),
      rule({ match: { name: 'ci-*', tag: 'env=prod' }, owner: 'alice', team: 'platform' }, 2),
      rule({ match: { name: 'ci-*', tag: 'env=dev' }, owner: 'bob' }, 3),
      rule({ match: { path: '/service/*' }, purpose: 'service users' }, 4),
    ];
    const at = new Attributor(rules);
    const prod = at.identity(
      identity({
        id: 'i-a',
        tags: { env: 'prod', owner: 'tagged' },
        attributes: { path: '/service/ci/', description: 'CI' },
      }),
    );
    expect(prod).toMatchObject({
      owner: 'alice',
      team: 'platform',
      source: 'ownership-map',
      via: 'owners.map at nhi.config.yaml:2:5',
    });
    expect(prod.purpose).toBe('service users');
    expect(prod.candidates.map((c) => c.owner)).toEqual(['alice', 'tagged']);
    const other = at.identity(identity({ id: 'i-b', name: 'batch', tags: { env: 'prod' } }));
    expect(other).toMatchObject({ owner: null, team: 'cloud', owned: true });
    expect(other.purpose).toBeNull();
  });

  it('purpose: description, then key name, then IAM path', () => {
    const at = new Attributor();
    expect(
      at.identity(
        identity({ id: 'x1', attributes: { description: 'ships invoices', path: '/a/' } }),
      ).purpose,
    ).toBe('ships invoices');
    expect(
      at.identity(identity({ id: 'x2', attributes: { path: '/service/data/' } })).purposeVia,
    ).toBe('path');
    expect(at.identity(identity({ id: 'x3', attributes: { path: '/' } })).purpose).toBeNull();
  });
});
