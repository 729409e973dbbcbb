/**
 * The scan: resolves which projects to read (listed, under an organization/folder, or every
 * visible one), then inventories each project with bounded concurrency and streams one
 * ScopeResult per project as it finishes.
 */
import pLimit from 'p-limit';
import type { ConnectorContext } from '../../src/connector/index.js';
import { UserError, defineSignals } from '../../src/connector/index.js';
import type {
  CoverageGap,
  Credential,
  Grant,
  Identity,
  Scope,
  ScopeResult,
} from '../../src/model/index.js';
import { createAuth, GcpApiError, GcpClient, type GcpAuth } from './client.js';
import {
  apiKeyHolderIdentity,
  foreignServiceAccountIdentity,
  foreignServiceAccountProject,
  indexActivities,
  indexRecommendations,
  mapApiKey,
  mapBindings,
  mapKey,
  mapServiceAccount,
  type LastAuthIndex,
  type RawPolicy,
  type RawProject,
  type RawServiceAccountKey,
  type RecommendationIndex,
} from './map.js';
import { parseGcpOptions, type GcpOptions } from './options.js';

/** A project to scan, with the folders/organization above it when known (for inherited IAM). */
interface Target {
  projectId: string;
  project: RawProject | null;
  ancestors: string[];
}

interface Resolution {
  targets: Target[];
  /** Gaps that apply to every project (e.g. a folder that could not be listed). */
  gaps: CoverageGap[];
  apiCalls: number;
}

/** Shared by the scan's parts: one auth client (one token), one client per project. */
export interface ScanEnv {
  ctx: ConnectorContext;
  opts: GcpOptions;
  auth: GcpAuth;
}

export function makeClient(env: ScanEnv): GcpClient {
  return new GcpClient({
    auth: env.auth,
    rootUrls: env.opts.rootUrls,
    retry: env.opts.retry,
    signal: env.ctx.signal,
    debug: (m, d) => env.ctx.log.debug(m, d),
  });
}

export function scanEnv(ctx: ConnectorContext): ScanEnv {
  const opts = parseGcpOptions(ctx.options, ctx.env);
  return { ctx, opts, auth: createAuth(ctx.env) };
}

export async function* discoverGcp(ctx: ConnectorContext): AsyncIterable<ScopeResult> {
  const env = scanEnv(ctx);
  const resolver = makeClient(env);
  // Missing credentials are one user error, not the same failure repeated for every project.
  try {
    await resolver.checkToken();
  } catch (e) {
    throw new UserError(
      `gcp: no usable credentials (${e instanceof Error ? e.message : String(e)})`,
      'run `gcloud auth application-default login`, set GOOGLE_APPLICATION_CREDENTIALS, or set NHI_GCP_ACCESS_TOKEN',
    );
  }
  let resolution: Resolution;
  const root = env.opts.organization ?? env.opts.folder;
  try {
    resolution = await resolveTargets(env, resolver);
  } catch (e) {
    if (e instanceof UserError || !root) throw e;
    const err =
      e instanceof GcpApiError ? e : new GcpApiError('resolve projects', null, null, String(e));
    yield {
      kind: 'failure',
      scope: { provider: 'gcp', id: root.split('/')[1] ?? root, name: root, kind: 'organization' },
      error: err.message,
      code: err.code,
      apiCalls: resolver.calls,
    };
    return;
  }

  const policyCache = new Map<string, Promise<RawPolicy | GcpApiError>>();
  const inheritedPolicy = (resource: string, client: GcpClient) => {
    let p = policyCache.get(resource);
    if (!p) {
      p = client
        .getIamPolicy(resource)
        .catch((e: unknown) => (e instanceof GcpApiError ? e : Promise.reject(e)));
      policyCache.set(resource, p);
    }
    return p;
  };

  const limit = pLimit(env.opts.concurrency);
  const pending = new Map<number, Promise<{ i: number; result: ScopeResult }>>();
  resolution.targets.forEach((t, i) => {
    pending.set(
      i,
      limit(async () => ({
        i,
        result: await scanProject(env, t, resolution.gaps, inheritedPolicy),
      })),
    );
  });
  let extraCalls = resolution.apiCalls; // project listing is charged to the first result
  while (pending.size) {
    const { i, result } = await Promise.race(pending.values());
    pending.delete(i);
    result.apiCalls += extraCalls;
    extraCalls = 0;
    yield result;
  }
}

/* ----- which projects ----- */

async function resolveTargets(env: ScanEnv, client: GcpClient): Promise<Resolution> {
  const { opts, ctx } = env;
  if (opts.projects) {
    return {
      targets: opts.projects.map((projectId) => ({ projectId, project: null, ancestors: [] })),
      gaps: [],
      apiCalls: 0,
    };
  }
  const root = opts.organization ?? opts.folder;
  if (root) {
    const targets: Target[] = [];
    const gaps: CoverageGap[] = [];
    // Breadth-first walk: projects directly under each node, then its folders.
    const queue: { node: string; ancestors: string[] }[] = [{ node: root, ancestors: [root] }];
    while (queue.length) {
      const { node, ancestors } = queue.shift()!;
      ctx.progress({ phase: 'listing projects', scope: node });
      const projects = await client.listProjects(node).catch((e: unknown) => {
        if (node !== root && e instanceof GcpApiError && e.denied) {
          gaps.push(listingGap(node, e));
          return [];
        }
        throw e;
      });
      for (const p of projects) {
        if ((p.state ?? 'ACTIVE') === 'ACTIVE')
          targets.push({ projectId: p.projectId, project: p, ancestors });
      }
      const folders = await client.listFolders(node).catch((e: unknown) => {
        if (e instanceof GcpApiError && e.denied) {
          gaps.push(listingGap(node, e));
          return [];
        }
        throw e;
      });
      for (const f of folders) {
        if ((f.state ?? 'ACTIVE') === 'ACTIVE')
          queue.push({ node: f.name, ancestors: [f.name, ...ancestors] });
      }
    }
    return { targets, gaps, apiCalls: client.calls };
  }
  const envProject = ctx.env.GOOGLE_CLOUD_PROJECT || ctx.env.CLOUDSDK_CORE_PROJECT;
  if (envProject)
    return {
      targets: [{ projectId: envProject, project: null, ancestors: [] }],
      gaps: [],
      apiCalls: 0,
    };
  let found: RawProject[];
  try {
    found = await client.searchProjects('state:ACTIVE');
  } catch (e) {
    throw new UserError(
      `gcp: no projects configured and projects.search failed (${e instanceof Error ? e.message : String(e)})`,
      'set gcp.projects, gcp.organization or gcp.folder in the config file, or GOOGLE_CLOUD_PROJECT',
    );
  }
  if (!found.length) {
    throw new UserError(
      'gcp: the credentials can see no active project',
      'set gcp.projects, gcp.organization or gcp.folder',
    );
  }
  return {
    targets: found.map((p) => ({ projectId: p.projectId, project: p, ancestors: [] })),
    gaps: [],
    apiCalls: client.calls,
  };
}

function listingGap(node: string, e: GcpApiError): CoverageGap {
  return {
    signal: 'project-listing',
    message: `could not list everything under ${node}; projects below it were not scanned: ${e.message}`,
    code: e.code,
    fix: `roles/browser on ${node}`,
  };
}

/* ----- one project ----- */

const KEY_LIST_CONCURRENCY = 8;

async function scanProject(
  env: ScanEnv,
  target: Target,
  sharedGaps: CoverageGap[],
  inheritedPolicy: (resource: string, client: GcpClient) => Promise<RawPolicy | GcpApiError>,
): Promise<ScopeResult> {
  const { ctx, opts } = env;
  const client = makeClient(env);
  const projectId = target.projectId;
  let project = target.project;
  if (!project) {
    // Only for the display name: a project the caller cannot `get` may still be scannable.
    project = await client.getProject(projectId).catch((e: unknown) => {
      ctx.log.debug('gcp: projects.get failed; using the project id as name', {
        projectId,
        error: String(e),
      });
      return null;
    });
  }
  const scope: Scope = {
    provider: 'gcp',
    id: projectId,
    name: project?.displayName || projectId,
    kind: 'project',
  };

  try {
    ctx.progress({ scope: projectId, phase: 'service accounts' });
    const accounts = await client.listServiceAccounts(projectId);
    const gaps: CoverageGap[] = [...sharedGaps];

    const keyLimit = pLimit(KEY_LIST_CONCURRENCY);
    let done = 0;
    const keysPromise = Promise.all(
      accounts.map((sa) =>
        keyLimit(async () => {
          // A key list that fails makes the scope fail: an inventory without those keys
          // would tell the catalog they were deleted.
          const keys = await client.listKeys(sa.name).catch((e: unknown) => {
            if (e instanceof GcpApiError && e.notFound) return null; // SA deleted mid-scan
            throw e;
          });
          ctx.progress({ scope: projectId, phase: 'keys', done: ++done, total: accounts.length });
          return keys;
        }),
      ),
    );

    const [keysPerAccount, saAuth, keyAuth, policy, recommendations, apiKeys] = await Promise.all([
      keysPromise,
      optional(gaps, lastAuthGap, () =>
        client.queryActivities(projectId, 'serviceAccountLastAuthentication'),
      ),
      optional(gaps, lastAuthGap, () =>
        client.queryActivities(projectId, 'serviceAccountKeyLastAuthentication'),
      ),
      optional(gaps, projectPolicyGap, () => client.getIamPolicy(`projects/${projectId}`)),
      opts.recommender
        ? optional(gaps, recommenderGap, () => client.listIamRecommendations(projectId))
        : Promise.resolve(null),
      opts.apiKeys
        ? optional(gaps, apiKeysGap, () => client.listApiKeys(projectId))
        : Promise.resolve(null),
    ]);
    dedupeGaps(gaps);

    const saIndex: LastAuthIndex | null = saAuth ? indexActivities(saAuth) : null;
    const keyIndex: LastAuthIndex | null = keyAuth ? indexActivities(keyAuth) : null;
    const recIndex: RecommendationIndex | null = recommendations
      ? indexRecommendations(recommendations)
      : null;

    const identities: Identity[] = [];
    const credentials: Credential[] = [];
    const now = ctx.now();
    accounts.forEach((sa, i) => {
      const keys: RawServiceAccountKey[] | null = keysPerAccount[i] ?? null;
      if (keys === null) return;
      identities.push(mapServiceAccount(sa, keys, saIndex));
      for (const k of keys) {
        const c = mapKey(k, sa, keyIndex, now);
        if (c) credentials.push(c);
      }
    });
    const known = new Set(identities.map((i) => i.externalId.toLowerCase()));

    // Grants: the project's own policy names SAs of this and other projects; inherited
    // (folder/organization) policies are kept only for this project's SAs.
    const grants: Grant[] = [];
    if (policy) {
      for (const g of mapBindings(
        policy,
        { resource: `projects/${projectId}`, level: 'project' },
        recIndex,
      )) {
        const email = g.identityExternalId.toLowerCase();
        if (!known.has(email)) {
          const home = foreignServiceAccountProject(email);
          if (home === null) continue; // Google-managed service agent
          identities.push(foreignServiceAccountIdentity(g.identityExternalId, home));
          known.add(email);
        }
        grants.push(g);
      }
    }
    for (const resource of target.ancestors) {
      const level = resource.startsWith('organizations/') ? 'organization' : 'folder';
      const inherited = await inheritedPolicy(resource, client);
      if (inherited instanceof GcpApiError) {
        gaps.push({
          signal: `${level}-iam-policy`,
          message: `roles granted on ${resource} were not read: ${inherited.message}`,
          code: inherited.code,
          fix: `roles/iam.securityReviewer on ${resource}`,
        });
        continue;
      }
      for (const g of mapBindings(inherited, { resource, level }, null)) {
        if (known.has(g.identityExternalId.toLowerCase()))
          grants.push({ ...g, attributes: { ...g.attributes, inherited: true } });
      }
    }

    if (apiKeys) {
      const holder = apiKeyHolderIdentity(projectId);
      for (const k of apiKeys) {
        const c = mapApiKey(k, holder.externalId);
        if (!c) continue;
        if (
          c.identityExternalId !== holder.externalId &&
          !known.has(c.identityExternalId.toLowerCase())
        ) {
          c.identityExternalId = holder.externalId; // bound to an SA we did not list
        }
        if (c.identityExternalId === holder.externalId && !known.has(holder.externalId)) {
          identities.push(holder);
          known.add(holder.externalId);
        }
        credentials.push(c);
      }
    }

    ctx.progress({
      scope: projectId,
      phase: 'done',
      done: accounts.length,
      total: accounts.length,
    });
    return {
      kind: 'inventory',
      scope,
      identities,
      credentials,
      // A member listed twice in one binding, or the same binding repeated, is one grant.
      grants: [...new Map(grants.map((g) => [g.externalId, g])).values()],
      gaps,
      apiCalls: client.calls,
      // Grants or API keys that could not be read must not be taken for removed ones.
      incomplete: [
        ...(gaps.some((g) => g.signal.endsWith('-iam-policy')) ? (['grants'] as const) : []),
        ...(gaps.some((g) => g.signal === 'api-keys') ? (['credentials'] as const) : []),
      ],
    };
  } catch (e) {
    const err = e instanceof GcpApiError ? e : null;
    return {
      kind: 'failure',
      scope,
      error: e instanceof Error ? e.message : String(e),
      code: err?.code ?? null,
      apiCalls: client.calls,
    };
  }
}

/** Runs a call whose failure only costs one signal: the error becomes a gap. */
async function optional<T>(
  gaps: CoverageGap[],
  gap: (e: GcpApiError) => CoverageGap,
  fn: () => Promise<T>,
): Promise<T | null> {
  try {
    return await fn();
  } catch (e) {
    const err =
      e instanceof GcpApiError
        ? e
        : new GcpApiError('read', null, null, e instanceof Error ? e.message : String(e));
    gaps.push(gap(err));
    return null;
  }
}

function dedupeGaps(gaps: CoverageGap[]) {
  const seen = new Set<string>();
  for (let i = gaps.length - 1; i >= 0; i--) {
    const key = gaps[i]!.signal;
    if (seen.has(key)) gaps.splice(i, 1);
    seen.add(key);
  }
}

/** Every signal a GCP scan can leave a gap in, with its fix and what it hides. */
export const SIGNALS = defineSignals([
  {
    signal: 'project-listing',
    description: 'the projects under the organization or folder',
    fix: 'roles/browser (resourcemanager.projects.list, folders.list) on the organization or folder',
    hides: [],
  },
  {
    signal: 'sa-last-authentication',
    description: 'last authentication of service accounts and keys (Policy Analyzer)',
    fix: 'roles/policyanalyzer.activityAnalysisViewer on the project (and the Policy Analyzer API enabled)',
    hides: [],
  },
  ...(['project', 'folder', 'organization'] as const).map((level) => ({
    signal: `${level}-iam-policy` as const,
    description: `the ${level} IAM policy (roles of service accounts)`,
    fix: `roles/iam.securityReviewer (resourcemanager.${level}s.getIamPolicy) on the ${level}`,
    hides: ['grants'] as const,
  })),
  {
    signal: 'iam-recommender',
    description: 'unused roles (IAM Recommender)',
    fix: 'roles/recommender.iamViewer on the project (and the Recommender API enabled)',
    hides: [],
  },
  {
    signal: 'api-keys',
    description: 'API keys of the project',
    fix: 'roles/serviceusage.apiKeysViewer on the project (and the API Keys API enabled)',
    hides: ['credentials'],
  },
]);

const lastAuthGap = (e: GcpApiError): CoverageGap => ({
  signal: 'sa-last-authentication',
  message: `Policy Analyzer last-authentication activity not read; last use of service accounts and keys is unknown: ${e.message}`,
  code: e.code,
  fix: 'roles/policyanalyzer.activityAnalysisViewer on the project (and the Policy Analyzer API enabled)',
});

const projectPolicyGap = (e: GcpApiError): CoverageGap => ({
  signal: 'project-iam-policy',
  message: `project IAM policy not read; roles of service accounts are unknown: ${e.message}`,
  code: e.code,
  fix: 'roles/iam.securityReviewer (resourcemanager.projects.getIamPolicy) on the project',
});

const recommenderGap = (e: GcpApiError): CoverageGap => ({
  signal: 'iam-recommender',
  message: `IAM Recommender not read; unused roles are not identified: ${e.message}`,
  code: e.code,
  fix: 'roles/recommender.iamViewer on the project (and the Recommender API enabled)',
});

const apiKeysGap = (e: GcpApiError): CoverageGap => ({
  signal: 'api-keys',
  message: `API keys not listed: ${e.message}`,
  code: e.code,
  fix: 'roles/serviceusage.apiKeysViewer on the project (and the API Keys API enabled)',
});
