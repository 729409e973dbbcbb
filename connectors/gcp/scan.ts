/**
 * The scan: which projects (listed, under an organization/folder, or every visible one), then
 * per project which calls, in what order, and which gaps each can leave. Listing service
 * accounts decides what exists: its failure fails the project. A denied call elsewhere is a
 * gap in one signal and the scan goes on; any other failure fails the project. Projects run
 * side by side, streamed as each finishes; the scan's request budget bounds the calls.
 */
import { pMapIterable } from 'p-map';
import {
  ApiError,
  GapCollector,
  UserError,
  defineSignals,
  errorMessage,
  isDenied,
  type ConnectorContext,
  type CoverageGap,
  type Scope,
  type ScopeResult,
  type SignalId,
} from '../../src/connector/index.js';
import { GcpClient, openSession, type GcpSession } from './client.js';
import { toInventory } from './map/inventory.js';
import type { PolicySource } from './map/grants.js';
import { PROVIDER } from './options.js';
import { applyProjectLabels } from './owners.js';
import type { RawPolicy, RawProject } from './schema.js';

/** Every signal a GCP scan can leave a gap in, with its fix and the records a gap hides. */
export const SIGNALS = defineSignals([
  {
    signal: 'project-listing',
    description: 'the projects under the organization or folder',
    fix: 'roles/browser (resourcemanager.projects.list, folders.list) on the organization or folder',
    // Projects below an unlisted folder are other scopes: nothing in this one is hidden.
    hides: [],
  },
  {
    signal: 'service-account-keys',
    description: 'the user-managed keys of each service account',
    fix: 'roles/iam.serviceAccountKeyAdmin or roles/iam.securityReviewer (iam.serviceAccountKeys.list) on the project',
    hides: ['credentials'],
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

type Signal = SignalId<typeof SIGNALS>;

/** A project to scan, with the folders/organization above it when known (for inherited IAM). */
interface Target {
  projectId: string;
  project: RawProject | null;
  ancestors: string[];
}

export async function* discoverGcp(ctx: ConnectorContext): AsyncIterable<ScopeResult> {
  const session = openSession(ctx);
  const resolver = new GcpClient(session);
  await checkCredentials(resolver, ctx.signal);
  const root = session.settings.organization ?? session.settings.folder;
  let targets: Target[];
  const listing = new GapCollector<Signal>(SIGNALS);
  try {
    targets = await resolveTargets(session, resolver, listing);
  } catch (e) {
    if (e instanceof UserError || !root || ctx.signal.aborted) throw e;
    yield {
      kind: 'failure',
      scope: {
        provider: PROVIDER,
        id: root.split('/')[1] ?? root,
        name: root,
        kind: 'organization',
      },
      error: errorMessage(e),
      code: (e as { code?: string }).code ?? null,
      apiCalls: resolver.calls + takeUncounted(session),
    };
    return;
  }

  const policies = new Map<string, Promise<RawPolicy | ApiError>>();
  let listingCalls = resolver.calls; // charged to the first result
  const results = pMapIterable(
    targets,
    (t) => scanProject(session, t, listing.list(), policies),
    // Twice the request budget in projects keeps the budget busy while some projects wait
    // on their service-account listing; memory stays bounded by it.
    { concurrency: 2 * session.settings.concurrency, preserveOrder: false },
  );
  for await (const result of results) {
    result.apiCalls += listingCalls + takeUncounted(session);
    listingCalls = 0;
    yield result;
  }
}

/** Token exchanges happen inside the auth library: charged to whichever scope comes next. */
function takeUncounted(session: GcpSession): number {
  const n = session.uncounted.calls;
  session.uncounted.calls = 0;
  return n;
}

/**
 * Credentials that cannot be used are one user error, not the same failure for every project.
 * A token endpoint that is down or off-origin is an endpoint failure, reported as such.
 */
async function checkCredentials(client: GcpClient, signal: AbortSignal): Promise<void> {
  try {
    await client.checkToken();
  } catch (e) {
    if (signal.aborted) throw e;
    if (e instanceof ApiError && !['auth', 'denied', 'client'].includes(e.kind)) throw e;
    throw new UserError(
      `gcp: no usable credentials (${errorMessage(e)})`,
      'run `gcloud auth application-default login`, set GOOGLE_APPLICATION_CREDENTIALS, or set NHI_GCP_ACCESS_TOKEN',
    );
  }
}

/* ----- which projects ----- */

async function resolveTargets(
  session: GcpSession,
  client: GcpClient,
  gaps: GapCollector<Signal>,
): Promise<Target[]> {
  const { settings, ctx } = session;
  if (settings.projects)
    return settings.projects.map((projectId) => ({ projectId, project: null, ancestors: [] }));
  const root = settings.organization ?? settings.folder;
  if (root) return walk(client, ctx, root, gaps);
  const envProject = ctx.env.GOOGLE_CLOUD_PROJECT || ctx.env.CLOUDSDK_CORE_PROJECT;
  if (envProject) return [{ projectId: envProject, project: null, ancestors: [] }];
  let found: RawProject[];
  try {
    found = await client.searchProjects('state:ACTIVE');
  } catch (e) {
    if (ctx.signal.aborted) throw e;
    throw new UserError(
      `gcp: no projects configured and projects.search failed (${errorMessage(e)})`,
      'set gcp.projects, gcp.organization or gcp.folder in the config file, or GOOGLE_CLOUD_PROJECT',
    );
  }
  if (!found.length) {
    throw new UserError(
      'gcp: the credentials can see no active project',
      'set gcp.projects, gcp.organization or gcp.folder',
    );
  }
  return found.map((p) => ({ projectId: p.projectId, project: p, ancestors: [] }));
}

/**
 * Every ACTIVE project under `root`, folders walked side by side. A folder below the root
 * that cannot be listed is a gap (its projects are not scanned); the root failing fails all.
 */
async function walk(
  client: GcpClient,
  ctx: ConnectorContext,
  root: string,
  gaps: GapCollector<Signal>,
): Promise<Target[]> {
  const targets: Target[] = [];
  const listingGap = (node: string) => (e: unknown) => {
    if (!isDenied(e)) throw e;
    gaps.add('project-listing', {
      message: `could not list everything under these nodes; projects below them were not scanned: ${e.message}`,
      code: e.code,
      subject: node,
      fix: `roles/browser on ${node}`,
    });
    return [];
  };
  const visit = async (node: string, ancestors: string[]): Promise<void> => {
    ctx.progress({ phase: 'listing projects', scope: node });
    const [projects, folders] = await Promise.all([
      node === root ? client.listProjects(node) : client.listProjects(node).catch(listingGap(node)),
      client.listFolders(node).catch(listingGap(node)),
    ]);
    for (const p of projects)
      if ((p.state ?? 'ACTIVE') === 'ACTIVE')
        targets.push({ projectId: p.projectId, project: p, ancestors });
    await Promise.all(
      folders
        .filter((f) => (f.state ?? 'ACTIVE') === 'ACTIVE')
        .map((f) => visit(f.name, [f.name, ...ancestors])),
    );
  };
  await visit(root, [root]);
  return targets;
}

/* ----- one project ----- */

async function scanProject(
  session: GcpSession,
  target: Target,
  listingGaps: CoverageGap[],
  policies: Map<string, Promise<RawPolicy | ApiError>>,
): Promise<ScopeResult> {
  const { ctx, settings } = session;
  const client = new GcpClient(session);
  const projectId = target.projectId;
  // Only for the display name, asked alongside the rest: a project the caller cannot `get`
  // may still be scannable.
  const named: Promise<RawProject | null> = target.project
    ? Promise.resolve(target.project)
    : client.getProject(projectId).catch((e: unknown) => {
        ctx.log.debug(`gcp: projects.get failed, the project id is its name: ${errorMessage(e)}`);
        return null;
      });
  const scopeOf = (project: RawProject | null): Scope => ({
    provider: PROVIDER,
    id: projectId,
    name: project?.displayName || projectId,
    kind: 'project',
  });
  const gaps = new GapCollector<Signal>(SIGNALS);
  gaps.addAll(listingGaps);
  /** A call whose denial costs one signal: the error becomes a gap, anything else fails. */
  const optional = <T>(signal: Signal, what: string, call: () => Promise<T>) =>
    call().catch((e: unknown) => {
      if (!isDenied(e)) throw e;
      gaps.add(signal, { message: `${what}: ${e.message}`, code: e.code });
      return null;
    });

  try {
    ctx.progress({ scope: projectId, phase: 'service accounts' });
    const listed = await client.listServiceAccounts(projectId);
    let done = 0;
    const keysOf = async (sa: (typeof listed)[number]) => {
      try {
        return { sa, keys: await client.listKeys(sa.name) };
      } catch (e) {
        if (e instanceof ApiError && e.kind === 'not-found') return null; // deleted mid-scan
        if (!isDenied(e)) throw e;
        gaps.add('service-account-keys', {
          message: `keys not listed; they are kept as last seen: ${e.message}`,
          code: e.code,
          subject: sa.email,
        });
        return { sa, keys: null };
      } finally {
        ctx.progress({ scope: projectId, phase: 'keys', done: ++done, total: listed.length });
      }
    };
    const [accounts, saActivity, keyActivity, policy, recommendations, apiKeys, inherited] =
      await Promise.all([
        Promise.all(listed.map(keysOf)),
        optional(
          'sa-last-authentication',
          'Policy Analyzer not read; last use of service accounts is unknown',
          () => client.queryActivities(projectId, 'serviceAccountLastAuthentication'),
        ),
        optional(
          'sa-last-authentication',
          'Policy Analyzer not read; last use of service accounts and keys is unknown',
          () => client.queryActivities(projectId, 'serviceAccountKeyLastAuthentication'),
        ),
        optional(
          'project-iam-policy',
          'project IAM policy not read; roles of service accounts are unknown',
          () => client.getIamPolicy(`projects/${projectId}`),
        ),
        settings.recommender
          ? optional(
              'iam-recommender',
              'IAM Recommender not read; unused roles are not identified',
              () => client.listIamRecommendations(projectId),
            )
          : null,
        settings.apiKeys
          ? optional('api-keys', 'API keys not listed', () => client.listApiKeys(projectId))
          : null,
        inheritedPolicies(target.ancestors, client, policies, gaps),
      ]);
    ctx.progress({ scope: projectId, phase: 'done', done: listed.length, total: listed.length });
    const project = await named;
    const inventory = toInventory({
      scope: scopeOf(project),
      accounts: accounts.filter((a) => a !== null),
      saActivity,
      keyActivity,
      policy,
      inherited,
      recommendations,
      apiKeys,
      now: ctx.now(),
      gaps: gaps.list(),
      incomplete: gaps.incomplete(),
      apiCalls: client.calls,
    });
    if (inventory.kind === 'inventory') applyProjectLabels(inventory.identities, project?.labels);
    return inventory;
  } catch (e) {
    if (ctx.signal.aborted) throw e;
    // One failing project is recorded; the others still finish.
    return {
      kind: 'failure',
      scope: scopeOf(await named),
      error: errorMessage(e),
      code: (e as { code?: string }).code ?? null,
      apiCalls: client.calls,
    };
  }
}

/**
 * The folder and organization policies above a project, each read once per scan (cached:
 * many projects share them). A denied one is a gap in this project; any other failure fails it.
 */
async function inheritedPolicies(
  ancestors: string[],
  client: GcpClient,
  cache: Map<string, Promise<RawPolicy | ApiError>>,
  gaps: GapCollector<Signal>,
): Promise<{ source: PolicySource; policy: RawPolicy }[]> {
  const read = (resource: string) => {
    let p = cache.get(resource);
    if (!p) {
      p = client
        .getIamPolicy(resource)
        .catch((e: unknown) => (e instanceof ApiError ? e : Promise.reject(e)));
      cache.set(resource, p);
    }
    return p;
  };
  const out: { source: PolicySource; policy: RawPolicy }[] = [];
  for (const resource of ancestors) {
    const level = resource.startsWith('organizations/')
      ? ('organization' as const)
      : ('folder' as const);
    const policy = await read(resource);
    if (policy instanceof ApiError) {
      if (!policy.denied) throw policy;
      gaps.add(`${level}-iam-policy`, {
        message: `roles granted above the project were not read: ${policy.message}`,
        code: policy.code,
        subject: resource,
        fix: `roles/iam.securityReviewer on ${resource}`,
      });
      continue;
    }
    out.push({ source: { resource, level }, policy });
  }
  return out;
}
