/**
 * GitHub owner signals against the stand-in, with the real Octokit: CODEOWNERS (each of its
 * three places, read only for repositories holding secrets or deploy keys), custom properties
 * and organization membership, ranked by src/owners as views rank them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { makeTestContext } from '../../src/connector/testing.js';
import type { Credential, Identity, ScopeInventory, ScopeResult } from '../../src/model/index.js';
import { attribution } from '../../src/owners/attribute.js';
import { credentialCandidates, identityCandidates } from '../../src/owners/signals.js';
import { connector } from '../../connectors/github/index.js';
import { denied } from '../../connectors/github/stand-in/faults.js';
import { emptyOrg, emptyRepo, type GitHubEstate } from '../../connectors/github/stand-in/estate.js';
import { startGitHubStandIn, type GitHubStandIn } from '../../connectors/github/stand-in/server.js';

const NOW = new Date('2026-11-01T12:00:00Z');
const DAY = '2026-06-01T00:00:00Z';
let standIn: GitHubStandIn | null = null;

afterEach(async () => {
  await standIn?.close();
  standIn = null;
});

function estate(): GitHubEstate {
  const org = emptyOrg(1, 'acme', DAY);
  org.ghec = true;
  const api = emptyRepo(11, 'api', DAY);
  api.actionsSecrets.push({ name: 'NPM_TOKEN', createdAt: DAY, updatedAt: DAY });
  api.deployKeys.push({
    id: 501,
    title: 'argo',
    readOnly: false,
    addedBy: 'old-hand',
    createdAt: DAY,
    lastUsed: DAY,
    enabled: true,
  });
  api.codeowners = {
    path: '.github/CODEOWNERS',
    text: '*  @acme/backend\n/.github/workflows/ @acme/platform @carol\n',
  };
  const docs = emptyRepo(12, 'docs', DAY);
  docs.deployKeys.push({
    id: 502,
    title: 'pages',
    readOnly: true,
    addedBy: 'dave',
    createdAt: DAY,
    lastUsed: DAY,
    enabled: true,
  });
  docs.codeowners = { path: 'docs/CODEOWNERS', text: '* @erin\n' };
  const billing = emptyRepo(13, 'billing', DAY);
  billing.actionsSecrets.push({ name: 'STRIPE_KEY', createdAt: DAY, updatedAt: DAY });
  billing.properties = { team: 'payments', owner: 'frank', tier: ['gold', 'pci'] };
  const empty = emptyRepo(14, 'empty', DAY);
  empty.codeowners = { path: 'CODEOWNERS', text: '* @nobody\n' };
  org.repos.push(api, docs, billing, empty);
  org.patGrants.push({
    id: 9001,
    tokenId: 9101,
    tokenName: 'leaver-bot',
    owner: { login: 'old-hand', id: 42 },
    repositorySelection: 'all',
    permissions: { repository: { contents: 'write' } },
    accessGrantedAt: DAY,
    tokenExpiresAt: null,
    tokenLastUsedAt: DAY,
    tokenExpired: false,
  });
  org.members = ['carol', 'dave', 'erin', 'frank'];
  return { orgs: [org] };
}

async function scan(e: GitHubEstate, prepare?: (s: GitHubStandIn) => void) {
  standIn = await startGitHubStandIn({ estate: e });
  prepare?.(standIn);
  const ctx = makeTestContext({
    now: NOW,
    options: { orgs: ['acme'], apiUrl: standIn.url, retryAfterBaseValue: 1 },
    env: { GITHUB_TOKEN: 'ghs_installationTokenForOwnerTests00000000' },
  });
  const results: ScopeResult[] = [];
  for await (const r of connector.discover(ctx)) results.push(r);
  const inv = results[0];
  if (inv?.kind !== 'inventory') throw new Error(JSON.stringify(inv));
  return inv;
}

/** The winning attribution of a credential, as views compute it. */
function ownerOf(inv: ScopeInventory, externalId: string) {
  const c = inv.credentials.find((x) => x.externalId === externalId) as Credential;
  const i = inv.identities.find((x) => x.externalId === c.identityExternalId) as Identity;
  return attribution(
    [...credentialCandidates(c, 'github'), ...identityCandidates(i, 'github')],
    null,
  );
}

describe('GitHub owner signals', () => {
  it('CODEOWNERS: secrets get the workflow owners, deploy keys the repository-wide ones', async () => {
    const inv = await scan(estate());
    const secret = ownerOf(inv, 'actions-secret:acme/api:NPM_TOKEN');
    expect(secret.candidates.filter((c) => c.source === 'codeowners')).toEqual([
      expect.objectContaining({ team: 'acme/platform', owner: null }),
      expect.objectContaining({ owner: 'carol', confidence: 'medium', departed: false }),
    ]);
    expect(secret).toMatchObject({
      owner: 'carol',
      team: 'acme/platform',
      via: '.github/CODEOWNERS line 2 (/.github/workflows/)',
      owned: false,
    });
    const key = ownerOf(inv, 'deploy-key:acme/api:501');
    expect(key.candidates.map((c) => [c.source, c.owner ?? c.team])).toEqual([
      ['codeowners', 'acme/backend'],
      ['creator', 'old-hand'],
    ]);
    // docs/CODEOWNERS is found after the two places GitHub looks first answer 404.
    expect(ownerOf(inv, 'deploy-key:acme/docs:502')).toMatchObject({
      owner: 'erin',
      via: 'docs/CODEOWNERS line 1 (*)',
    });
  });

  it('reads CODEOWNERS only for repositories holding secrets or deploy keys', async () => {
    await scan(estate());
    const reads = standIn!.requests.filter((r) => r.path.includes('/contents/'));
    expect(reads.some((r) => r.path.startsWith('/repos/acme/empty/'))).toBe(false);
    // api: found at once; docs: three places; billing: none holds a file.
    expect(reads.map((r) => r.path).sort()).toEqual([
      '/repos/acme/api/contents/.github/CODEOWNERS',
      '/repos/acme/billing/contents/.github/CODEOWNERS',
      '/repos/acme/billing/contents/CODEOWNERS',
      '/repos/acme/billing/contents/docs/CODEOWNERS',
      '/repos/acme/docs/contents/.github/CODEOWNERS',
      '/repos/acme/docs/contents/CODEOWNERS',
      '/repos/acme/docs/contents/docs/CODEOWNERS',
    ]);
  });

  it('custom properties owner/team make the repository’s credentials owned (high)', async () => {
    const inv = await scan(estate());
    const repo = inv.identities.find((i) => i.externalId === 'repo:acme/billing')!;
    expect(attribution(identityCandidates(repo, 'github'), null)).toMatchObject({
      owner: 'frank',
      team: 'payments',
      source: 'tag',
      via: 'GitHub custom property owner, GitHub custom property team',
      owned: true,
    });
    expect(ownerOf(inv, 'actions-secret:acme/billing:STRIPE_KEY')).toMatchObject({
      owner: 'frank',
      owned: true,
    });
  });

  it('an owner who is not an org member has departed (PAT owner, deploy-key added_by)', async () => {
    const inv = await scan(estate());
    expect(ownerOf(inv, 'fine-grained-pat:9001')).toMatchObject({
      owner: 'old-hand',
      departed: true,
    });
    const key = ownerOf(inv, 'deploy-key:acme/api:501');
    expect(key.candidates.find((c) => c.source === 'creator')).toMatchObject({
      owner: 'old-hand',
      departed: true,
    });
    expect(ownerOf(inv, 'deploy-key:acme/docs:502').candidates).toContainEqual(
      expect.objectContaining({ owner: 'dave', source: 'creator', departed: false }),
    );
    expect(inv.gaps).toEqual([]);
  });

  it('refusals are gaps that hide nothing: attribution not evaluated, the scan goes on', async () => {
    const inv = await scan(estate(), (s) => {
      s.faults.add(denied(/\/contents\//));
      s.faults.add(denied(/\/orgs\/acme\/members/));
      s.faults.add(denied(/\/orgs\/acme\/properties\/values/));
    });
    expect(inv.gaps.map((g) => g.signal)).toEqual([
      'codeowners',
      'custom-properties',
      'org-members',
    ]);
    expect(inv.incomplete).toEqual([]);
    expect(inv.gaps[0]!.message).toMatch(
      /^codeowners not evaluated: .*\(3: acme\/api, acme\/billing, acme\/docs\)$/,
    );
    // Membership unknown: nobody is called departed.
    expect(ownerOf(inv, 'fine-grained-pat:9001').departed).toBeNull();
    expect(inv.credentials).toHaveLength(5);
  });
});
