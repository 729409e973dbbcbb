/**
 * `nhi doctor` for GitHub: which organizations the credentials reach, which inventories they
 * can read, and which playbooks they could run (read without writing anything: a classic
 * token's `x-oauth-scopes`, an App installation's granted permissions, "unknown" where GitHub
 * does not tell).
 */
import {
  errorMessage,
  type ConnectorContext,
  type DoctorCheck,
  type DoctorReport,
} from '../../src/connector/index.js';
import { GitHubClient, isRefused, resolveSettings } from './client.js';
import { ANY_LIST, OrgSchema, pageSchema } from './schema.js';

/** Playbooks GitHub credentials can drive, and what each needs per kind of credential. */
const GH_PLAYBOOKS: {
  name: string;
  classic: { scope: string | null; why: string };
  app: { permission: string | null; why: string };
  /** What a fine-grained token needs; null = no fine-grained token can do it. */
  fineGrained: string | null;
}[] = [
  {
    name: 'playbook: rotate, trim or delete deploy keys',
    classic: { scope: 'repo', why: 'classic scope repo' },
    app: { permission: 'administration', why: 'repository permission Administration (write)' },
    fineGrained: 'repository permission Administration (write)',
  },
  {
    name: 'playbook: revoke fine-grained PAT grants',
    classic: {
      scope: null,
      why: 'a GitHub App with organization permission Personal access tokens (write)',
    },
    app: {
      permission: 'organization_personal_access_tokens',
      why: 'organization permission Personal access tokens (write)',
    },
    fineGrained: null,
  },
  {
    name: 'playbook: revoke SAML credential authorizations',
    classic: { scope: 'admin:org', why: 'classic scope admin:org (GitHub Enterprise Cloud)' },
    app: {
      permission: null,
      why: 'a classic token with admin:org: Apps cannot revoke credential authorizations',
    },
    fineGrained: null,
  },
  {
    name: 'playbook: github-actions sink',
    classic: { scope: 'repo', why: 'classic scope repo (and admin:org for organization secrets)' },
    app: {
      permission: 'secrets',
      why: 'repository permission Secrets (write) (and organization permission Secrets: write for organization secrets)',
    },
    fineGrained: 'repository permission Secrets (write)',
  },
];

/** Exact names: the playbooks need the top-level scopes (repo, admin:org), not narrower ones. */
function hasScope(scopes: string[], want: string): boolean {
  return scopes.includes(want);
}

/** Playbook checks for a token: classic tokens list their scopes, other tokens do not. */
function tokenPlaybookChecks(scopes: string[] | null, token: string): DoctorCheck[] {
  if (scopes === null) {
    // No scopes header: an App installation token (ghs_) or a fine-grained token. What they
    // were granted is not visible to them, but some playbooks are out of their reach anyway.
    const installation = token.startsWith('ghs_');
    return GH_PLAYBOOKS.map((p) => {
      const needs = installation ? p.app.permission && p.app.why : p.fineGrained;
      if (!needs)
        return {
          name: p.name,
          ok: false,
          detail: `not with ${installation ? 'an App installation token' : 'a fine-grained token'}: needs ${installation ? p.app.why : p.classic.why}`,
        };
      const kind = installation ? 'App installation tokens' : 'fine-grained tokens';
      return {
        name: p.name,
        ok: false,
        detail: `unknown for ${kind} (GitHub does not report their permissions): needs ${needs}`,
      };
    });
  }
  return GH_PLAYBOOKS.map((p) => {
    const ok = p.classic.scope !== null && hasScope(scopes, p.classic.scope);
    let detail = ok ? `token has scope ${p.classic.scope}` : `missing ${p.classic.why}`;
    if (ok && p.name === 'playbook: github-actions sink' && !hasScope(scopes, 'admin:org'))
      detail += '; organization secrets also need admin:org';
    if (!ok) detail += ` (token scopes: ${scopes.join(', ') || 'none'})`;
    return { name: p.name, ok, detail };
  });
}

/** Playbook checks for an App installation, from the permissions it was granted. */
function appPlaybookChecks(perms: Record<string, string>, suffix: string): DoctorCheck[] {
  return GH_PLAYBOOKS.map((p) => {
    const ok = p.app.permission !== null && perms[p.app.permission] === 'write';
    let detail = ok ? `installation has ${p.app.permission}: write` : `missing ${p.app.why}`;
    if (ok && p.app.permission === 'secrets' && perms.organization_secrets !== 'write')
      detail += '; organization secrets also need organization_secrets: write';
    if (!ok && p.app.permission !== null)
      detail += ` (installation has ${p.app.permission}: ${perms[p.app.permission] ?? 'none'})`;
    return { name: `${p.name}${suffix}`, ok, detail };
  });
}

export async function doctor(ctx: ConnectorContext): Promise<DoctorReport> {
  const settings = resolveSettings(ctx);
  const checks: DoctorCheck[] = [];
  let authenticated = false;
  const probes: [string, string, Record<string, unknown>][] = [
    ['fine-grained PAT grants', 'GET /orgs/{org}/personal-access-tokens', { per_page: 1 }],
    [
      'credential authorizations (GHEC)',
      'GET /orgs/{org}/credential-authorizations',
      { per_page: 1 },
    ],
    ['App installations', 'GET /orgs/{org}/installations', { per_page: 1 }],
    ['organization Actions secrets', 'GET /orgs/{org}/actions/secrets', { per_page: 1 }],
    ['organization Dependabot secrets', 'GET /orgs/{org}/dependabot/secrets', { per_page: 1 }],
    ['organization webhooks', 'GET /orgs/{org}/hooks', { per_page: 1 }],
    ['repositories', 'GET /orgs/{org}/repos', { per_page: 1 }],
  ];
  for (const org of settings.orgs) {
    let client: GitHubClient;
    try {
      client = await GitHubClient.open(settings, org, ctx);
      await client.get('GET /orgs/{org}', { org }, OrgSchema);
      authenticated = true;
      checks.push({
        name: `${org}: organization`,
        ok: true,
        detail: `reachable at ${settings.apiUrl}`,
      });
    } catch (e) {
      checks.push({ name: `${org}: organization`, ok: false, detail: errorMessage(e) });
      continue;
    }
    for (const [name, route, params] of probes) {
      try {
        await client.get(route, { org, ...params }, pageSchema(ANY_LIST));
        checks.push({ name: `${org}: ${name}`, ok: true, detail: 'readable' });
      } catch (e) {
        if (!isRefused(e)) throw e;
        checks.push({ name: `${org}: ${name}`, ok: false, detail: e.message });
      }
    }
    // Write permissions for playbooks, read without writing: a token once, an App per org.
    const auth = settings.auth;
    if (auth.kind === 'token' && !checks.some((c) => c.name.startsWith('playbook: '))) {
      const scopes = await client.oauthScopes(org).catch(() => null);
      checks.push(...tokenPlaybookChecks(scopes, auth.token));
    } else if (auth.kind === 'app') {
      const suffix = settings.orgs.length > 1 ? ` in ${org}` : '';
      try {
        const perms = await GitHubClient.installationPermissions(settings, org, ctx);
        checks.push(...appPlaybookChecks(perms, suffix));
      } catch (e) {
        checks.push({
          name: `playbook: all${suffix}`,
          ok: false,
          detail: `unknown: ${errorMessage(e)}`,
        });
      }
    }
  }
  const identity =
    settings.auth.kind === 'app'
      ? `GitHub App ${settings.auth.appId}`
      : `token from ${settings.auth.envName}`;
  return { provider: 'github', authenticated, identity, checks };
}
