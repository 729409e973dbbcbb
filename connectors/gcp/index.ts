/**
 * GCP connector manifest: service accounts, their user-managed keys, API keys, IAM roles on
 * projects/folders/organization, last authentication (Policy Analyzer) and unused roles
 * (IAM Recommender). Options and permissions: README.md beside this file.
 */
import type {
  Connector,
  ConnectorContext,
  DoctorCheck,
  DoctorReport,
} from '../../src/connector/index.js';
import { GcpApiError } from './client.js';
import { SIGNALS, discoverGcp, makeClient, scanEnv } from './scan.js';
import { options } from './options.js';

export const SCAN_PERMISSIONS = [
  'roles/iam.securityReviewer (or roles/iam.serviceAccountViewer + resourcemanager.projects.getIamPolicy): service accounts, keys, IAM policies',
  'roles/policyanalyzer.activityAnalysisViewer: last authentication of service accounts and keys',
  'roles/recommender.iamViewer: unused roles (IAM Recommender)',
  'roles/browser on the organization/folder: project and folder listing',
  'roles/serviceusage.apiKeysViewer (optional): API keys',
];

export const connector: Connector = {
  id: 'gcp',
  title: 'Google Cloud (IAM service accounts and keys)',
  options,
  signals: SIGNALS,
  scanPermissions: SCAN_PERMISSIONS,
  discover: discoverGcp,
  doctor,
  async startDemo(clock: Date) {
    // Loaded lazily: a real scan never pulls the stand-in or the demo estate in.
    const [{ startGcpStandIn }, { buildGcpDemoEstate }, { COMPANY }] = await Promise.all([
      import('./stand-in/server.js'),
      import('../../fixtures/demo/gcp.js'),
      import('../../fixtures/demo/company.js'),
    ]);
    const standIn = await startGcpStandIn({ estate: buildGcpDemoEstate(clock), now: () => clock });
    const url = standIn.url;
    return {
      options: {
        organization: COMPANY.gcpOrganizationId,
        rootUrls: {
          iam: url,
          cloudresourcemanager: url,
          policyanalyzer: url,
          recommender: url,
          apikeys: url,
          oauth2: url,
        },
        retry: { maxRetries: 2, baseDelayMs: 10, maxDelayMs: 100 },
      },
      env: { NHI_GCP_ACCESS_TOKEN: standIn.token },
      close: () => standIn.close(),
    };
  },
};

/** What each playbook calls on service-account keys (actions.ts), as IAM permissions. */
export const PLAYBOOK_PERMISSIONS: { name: string; permissions: string[] }[] = [
  {
    name: 'playbook: revoke service account keys',
    permissions: [
      'iam.serviceAccountKeys.list',
      'iam.serviceAccountKeys.get',
      'iam.serviceAccountKeys.disable',
      'iam.serviceAccountKeys.enable',
      'iam.serviceAccountKeys.delete',
    ],
  },
  {
    name: 'playbook: rotate service account keys',
    permissions: [
      'iam.serviceAccountKeys.list',
      'iam.serviceAccountKeys.get',
      'iam.serviceAccountKeys.create',
      'iam.serviceAccountKeys.disable',
      'iam.serviceAccountKeys.enable',
      'iam.serviceAccountKeys.delete',
    ],
  },
];

/**
 * One check per playbook from projects.testIamPermissions on `project` (read-only). Grants made
 * on a single service account are not visible at project level, hence "on project".
 */
async function playbookChecks(
  client: ReturnType<typeof makeClient>,
  project: string,
): Promise<DoctorCheck[]> {
  const all = [...new Set(PLAYBOOK_PERMISSIONS.flatMap((p) => p.permissions))];
  let held: Set<string>;
  try {
    held = new Set(await client.testIamPermissions(project, all));
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    return PLAYBOOK_PERMISSIONS.map((p) => ({
      name: p.name,
      ok: false,
      detail: `unknown: testIamPermissions on ${project} failed (${why}); this playbook needs ${p.permissions.join(', ')}`,
    }));
  }
  return PLAYBOOK_PERMISSIONS.map((p) => {
    const missing = p.permissions.filter((x) => !held.has(x));
    return {
      name: p.name,
      ok: missing.length === 0,
      detail: missing.length
        ? `missing on project ${project}: ${missing.join(', ')} (e.g. roles/iam.serviceAccountKeyAdmin)`
        : `allowed on project ${project}: ${p.permissions.join(', ')}`,
    };
  });
}

async function doctor(ctx: ConnectorContext): Promise<DoctorReport> {
  const env = scanEnv(ctx);
  const client = makeClient(env);
  const checks: DoctorCheck[] = [];
  const probe = async (name: string, fn: () => Promise<string>) => {
    try {
      checks.push({ name, ok: true, detail: await fn() });
      return true;
    } catch (e) {
      checks.push({
        name,
        ok: false,
        detail: e instanceof GcpApiError ? e.message : e instanceof Error ? e.message : String(e),
      });
      return false;
    }
  };
  const authenticated = await probe('credentials', async () => {
    await client.checkToken();
    return ctx.env.NHI_GCP_ACCESS_TOKEN
      ? 'access token from NHI_GCP_ACCESS_TOKEN'
      : 'Application Default Credentials';
  });
  const identity = authenticated ? await client.principal() : null;
  if (authenticated) {
    let project = env.opts.projects?.[0] ?? ctx.env.GOOGLE_CLOUD_PROJECT ?? null;
    const root = env.opts.organization ?? env.opts.folder;
    if (root) {
      await probe(`list projects under ${root}`, async () => {
        const found = await client.listProjects(root);
        project ??= found[0]?.projectId ?? null;
        return `${found.length} project(s) directly under ${root}`;
      });
    }
    if (project) {
      const p = project;
      await probe(
        `service accounts of ${p}`,
        async () => `${(await client.listServiceAccounts(p)).length} service account(s)`,
      );
      await probe(
        `IAM policy of ${p}`,
        async () =>
          `${(await client.getIamPolicy(`projects/${p}`)).bindings?.length ?? 0} binding(s)`,
      );
      await probe('Policy Analyzer last authentication', async () => {
        await client.queryActivities(p, 'serviceAccountKeyLastAuthentication');
        return 'readable';
      });
      checks.push(...(await playbookChecks(client, p)));
      if (env.opts.recommender) {
        await probe(
          'IAM Recommender',
          async () => `${(await client.listIamRecommendations(p)).length} recommendation(s)`,
        );
      }
    } else {
      checks.push({
        name: 'project',
        ok: false,
        detail: 'no project to probe: set gcp.projects or gcp.organization',
      });
    }
  }
  return { provider: 'gcp', authenticated, identity, checks };
}
