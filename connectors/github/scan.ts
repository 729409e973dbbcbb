/**
 * Scans one organization: org-level inventories (PAT grants, credential authorizations,
 * App installations, org secrets and hooks), then every repository's deploy keys, secrets,
 * environments and hooks with bounded concurrency. Anything the credentials may not read
 * becomes a CoverageGap naming the permission that would close it; the scan carries on.
 */
import pLimit from 'p-limit';
import { defineSignals, type ConnectorContext } from '../../src/connector/index.js';
import type { CoverageGap, Scope, ScopeResult } from '../../src/model/index.js';
import { AppOwnerLookup } from './app-owners.js';
import { attempt, type Denied, type GitHubClient, type GitHubSettings } from './client.js';
import * as m from './map.js';

/** The permission that closes each gap, for classic tokens, fine-grained tokens and Apps. */
export const FIXES = {
  'fine-grained-pats':
    "authenticate as a GitHub App with 'Personal access tokens' organization permission (read)",
  'credential-authorizations':
    'GitHub Enterprise Cloud with SAML single sign-on, and an organization owner (classic token: read:org; GitHub App: Administration organization permission, read)',
  'app-installations':
    "an organization owner (classic token: read:org; fine-grained token / GitHub App: 'Administration' organization permission, read)",
  'app-owners':
    "none for public Apps (GET /apps/{app_slug} is public); GitHub shows a private App only to credentials of the account that owns it, so check its owner under the organization's Settings > GitHub Apps",
  'org-actions-secrets':
    "classic token: admin:org; fine-grained token / GitHub App: 'Secrets' organization permission (read)",
  'org-dependabot-secrets':
    "classic token: admin:org; fine-grained token / GitHub App: 'Dependabot secrets' organization permission (read)",
  'org-webhooks':
    "classic token: admin:org_hook; fine-grained token / GitHub App: 'Webhooks' organization permission (read)",
  repositories:
    "classic token: repo; fine-grained token / GitHub App: access to the repository ('Metadata' read)",
  'deploy-keys':
    "admin on the repository (classic token: repo; fine-grained token / GitHub App: 'Administration' repository permission, read)",
  'repo-actions-secrets':
    "classic token: repo (admin on the repository); fine-grained token / GitHub App: 'Secrets' repository permission (read)",
  environments:
    "classic token: repo; fine-grained token / GitHub App: 'Actions' or 'Environments' repository permission (read)",
  'environment-secrets':
    "classic token: repo (admin on the repository); fine-grained token / GitHub App: 'Environments' repository permission (read)",
  'repo-dependabot-secrets':
    "classic token: repo (admin on the repository); fine-grained token / GitHub App: 'Dependabot secrets' repository permission (read)",
  'repo-webhooks':
    "classic token: admin:repo_hook or repo; fine-grained token / GitHub App: 'Webhooks' repository permission (read)",
} as const;

export type GapSignal = keyof typeof FIXES;

/** Collects denials; one gap per signal, naming the repositories it concerns. */
class Gaps {
  private readonly bySignal = new Map<
    GapSignal,
    { subjects: string[]; denied: Denied; message?: string }
  >();

  add(signal: GapSignal, denied: Denied, subject?: string, message?: string) {
    const entry = this.bySignal.get(signal) ?? {
      subjects: [],
      denied,
      ...(message ? { message } : {}),
    };
    if (subject) entry.subjects.push(subject);
    this.bySignal.set(signal, entry);
  }

  list(): CoverageGap[] {
    return [...this.bySignal.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([signal, e]) => {
        const subjects = e.subjects.sort();
        const shown = subjects.slice(0, 10).join(', ');
        const more = subjects.length > 10 ? ` and ${subjects.length - 10} more` : '';
        const n = `${subjects.length} ${subjects.length === 1 ? 'repository' : 'repositories'}`;
        let message: string;
        if (!subjects.length) message = e.message ?? `${signal.replace(/-/g, ' ')} not evaluated`;
        else if (signal === 'repositories')
          message = `${n} could not be read, nothing in them evaluated: ${shown}${more}`;
        else message = `${signal.replace(/-/g, ' ')} not evaluated for ${n}: ${shown}${more}`;
        return {
          signal,
          message: `${message} (${e.denied.message})`,
          code: String(e.denied.status),
          fix: FIXES[signal],
        };
      });
  }
}

/** Gaps that hide identities (owners, apps, repositories, environments) or grants. */
const HIDES_IDENTITIES = new Set([
  'repositories',
  'fine-grained-pats',
  'credential-authorizations',
  'app-installations',
  'environments',
]);
const HIDES_GRANTS = new Set([
  'repositories',
  'fine-grained-pats',
  'credential-authorizations',
  'app-installations',
  'deploy-keys',
]);

/** Gaps that hide only an attribute (an App's owner), never a record. */
const HIDES_NO_RECORDS = new Set(['app-owners']);

/** Every signal a GitHub scan can leave a gap in, with its fix and the record kinds it hides. */
export const SIGNALS = defineSignals(
  (Object.keys(FIXES) as GapSignal[]).map((signal) => ({
    signal,
    description: `${signal.replace(/-/g, ' ')} of the organization and its repositories`,
    fix: FIXES[signal],
    hides: HIDES_NO_RECORDS.has(signal)
      ? []
      : [
          ...(HIDES_IDENTITIES.has(signal) ? (['identities'] as const) : []),
          'credentials' as const,
          ...(HIDES_GRANTS.has(signal) ? (['grants'] as const) : []),
        ],
  })),
);

/**
 * Record kinds the catalog must not mark removed because part of them could not be listed.
 * Credential authorizations answering 404 outside GHEC are not a partial listing: that
 * org has none, so they do not hold back removals.
 */
export function incompleteKinds(gaps: CoverageGap[]): ('identities' | 'credentials' | 'grants')[] {
  const real = gaps.filter(
    (g) =>
      !(g.signal === 'credential-authorizations' && g.code === '404') &&
      !HIDES_NO_RECORDS.has(g.signal),
  );
  if (!real.length) return [];
  return [
    ...(real.some((g) => HIDES_IDENTITIES.has(g.signal)) ? (['identities'] as const) : []),
    'credentials' as const,
    ...(real.some((g) => HIDES_GRANTS.has(g.signal)) ? (['grants'] as const) : []),
  ];
}

export async function scanOrganization(
  client: GitHubClient,
  settings: GitHubSettings,
  orgLogin: string,
  ctx: ConnectorContext,
  /** Shared by the orgs of one scan, so each App is looked up once. */
  appOwners: AppOwnerLookup = new AppOwnerLookup(settings.concurrency),
): Promise<ScopeResult> {
  const orgData = m.parseOne(
    m.OrgSchema,
    await client.get('GET /orgs/{org}', { org: orgLogin }),
    `GET /orgs/${orgLogin}`,
  );
  const org = orgData.login;
  const scope: Scope = {
    provider: 'github',
    id: org,
    name: orgData.name || org,
    kind: 'organization',
  };
  const gaps = new Gaps();
  const parts: m.Mapped[] = [
    { identities: [m.orgIdentity(org, scope.name)], credentials: [], grants: [] },
  ];
  const now = ctx.now();
  const list = async (route: string, params: Record<string, unknown>) => client.list(route, params);
  const where = (route: string, params: Record<string, string>) =>
    route.replace(/\{(\w+)\}/g, (_x, k: string) => params[k] ?? k);

  ctx.progress({ scope: org, phase: 'organization' });

  // Org-level inventories are independent of each other.
  await Promise.all([
    (async () => {
      const route = 'GET /orgs/{org}/personal-access-tokens';
      const r = await attempt(() => list(route, { org }));
      if (!r.ok) {
        const plainToken =
          client.authKind === 'token'
            ? 'only GitHub Apps can list fine-grained personal access tokens; '
            : '';
        return gaps.add(
          'fine-grained-pats',
          r.denied,
          undefined,
          `${plainToken}fine-grained PATs with access to ${org} not evaluated`,
        );
      }
      parts.push(
        m.mapPatGrants(org, m.parseList(m.PatGrantSchema, r.value, where(route, { org })), now),
      );
    })(),
    (async () => {
      const route = 'GET /orgs/{org}/credential-authorizations';
      const r = await attempt(() => list(route, { org }));
      if (!r.ok) {
        const why =
          r.denied.status === 404
            ? 'not available (GitHub Enterprise Cloud with SAML SSO only); '
            : '';
        return gaps.add(
          'credential-authorizations',
          r.denied,
          undefined,
          `${why}classic PATs, SSH keys and OAuth tokens authorized for ${org} not evaluated`,
        );
      }
      parts.push(
        m.mapCredentialAuthorizations(
          org,
          m.parseList(m.CredentialAuthorizationSchema, r.value, where(route, { org })),
          now,
        ),
      );
    })(),
    (async () => {
      const route = 'GET /orgs/{org}/installations';
      const r = await attempt(() => list(route, { org }));
      if (!r.ok)
        return gaps.add(
          'app-installations',
          r.denied,
          undefined,
          `GitHub App installations of ${org} not evaluated`,
        );
      const items = m.parseList(m.InstallationSchema, r.value, where(route, { org }));
      const { owners, denied } = await appOwners.resolve(
        client,
        items.map((i) => i.app_slug),
      );
      if (denied.length) {
        const n = denied.length;
        gaps.add(
          'app-owners',
          denied[0]!.denied,
          undefined,
          `owner of ${n} GitHub App${n === 1 ? '' : 's'} installed in ${org} unknown, third-party status not evaluated: ${denied
            .slice(0, 10)
            .map((d) => d.slug)
            .join(', ')}${n > 10 ? ` and ${n - 10} more` : ''}`,
        );
      }
      parts.push(m.mapInstallations(org, items, owners, settings.orgs));
    })(),
    (async () => {
      const route = 'GET /orgs/{org}/actions/secrets';
      const r = await attempt(() => list(route, { org }));
      if (!r.ok)
        return gaps.add(
          'org-actions-secrets',
          r.denied,
          undefined,
          `organization Actions secrets of ${org} not evaluated`,
        );
      parts.push(
        m.mapSecrets(
          'actions-secret',
          { level: 'organization', org },
          m.parseList(m.SecretSchema, r.value, where(route, { org })),
        ),
      );
    })(),
    (async () => {
      const route = 'GET /orgs/{org}/dependabot/secrets';
      const r = await attempt(() => list(route, { org }));
      if (!r.ok)
        return gaps.add(
          'org-dependabot-secrets',
          r.denied,
          undefined,
          `organization Dependabot secrets of ${org} not evaluated`,
        );
      parts.push(
        m.mapSecrets(
          'dependabot-secret',
          { level: 'organization', org },
          m.parseList(m.SecretSchema, r.value, where(route, { org })),
        ),
      );
    })(),
    (async () => {
      const route = 'GET /orgs/{org}/hooks';
      const r = await attempt(() => list(route, { org }));
      if (!r.ok)
        return gaps.add(
          'org-webhooks',
          r.denied,
          undefined,
          `organization webhooks of ${org} not evaluated`,
        );
      parts.push(
        m.mapHooks(
          { level: 'organization', org },
          m.parseList(m.HookSchema, r.value, where(route, { org })),
        ),
      );
    })(),
  ]);

  const reposRoute = 'GET /orgs/{org}/repos';
  const reposResult = await attempt(() => list(reposRoute, { org, type: 'all' }));
  if (!reposResult.ok) {
    gaps.add(
      'repositories',
      reposResult.denied,
      undefined,
      `repositories of ${org} (deploy keys, repository secrets and webhooks) not evaluated`,
    );
  } else {
    const repos = m.parseList(m.RepoSchema, reposResult.value, where(reposRoute, { org }));
    const limit = pLimit(settings.concurrency);
    let done = 0;
    ctx.progress({ scope: org, phase: 'repositories', done, total: repos.length });
    await Promise.all(
      repos.map((repo) =>
        limit(async () => {
          ctx.signal.throwIfAborted();
          parts.push(await scanRepository(client, repo, gaps));
          done += 1;
          ctx.progress({ scope: org, phase: 'repositories', done, total: repos.length });
        }),
      ),
    );
  }

  const merged = m.merge(parts);
  // Repositories finish in any order; sorted output keeps runs comparable.
  const byId = (a: { externalId: string }, b: { externalId: string }) =>
    a.externalId.localeCompare(b.externalId);
  merged.identities.sort(byId);
  merged.credentials.sort(byId);
  merged.grants.sort(byId);
  const gapList = gaps.list();
  return {
    kind: 'inventory',
    scope,
    ...merged,
    gaps: gapList,
    apiCalls: client.calls,
    incomplete: incompleteKinds(gapList),
  };
}

/** One repository: deploy keys, Actions/environment/Dependabot secrets, webhooks. */
async function scanRepository(
  client: GitHubClient,
  repo: m.RepoPayload,
  gaps: Gaps,
): Promise<m.Mapped> {
  const [owner, name] = repo.full_name.split('/') as [string, string];
  const full = repo.full_name;
  const p = { owner, repo: name };
  const parts: m.Mapped[] = [{ identities: [m.repoIdentity(repo)], credentials: [], grants: [] }];

  const keys = await attempt(() => client.list('GET /repos/{owner}/{repo}/keys', p));
  if (!keys.ok && keys.denied.status === 404) {
    // The repository itself is invisible to these credentials: nothing else will answer.
    gaps.add('repositories', keys.denied, full);
    return m.merge(parts);
  }
  if (keys.ok)
    parts.push(
      m.mapDeployKeys(full, m.parseList(m.DeployKeySchema, keys.value, `GET /repos/${full}/keys`)),
    );
  else gaps.add('deploy-keys', keys.denied, full);

  const secrets = await attempt(() => client.list('GET /repos/{owner}/{repo}/actions/secrets', p));
  if (secrets.ok) {
    const items = m.parseList(m.SecretSchema, secrets.value, `GET /repos/${full}/actions/secrets`);
    parts.push(m.mapSecrets('actions-secret', { level: 'repository', repo: full }, items));
  } else gaps.add('repo-actions-secrets', secrets.denied, full);

  const envs = await attempt(() => client.list('GET /repos/{owner}/{repo}/environments', p));
  if (envs.ok) {
    for (const env of m.parseList(
      m.EnvironmentSchema,
      envs.value,
      `GET /repos/${full}/environments`,
    )) {
      parts.push({ identities: [m.environmentIdentity(full, env)], credentials: [], grants: [] });
      const envSecrets = await attempt(() =>
        client.list('GET /repos/{owner}/{repo}/environments/{environment_name}/secrets', {
          ...p,
          environment_name: env.name,
        }),
      );
      if (envSecrets.ok) {
        const items = m.parseList(
          m.SecretSchema,
          envSecrets.value,
          `GET /repos/${full}/environments/${env.name}/secrets`,
        );
        parts.push(
          m.mapSecrets(
            'actions-secret',
            { level: 'environment', repo: full, environment: env.name },
            items,
          ),
        );
      } else gaps.add('environment-secrets', envSecrets.denied, `${full} (${env.name})`);
    }
  } else gaps.add('environments', envs.denied, full);

  const dependabot = await attempt(() =>
    client.list('GET /repos/{owner}/{repo}/dependabot/secrets', p),
  );
  if (dependabot.ok) {
    const items = m.parseList(
      m.SecretSchema,
      dependabot.value,
      `GET /repos/${full}/dependabot/secrets`,
    );
    parts.push(m.mapSecrets('dependabot-secret', { level: 'repository', repo: full }, items));
  } else gaps.add('repo-dependabot-secrets', dependabot.denied, full);

  const hooks = await attempt(() => client.list('GET /repos/{owner}/{repo}/hooks', p));
  if (hooks.ok)
    parts.push(
      m.mapHooks(
        { level: 'repository', repo: full },
        m.parseList(m.HookSchema, hooks.value, `GET /repos/${full}/hooks`),
      ),
    );
  else gaps.add('repo-webhooks', hooks.denied, full);

  return m.merge(parts);
}
