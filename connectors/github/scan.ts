/**
 * Which calls a scan of one organization makes, in what order, and which gaps each can leave.
 * Every inventory is one row of a table — route, payload schema, mapping, the gap a refusal
 * leaves — run the same way: the org-level rows and the repository listing at once, then each
 * repository's rows, with the client capping requests in flight. A refusal (403, or GitHub's
 * 404 for what the credentials may not see) becomes a coverage gap naming the permission that
 * closes it and the scan goes on; anything else (5xx after retries, an answer that is not the
 * document asked for, a request that would leave the API origin, a timeout) fails the scope.
 */
import pLimit from 'p-limit';
import type { z } from 'zod';
import {
  GapCollector,
  errorMessage,
  type ApiError,
  type ConnectorContext,
  type GapInput,
} from '../../src/connector/index.js';
import type { Scope, ScopeResult } from '../../src/model/index.js';
import { AppOwnerLookup } from './app-owners.js';
import {
  applyCodeowners,
  applyMembership,
  applyProperties,
  needsCodeowners,
  readCodeowners,
  readMembers,
  readProperties,
  type RepoProperties,
} from './owners.js';
import { SIGNALS, type Signal } from './signals.js';
import { GitHubClient, isNotFound, isRefused, type GitHubSettings } from './client.js';
import * as m from './map/index.js';
import {
  CredentialAuthorizationSchema,
  DeployKeySchema,
  EnvironmentSchema,
  HookSchema,
  InstallationSchema,
  OrgSchema,
  PatGrantSchema,
  RepoSchema,
  SecretSchema,
  list,
  type EnvironmentPayload,
  type ListShape,
  type RepoPayload,
} from './schema.js';

export { SIGNALS, type Signal } from './signals.js';

/** One collector per scope. */
export const newGaps = () => new GapCollector<Signal>(SIGNALS);

/** Where a row runs: the organization, or one of its repositories (or environments). */
interface Where {
  client: GitHubClient;
  org: string;
  /** The route's parameters. */
  params: Record<string, string>;
  /** What a repository-level gap names: the repository (and environment). */
  subject?: string;
  repo?: RepoPayload;
  now: Date;
  gaps: GapCollector<Signal>;
  appOwners: AppOwnerLookup;
  settings: GitHubSettings;
}

/** One inventory: where GitHub lists it, what its items are, how they map. */
interface Row<T> {
  signal: Signal;
  route: string;
  shape: ListShape<z.ZodType<T>>;
  map(items: T[], at: Where): m.Mapped | Promise<m.Mapped>;
}

const row = <T>(r: Row<T>) => r as unknown as Row<unknown>;

/** Where a refusal happened, as far as its gap needs to know. */
export type RefusedAt = Pick<Where, 'org' | 'subject'> & { authKind: GitHubClient['authKind'] };

/** Refusals that say more than "<signal> not evaluated: <GitHub's answer>". */
const REFUSALS: Partial<Record<Signal, (e: ApiError, at: RefusedAt) => Omit<GapInput, 'code'>>> = {
  'fine-grained-pats': (e, at) => ({
    message: `${at.authKind === 'token' ? 'only GitHub Apps can list fine-grained personal access tokens; ' : ''}fine-grained PATs with access to ${at.org} not evaluated (${e.message})`,
  }),
  // Outside GitHub Enterprise Cloud with SAML the endpoint does not exist: the org has no
  // such authorizations, so nothing is partly listed and removals still count.
  'credential-authorizations': (e, at) => ({
    message: `${isNotFound(e) ? 'not available (GitHub Enterprise Cloud with SAML SSO only); ' : ''}classic PATs, SSH keys and OAuth tokens authorized for ${at.org} not evaluated (${e.message})`,
    ...(isNotFound(e) ? { hides: [] } : {}),
  }),
  repositories: (e, at) => ({
    message: at.subject
      ? `repositories could not be read, nothing in them evaluated: ${e.message}`
      : `repositories of ${at.org} (deploy keys, repository secrets and webhooks) not evaluated (${e.message})`,
  }),
};

/** Records a refusal as a gap of `signal`; anything else is rethrown (it fails the scope). */
export function refusal(
  gaps: GapCollector<Signal>,
  signal: Signal,
  e: unknown,
  at: RefusedAt,
): void {
  if (!isRefused(e)) throw e;
  gaps.add(signal, {
    message: `${signal.replace(/-/g, ' ')} not evaluated: ${e.message}`,
    ...(at.subject ? { subject: at.subject } : {}),
    ...REFUSALS[signal]?.(e, at),
    code: e.code,
  });
}

const refusedAt = (at: Where): RefusedAt => ({
  org: at.org,
  authKind: at.client.authKind,
  ...(at.subject ? { subject: at.subject } : {}),
});

/** Runs one row: list, map. */
async function listAndMap(r: Row<unknown>, at: Where): Promise<m.Mapped> {
  return r.map(await at.client.list(r.route, at.params, r.shape), at);
}

/** Runs one row; a refusal is a gap and yields nothing. */
async function run(r: Row<unknown>, at: Where): Promise<m.Mapped> {
  try {
    return await listAndMap(r, at);
  } catch (e) {
    refusal(at.gaps, r.signal, e, refusedAt(at));
    return m.none();
  }
}

const REPOS = list(RepoSchema);

const orgHolder = (at: Where) => ({ level: 'organization' as const, org: at.org });
const repoHolder = (at: Where) => ({ level: 'repository' as const, repo: at.repo!.full_name });

/** Inventories of the organization itself. */
const ORG_ROWS = [
  row({
    signal: 'fine-grained-pats',
    route: 'GET /orgs/{org}/personal-access-tokens',
    shape: list(PatGrantSchema),
    map: (items, at) => m.mapPatGrants(at.org, items, at.now),
  }),
  row({
    signal: 'credential-authorizations',
    route: 'GET /orgs/{org}/credential-authorizations',
    shape: list(CredentialAuthorizationSchema),
    map: (items, at) => m.mapCredentialAuthorizations(at.org, items, at.now),
  }),
  row({
    signal: 'app-installations',
    route: 'GET /orgs/{org}/installations',
    shape: list(InstallationSchema, 'installations'),
    map: async (items, at) => {
      const { owners, refused } = await at.appOwners.resolve(
        at.client,
        items.map((i) => i.app_slug),
      );
      if (refused.length) {
        const n = refused.length;
        const shown = refused.slice(0, 10).map((d) => d.slug);
        at.gaps.add('app-owners', {
          message: `owner of ${n} GitHub App${n === 1 ? '' : 's'} installed in ${at.org} unknown, third-party status not evaluated: ${shown.join(', ')}${n > 10 ? ` and ${n - 10} more` : ''} (${refused[0]!.error.message})`,
          code: refused[0]!.error.code,
        });
      }
      return m.mapInstallations(at.org, items, owners, at.settings.orgs);
    },
  }),
  row({
    signal: 'org-actions-secrets',
    route: 'GET /orgs/{org}/actions/secrets',
    shape: list(SecretSchema, 'secrets'),
    map: (items, at) => m.mapSecrets('actions-secret', orgHolder(at), items),
  }),
  row({
    signal: 'org-dependabot-secrets',
    route: 'GET /orgs/{org}/dependabot/secrets',
    shape: list(SecretSchema, 'secrets'),
    map: (items, at) => m.mapSecrets('dependabot-secret', orgHolder(at), items),
  }),
  row({
    signal: 'org-webhooks',
    route: 'GET /orgs/{org}/hooks',
    shape: list(HookSchema),
    map: (items, at) => m.mapHooks(orgHolder(at), items),
  }),
];

const ENVIRONMENT_SECRETS = row({
  signal: 'environment-secrets',
  route: 'GET /repos/{owner}/{repo}/environments/{environment_name}/secrets',
  shape: list(SecretSchema, 'secrets'),
  map: (items, at) =>
    m.mapSecrets(
      'actions-secret',
      { level: 'environment', repo: at.repo!.full_name, environment: at.params.environment_name! },
      items,
    ),
});

const DEPLOY_KEYS = row({
  signal: 'deploy-keys',
  route: 'GET /repos/{owner}/{repo}/keys',
  shape: list(DeployKeySchema),
  map: (items, at) => m.mapDeployKeys(at.repo!.full_name, items),
});

/** Inventories of each repository, after its deploy keys (which tell whether it is visible). */
const REPO_ROWS = [
  row({
    signal: 'repo-actions-secrets',
    route: 'GET /repos/{owner}/{repo}/actions/secrets',
    shape: list(SecretSchema, 'secrets'),
    map: (items, at) => m.mapSecrets('actions-secret', repoHolder(at), items),
  }),
  row({
    signal: 'environments',
    route: 'GET /repos/{owner}/{repo}/environments',
    shape: list(EnvironmentSchema, 'environments'),
    map: async (envs: EnvironmentPayload[], at) =>
      m.merge(
        await Promise.all(
          envs.map(async (env) => {
            const inEnv: Where = {
              ...at,
              params: { ...at.params, environment_name: env.name },
              subject: `${at.repo!.full_name} (${env.name})`,
            };
            const secrets = await run(ENVIRONMENT_SECRETS, inEnv);
            const holder = m.environmentIdentity(at.repo!.full_name, env);
            return m.merge([{ identities: [holder], credentials: [], grants: [] }, secrets]);
          }),
        ),
      ),
  }),
  row({
    signal: 'repo-dependabot-secrets',
    route: 'GET /repos/{owner}/{repo}/dependabot/secrets',
    shape: list(SecretSchema, 'secrets'),
    map: (items, at) => m.mapSecrets('dependabot-secret', repoHolder(at), items),
  }),
  row({
    signal: 'repo-webhooks',
    route: 'GET /repos/{owner}/{repo}/hooks',
    shape: list(HookSchema),
    map: (items, at) => m.mapHooks(repoHolder(at), items),
  }),
];

/** One repository: its identity, then every row; a repository GitHub will not show is a gap. */
async function scanRepository(repo: RepoPayload, org: Where): Promise<m.Mapped> {
  const [owner, name] = repo.full_name.split('/') as [string, string];
  const at: Where = { ...org, repo, params: { owner, repo: name }, subject: repo.full_name };
  const self = { identities: [m.repoIdentity(repo)], credentials: [], grants: [] };
  let keys: m.Mapped;
  try {
    keys = await listAndMap(DEPLOY_KEYS, at);
  } catch (e) {
    // 404: the repository itself is invisible to these credentials; nothing else will answer.
    if (isNotFound(e)) {
      refusal(at.gaps, 'repositories', e, refusedAt(at));
      return self;
    }
    refusal(at.gaps, DEPLOY_KEYS.signal, e, refusedAt(at));
    keys = m.none();
  }
  const merged = m.merge([self, keys, ...(await Promise.all(REPO_ROWS.map((r) => run(r, at))))]);
  // CODEOWNERS only where it answers for something: repositories holding secrets or keys.
  if (needsCodeowners(merged)) {
    try {
      const file = await readCodeowners(at.client, owner, name);
      if (file) applyCodeowners(merged, file);
    } catch (e) {
      refusal(at.gaps, 'codeowners', e, refusedAt(at));
    }
  }
  return merged;
}

/** An org-level owner signal read once; a refusal is a gap and leaves it unknown (null). */
async function orgSignal<T>(signal: Signal, at: Where, read: () => Promise<T>): Promise<T | null> {
  try {
    return await read();
  } catch (e) {
    refusal(at.gaps, signal, e, refusedAt(at));
    return null;
  }
}

/** Scans one organization; any failure but a refusal fails the scope (never "empty"). */
export async function scanOrganization(
  settings: GitHubSettings,
  orgLogin: string,
  ctx: ConnectorContext,
  /** Shared by the orgs of one scan, so each App is looked up once. */
  appOwners: AppOwnerLookup = new AppOwnerLookup(),
): Promise<ScopeResult> {
  let client: GitHubClient | null = null;
  const fallback: Scope = {
    provider: 'github',
    id: orgLogin,
    name: orgLogin,
    kind: 'organization',
  };
  try {
    client = await GitHubClient.open(settings, orgLogin, ctx);
    const orgData = await client.get('GET /orgs/{org}', { org: orgLogin }, OrgSchema);
    const org = orgData.login;
    const scope: Scope = { ...fallback, id: org, name: orgData.name || org };
    const gaps = newGaps();
    const at: Where = {
      client,
      org,
      params: { org },
      now: ctx.now(),
      gaps,
      appOwners,
      settings,
    };
    ctx.progress({ scope: org, phase: 'organization' });
    const [orgParts, repoParts, properties, members] = await Promise.all([
      Promise.all(ORG_ROWS.map((r) => run(r, at))),
      scanRepositories(at, ctx),
      orgSignal<RepoProperties>('custom-properties', at, () => readProperties(at.client, org)),
      orgSignal('org-members', at, () => readMembers(at.client, org)),
    ]);
    const merged = m.merge([
      { identities: [m.orgIdentity(org, scope.name)], credentials: [], grants: [] },
      ...orgParts,
      ...repoParts,
    ]);
    if (properties) applyProperties(merged.identities, properties);
    applyMembership(merged, members);
    // Repositories finish in any order; sorted output keeps runs comparable.
    const byId = (a: { externalId: string }, b: { externalId: string }) =>
      a.externalId.localeCompare(b.externalId);
    merged.identities.sort(byId);
    merged.credentials.sort(byId);
    merged.grants.sort(byId);
    return {
      kind: 'inventory',
      scope,
      ...merged,
      gaps: gaps.list(),
      apiCalls: client.calls,
      incomplete: gaps.incomplete(),
    };
  } catch (e) {
    if (ctx.signal.aborted) throw e;
    return {
      kind: 'failure',
      scope: fallback,
      error: errorMessage(e),
      code: (e as { code?: string | null }).code ?? null,
      apiCalls: client?.calls ?? 0,
    };
  }
}

/**
 * Scans each repository as the listing's pages arrive (the client caps the requests in
 * flight), so a large organization's repositories do not wait for its whole listing.
 */
async function scanRepositories(at: Where, ctx: ConnectorContext): Promise<m.Mapped[]> {
  const limit = pLimit(at.settings.concurrency);
  const scanned: Promise<m.Mapped>[] = [];
  let done = 0;
  const progress = () =>
    ctx.progress({ scope: at.org, phase: 'repositories', done, total: scanned.length });
  try {
    for await (const page of at.client.pages(
      'GET /orgs/{org}/repos',
      { org: at.org, type: 'all' },
      REPOS,
    )) {
      for (const repo of page) {
        const one = limit(async () => {
          ctx.signal.throwIfAborted();
          const mapped = await scanRepository(repo, at);
          done += 1;
          progress();
          return mapped;
        });
        // Handled at the end (Promise.all); until then a failure must not go unobserved.
        one.catch(() => undefined);
        scanned.push(one);
      }
      progress();
    }
  } catch (e) {
    // The repositories under way settle first, so no scan outlives the scope; one that
    // failed outright fails the scope even when the listing was merely refused.
    const failed = (await Promise.allSettled(scanned)).find((r) => r.status === 'rejected');
    if (failed && isRefused(e)) throw failed.reason;
    refusal(at.gaps, 'repositories', e, refusedAt(at));
    return [];
  }
  return Promise.all(scanned);
}
