/** Generated organizations of any size, for pagination tests and the benchmark. */
import { emptyOrg, emptyRepo, type EstateOrg } from './estate.js';

const DAY = 86_400_000;

export interface SyntheticOrgSpec {
  login: string;
  repos: number;
  patGrants?: number;
  /** Every n-th repository gets a deploy key, a secret and an environment. */
  every?: number;
  now?: Date;
  ghec?: boolean;
}

export function syntheticOrg(spec: SyntheticOrgSpec, id = 1): EstateOrg {
  const now = spec.now ?? new Date('2026-11-01T12:00:00Z');
  const ago = (d: number) => new Date(now.getTime() - d * DAY).toISOString();
  const org = emptyOrg(id, spec.login, ago(1000));
  org.ghec = spec.ghec ?? false;
  const every = spec.every ?? 10;
  for (let i = 0; i < spec.repos; i++) {
    const repo = emptyRepo(
      id * 100_000 + i,
      `repo-${String(i).padStart(4, '0')}`,
      ago(900 - (i % 800)),
    );
    if (i % every === 0) {
      repo.deployKeys.push({
        id: id * 1_000_000 + i,
        title: `key-${i}`,
        readOnly: i % (every * 2) === 0,
        addedBy: 'ops-bot',
        createdAt: ago(400),
        lastUsed: i % 3 ? ago(i % 300) : null,
        enabled: true,
      });
      repo.actionsSecrets.push({
        name: i % 4 ? 'DEPLOY_TOKEN' : 'AWS_SECRET_ACCESS_KEY',
        createdAt: ago(500),
        updatedAt: ago(i % 450),
      });
      repo.environments.push({
        id: id * 1_000_000 + i,
        name: 'production',
        createdAt: ago(300),
        secrets: [{ name: 'DB_PASSWORD', createdAt: ago(300), updatedAt: ago(30) }],
      });
    }
    org.repos.push(repo);
  }
  for (let i = 0; i < (spec.patGrants ?? 0); i++) {
    org.patGrants.push({
      id: id * 10_000 + i,
      tokenId: id * 20_000 + i,
      tokenName: `token-${i}`,
      owner: { login: `user-${i % 17}`, id: 3000 + (i % 17) },
      repositorySelection: i % 2 ? 'all' : 'subset',
      permissions: { repository: { contents: i % 3 ? 'read' : 'write', metadata: 'read' } },
      accessGrantedAt: ago(300),
      tokenExpiresAt: i % 5 ? ago(-30) : null,
      tokenLastUsedAt: ago(i % 250),
      tokenExpired: false,
    });
  }
  return org;
}
