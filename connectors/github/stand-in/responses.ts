/**
 * Renders estate records into GitHub REST payloads, field for field as the OpenAPI spec
 * (fixtures/openapi/github-subset.json) describes them; conformance.test.ts checks every one.
 * `api` is the API root the stand-in answers on (with a GHES `/api/v3` base path when set).
 */
import { createHash } from 'node:crypto';
import type {
  EstateApp,
  EstateCredentialAuthorization,
  EstateDeployKey,
  EstateEnvironment,
  EstateHook,
  EstateInstallation,
  EstateOrg,
  EstatePatGrant,
  EstateRepo,
  EstateSecret,
  EstateUser,
} from './estate.js';

const WEB = 'https://github.example';

/** GitHub renders timestamps without milliseconds. */
function ts(iso: string): string;
function ts(iso: string | null): string | null;
function ts(iso: string | null): string | null {
  return iso === null ? null : iso.replace(/\.\d{3}Z$/, 'Z');
}

export function user(api: string, u: EstateUser, type: 'User' | 'Organization' | 'Bot' = 'User') {
  const url = `${api}/users/${u.login}`;
  return {
    login: u.login,
    id: u.id,
    node_id: Buffer.from(`04:User${u.id}`).toString('base64'),
    avatar_url: `${WEB}/avatars/u/${u.id}`,
    gravatar_id: '',
    url,
    html_url: `${WEB}/${u.login}`,
    followers_url: `${url}/followers`,
    following_url: `${url}/following{/other_user}`,
    gists_url: `${url}/gists{/gist_id}`,
    starred_url: `${url}/starred{/owner}{/repo}`,
    subscriptions_url: `${url}/subscriptions`,
    organizations_url: `${url}/orgs`,
    repos_url: `${url}/repos`,
    events_url: `${url}/events{/privacy}`,
    received_events_url: `${url}/received_events`,
    type,
    site_admin: false,
  };
}

export function organization(api: string, org: EstateOrg) {
  const url = `${api}/orgs/${org.login}`;
  return {
    login: org.login,
    id: org.id,
    node_id: Buffer.from(`04:Organization${org.id}`).toString('base64'),
    url,
    repos_url: `${url}/repos`,
    events_url: `${url}/events`,
    hooks_url: `${url}/hooks`,
    issues_url: `${url}/issues`,
    members_url: `${url}/members{/member}`,
    public_members_url: `${url}/public_members{/member}`,
    avatar_url: `${WEB}/avatars/o/${org.id}`,
    description: null,
    name: org.name,
    html_url: `${WEB}/${org.login}`,
    has_organization_projects: true,
    has_repository_projects: true,
    public_repos: org.repos.filter((r) => !r.private).length,
    public_gists: 0,
    followers: 0,
    following: 0,
    type: 'Organization',
    total_private_repos: org.repos.filter((r) => r.private).length,
    owned_private_repos: org.repos.filter((r) => r.private).length,
    two_factor_requirement_enabled: true,
    created_at: ts(org.createdAt),
    updated_at: ts(org.createdAt),
    archived_at: null,
  };
}

export function repository(api: string, org: EstateOrg, repo: EstateRepo) {
  const full = `${org.login}/${repo.name}`;
  const url = `${api}/repos/${full}`;
  const owner = user(api, { login: org.login, id: org.id }, 'Organization');
  const urls = Object.fromEntries(
    [
      ['archive_url', '/{archive_format}{/ref}'],
      ['assignees_url', '/assignees{/user}'],
      ['blobs_url', '/git/blobs{/sha}'],
      ['branches_url', '/branches{/branch}'],
      ['collaborators_url', '/collaborators{/collaborator}'],
      ['comments_url', '/comments{/number}'],
      ['commits_url', '/commits{/sha}'],
      ['compare_url', '/compare/{base}...{head}'],
      ['contents_url', '/contents/{+path}'],
      ['contributors_url', '/contributors'],
      ['deployments_url', '/deployments'],
      ['downloads_url', '/downloads'],
      ['events_url', '/events'],
      ['forks_url', '/forks'],
      ['git_commits_url', '/git/commits{/sha}'],
      ['git_refs_url', '/git/refs{/sha}'],
      ['git_tags_url', '/git/tags{/sha}'],
      ['hooks_url', '/hooks'],
      ['issue_comment_url', '/issues/comments{/number}'],
      ['issue_events_url', '/issues/events{/number}'],
      ['issues_url', '/issues{/number}'],
      ['keys_url', '/keys{/key_id}'],
      ['labels_url', '/labels{/name}'],
      ['languages_url', '/languages'],
      ['merges_url', '/merges'],
      ['milestones_url', '/milestones{/number}'],
      ['notifications_url', '/notifications{?since,all,participating}'],
      ['pulls_url', '/pulls{/number}'],
      ['releases_url', '/releases{/id}'],
      ['stargazers_url', '/stargazers'],
      ['statuses_url', '/statuses/{sha}'],
      ['subscribers_url', '/subscribers'],
      ['subscription_url', '/subscription'],
      ['tags_url', '/tags'],
      ['teams_url', '/teams'],
      ['trees_url', '/git/trees{/sha}'],
    ].map(([k, suffix]) => [k, `${url}${suffix}`]),
  );
  return {
    id: repo.id,
    node_id: Buffer.from(`010:Repository${repo.id}`).toString('base64'),
    name: repo.name,
    full_name: full,
    owner,
    private: repo.private,
    html_url: `${WEB}/${full}`,
    description: null,
    fork: false,
    url,
    ...urls,
    archived: repo.archived,
    disabled: false,
    visibility: repo.private ? 'private' : 'public',
    default_branch: 'main',
    created_at: ts(repo.createdAt),
    updated_at: ts(repo.createdAt),
    pushed_at: ts(repo.createdAt),
    permissions: { admin: true, maintain: true, push: true, triage: true, pull: true },
  };
}

export function patGrant(api: string, org: EstateOrg, g: EstatePatGrant) {
  return {
    id: g.id,
    owner: user(api, g.owner),
    repository_selection: g.repositorySelection,
    repositories_url: `${api}/organizations/${org.id}/personal-access-tokens/${g.id}/repositories`,
    permissions: {
      organization: g.permissions.organization ?? {},
      repository: g.permissions.repository ?? {},
    },
    access_granted_at: ts(g.accessGrantedAt),
    token_id: g.tokenId,
    token_name: g.tokenName,
    token_expired: g.tokenExpired,
    token_expires_at: ts(g.tokenExpiresAt),
    token_last_used_at: ts(g.tokenLastUsedAt),
  };
}

export function credentialAuthorization(c: EstateCredentialAuthorization) {
  const out: Record<string, unknown> = {
    login: c.login,
    credential_id: c.credentialId,
    credential_type: c.type,
    credential_authorized_at: ts(c.authorizedAt),
    credential_accessed_at: ts(c.accessedAt),
    authorized_credential_id: c.authorizedCredentialId,
  };
  if (c.type === 'SSH key') {
    out.fingerprint = c.fingerprint ?? `SHA256:${c.credentialId}`;
    out.authorized_credential_title = c.title ?? null;
  } else {
    out.token_last_eight = c.tokenLastEight ?? String(c.credentialId).padStart(8, '0').slice(-8);
    out.scopes = c.scopes ?? [];
    out.authorized_credential_note = c.note ?? null;
    out.authorized_credential_expires_at = ts(c.expiresAt ?? null);
  }
  return out;
}

export function deployKey(api: string, org: EstateOrg, repo: EstateRepo, k: EstateDeployKey) {
  const out: Record<string, unknown> = {
    id: k.id,
    key: k.publicKey ?? publicKeyOf(k.id),
    url: `${api}/repos/${org.login}/${repo.name}/keys/${k.id}`,
    title: k.title,
    verified: true,
    created_at: ts(k.createdAt),
    read_only: k.readOnly,
  };
  if (!k.legacyShape) {
    out.added_by = k.addedBy;
    out.last_used = ts(k.lastUsed);
    out.enabled = k.enabled;
  }
  return out;
}

/**
 * An OpenSSH ed25519 public key, derived from the key id so it is stable: a real key's shape
 * (its fingerprint is what a person finds it by), though no one holds its private half.
 */
function publicKeyOf(id: number): string {
  const field = (b: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, b.length]), b]);
  const point = createHash('sha256').update(`deploy-key-${id}`).digest();
  const blob = Buffer.concat([field(Buffer.from('ssh-ed25519')), field(point)]);
  return `ssh-ed25519 ${blob.toString('base64')}`;
}

export function installation(api: string, org: EstateOrg, i: EstateInstallation) {
  return {
    id: i.id,
    account: user(api, { login: org.login, id: org.id }, 'Organization'),
    repository_selection: i.repositorySelection,
    access_tokens_url: `${api}/app/installations/${i.id}/access_tokens`,
    repositories_url: `${api}/installation/repositories`,
    html_url: `${WEB}/organizations/${org.login}/settings/installations/${i.id}`,
    app_id: i.appId,
    app_slug: i.appSlug,
    target_id: org.id,
    target_type: 'Organization',
    permissions: i.permissions,
    events: i.events,
    created_at: ts(i.createdAt),
    updated_at: ts(i.updatedAt),
    single_file_name: null,
    suspended_by: i.suspendedAt && i.suspendedBy ? user(api, i.suspendedBy) : null,
    suspended_at: ts(i.suspendedAt),
  };
}

/** GET /apps/{app_slug}: the OpenAPI `integration` schema. */
export function app(api: string, a: EstateApp) {
  return {
    id: a.id,
    slug: a.slug,
    node_id: Buffer.from(`03:Integration${a.id}`).toString('base64'),
    client_id: `Iv1.${a.id.toString(16).padStart(16, '0')}`,
    owner: user(api, a.owner, a.owner.type),
    name: a.name,
    description: a.description,
    external_url: a.externalUrl,
    html_url: `${WEB}/apps/${a.slug}`,
    created_at: ts(a.createdAt),
    updated_at: ts(a.updatedAt),
    permissions: a.permissions,
    events: a.events,
  };
}

export function orgSecret(
  api: string,
  org: EstateOrg,
  s: EstateSecret,
  kind: 'actions' | 'dependabot',
) {
  const visibility = s.visibility ?? 'private';
  return {
    name: s.name,
    created_at: ts(s.createdAt),
    updated_at: ts(s.updatedAt),
    visibility,
    ...(visibility === 'selected'
      ? {
          selected_repositories_url: `${api}/orgs/${org.login}/${kind}/secrets/${s.name}/repositories`,
        }
      : {}),
  };
}

export function secret(s: EstateSecret) {
  return { name: s.name, created_at: ts(s.createdAt), updated_at: ts(s.updatedAt) };
}

export function environment(api: string, org: EstateOrg, repo: EstateRepo, e: EstateEnvironment) {
  return {
    id: e.id,
    node_id: Buffer.from(`011:Environment${e.id}`).toString('base64'),
    name: e.name,
    url: `${api}/repos/${org.login}/${repo.name}/environments/${encodeURIComponent(e.name)}`,
    html_url: `${WEB}/${org.login}/${repo.name}/deployments/activity_log?environments_filter=${encodeURIComponent(e.name)}`,
    created_at: ts(e.createdAt),
    updated_at: ts(e.createdAt),
    protection_rules: [],
    deployment_branch_policy: null,
  };
}

function hookConfig(h: EstateHook) {
  return {
    url: h.url,
    content_type: 'json',
    insecure_ssl: '0',
    ...(h.hasSecret ? { secret: '********' } : {}),
  };
}

export function orgHook(api: string, org: EstateOrg, h: EstateHook) {
  const url = `${api}/orgs/${org.login}/hooks/${h.id}`;
  return {
    id: h.id,
    url,
    ping_url: `${url}/pings`,
    deliveries_url: `${url}/deliveries`,
    name: 'web',
    events: h.events,
    active: h.active,
    config: hookConfig(h),
    updated_at: ts(h.updatedAt),
    created_at: ts(h.createdAt),
    type: 'Organization',
  };
}

export function repoHook(api: string, org: EstateOrg, repo: EstateRepo, h: EstateHook) {
  const url = `${api}/repos/${org.login}/${repo.name}/hooks/${h.id}`;
  return {
    type: 'Repository',
    id: h.id,
    name: 'web',
    active: h.active,
    events: h.events,
    config: hookConfig(h),
    updated_at: ts(h.updatedAt),
    created_at: ts(h.createdAt),
    url,
    test_url: `${url}/test`,
    ping_url: `${url}/pings`,
    deliveries_url: `${url}/deliveries`,
    last_response: { code: null, status: 'unused', message: null },
  };
}

export function errorBody(message: string, status: number) {
  // 422 answers follow the spec's validation-error shape (no `status`, an `errors` list).
  if (status === 422) {
    return {
      message,
      documentation_url: 'https://docs.github.com/rest',
      errors: [{ code: 'invalid', message }],
    };
  }
  return {
    message,
    documentation_url: 'https://docs.github.com/rest',
    status: String(status),
  };
}

/** A file as the contents API serves it: base64 in 60-character lines, git's blob sha. */
export function contentFile(
  api: string,
  org: EstateOrg,
  repo: EstateRepo,
  file: { path: string; text: string },
) {
  const bytes = Buffer.from(file.text, 'utf8');
  const sha = createHash('sha1')
    .update(Buffer.concat([Buffer.from(`blob ${bytes.length}\0`), bytes]))
    .digest('hex');
  const url = `${api}/repos/${org.login}/${repo.name}/contents/${file.path}?ref=main`;
  const git = `${api}/repos/${org.login}/${repo.name}/git/blobs/${sha}`;
  const html = `${WEB}/${org.login}/${repo.name}/blob/main/${file.path}`;
  return {
    type: 'file',
    encoding: 'base64',
    size: bytes.length,
    name: file.path.split('/').pop()!,
    path: file.path,
    content: (bytes.toString('base64').match(/.{1,60}/g) ?? []).join('\n') + '\n',
    sha,
    url,
    git_url: git,
    html_url: html,
    download_url: `https://raw.github.example/${org.login}/${repo.name}/main/${file.path}`,
    _links: { self: url, git, html },
  };
}

/** One repository's custom property values, as the organization-level listing holds them. */
export function propertyValues(org: EstateOrg, repo: EstateRepo) {
  return {
    repository_id: repo.id,
    repository_name: repo.name,
    repository_full_name: `${org.login}/${repo.name}`,
    properties: Object.entries(repo.properties ?? {}).map(([property_name, value]) => ({
      property_name,
      value,
    })),
  };
}

/** The org's members: its `members`, or every account its records name (nobody left). */
export function memberLogins(org: EstateOrg): string[] {
  if (org.members) return org.members;
  const named = new Set<string>();
  for (const g of org.patGrants) named.add(g.owner.login);
  for (const c of org.credentialAuthorizations) named.add(c.login);
  for (const r of org.repos) for (const k of r.deployKeys) if (k.addedBy) named.add(k.addedBy);
  return [...named].sort();
}

/** A stable user id for a login the estate names without one. */
export function userId(login: string): number {
  return (
    7_000_000 + (parseInt(createHash('sha1').update(login).digest('hex').slice(0, 6), 16) % 999_999)
  );
}
