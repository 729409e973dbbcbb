/**
 * The GitHub connector's manifest: one scope per organization (options.orgs), scanned
 * through the REST API of github.com or a GitHub Enterprise Server (options.apiUrl).
 * See README.md for options, environment variables and the permissions each part needs.
 */
import type {
  Connector,
  ConnectorContext,
  DemoHandle,
  DoctorCheck,
  DoctorReport,
} from '../../src/connector/index.js';
import type { ScopeResult } from '../../src/model/index.js';
import {
  GitHubApiError,
  GitHubClient,
  attempt,
  resolveSettings,
  type GitHubSettings,
} from './client.js';
import { scanOrganization } from './scan.js';
import { AppOwnerLookup } from './app-owners.js';

/** The demo's token has GitHub's installation-token prefix, so the stand-in lets it read PAT grants. */
export const DEMO_TOKEN = 'ghs_demoOrbitalFreight000000000000000000';

export const connector: Connector = {
  id: 'github',
  title: 'GitHub',
  scanPermissions: [
    'GitHub App (recommended), organization permissions (read): Administration, Personal access tokens, Secrets, Dependabot secrets, Webhooks; repository permissions (read): Administration, Secrets, Dependabot secrets, Environments, Webhooks, Metadata',
    'classic token (organization owner): read:org, admin:org (org secrets), admin:org_hook, repo, admin:repo_hook (fine-grained PATs cannot be listed)',
    'fine-grained token (organization owner): the same organization and repository permissions as the App, read (fine-grained PATs cannot be listed)',
    'credential authorizations: GitHub Enterprise Cloud with SAML SSO only',
  ],

  async *discover(ctx: ConnectorContext): AsyncIterable<ScopeResult> {
    const settings = resolveSettings(ctx);
    // One lookup per GitHub App for the whole scan, whichever orgs it is installed in.
    const appOwners = new AppOwnerLookup(settings.concurrency);
    for (const org of settings.orgs) {
      ctx.signal.throwIfAborted();
      yield await scanOne(settings, org, ctx, appOwners);
    }
  },

  async doctor(ctx: ConnectorContext): Promise<DoctorReport> {
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
        await client.get('GET /orgs/{org}', { org });
        authenticated = true;
        checks.push({
          name: `${org}: organization`,
          ok: true,
          detail: `reachable at ${settings.apiUrl}`,
        });
      } catch (e) {
        checks.push({ name: `${org}: organization`, ok: false, detail: (e as Error).message });
        continue;
      }
      for (const [name, route, params] of probes) {
        const r = await attempt(() => client.get(route, { org, ...params }));
        checks.push({
          name: `${org}: ${name}`,
          ok: r.ok,
          detail: r.ok ? 'readable' : r.denied.message,
        });
      }
    }
    const identity =
      settings.auth.kind === 'app'
        ? `GitHub App ${settings.auth.appId}`
        : `token from ${settings.auth.envName}`;
    return { provider: 'github', authenticated, identity, checks };
  },

  async startDemo(clock: Date): Promise<DemoHandle> {
    const [{ startGitHubStandIn }, { buildGitHubDemoEstate }, { COMPANY }] = await Promise.all([
      import('./stand-in/server.js'),
      import('../../fixtures/demo/github.js'),
      import('../../fixtures/demo/company.js'),
    ]);
    const standIn = await startGitHubStandIn({ estate: buildGitHubDemoEstate(clock) });
    return {
      options: { orgs: [...COMPANY.githubOrgs], apiUrl: standIn.url },
      env: { GITHUB_TOKEN: DEMO_TOKEN },
      close: () => standIn.close(),
    };
  },
};

async function scanOne(
  settings: GitHubSettings,
  org: string,
  ctx: ConnectorContext,
  appOwners: AppOwnerLookup,
): Promise<ScopeResult> {
  let client: GitHubClient | null = null;
  try {
    client = await GitHubClient.open(settings, org, ctx);
    return await scanOrganization(client, settings, org, ctx, appOwners);
  } catch (e) {
    if (ctx.signal.aborted) throw e;
    const status = e instanceof GitHubApiError ? e.status : null;
    return {
      kind: 'failure',
      scope: { provider: 'github', id: org, name: org, kind: 'organization' },
      error: e instanceof Error ? e.message : String(e),
      code: status === null ? (e instanceof Error ? e.name : null) : String(status),
      apiCalls: client?.calls ?? 0,
    };
  }
}
