/**
 * `nhi doctor` for GCP: are the credentials usable, what can they see, and which playbooks
 * could they run (one read-only projects.testIamPermissions call).
 */
import {
  errorMessage,
  type ConnectorContext,
  type DoctorCheck,
  type DoctorReport,
} from '../../src/connector/index.js';
import { ACCESS_TOKEN_ENV, GcpClient, openSession } from './client.js';

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
async function playbookChecks(client: GcpClient, project: string): Promise<DoctorCheck[]> {
  const all = [...new Set(PLAYBOOK_PERMISSIONS.flatMap((p) => p.permissions))];
  let held: Set<string>;
  try {
    held = new Set(await client.testIamPermissions(project, all));
  } catch (e) {
    return PLAYBOOK_PERMISSIONS.map((p) => ({
      name: p.name,
      ok: false,
      detail: `unknown: testIamPermissions on ${project} failed (${errorMessage(e)}); this playbook needs ${p.permissions.join(', ')}`,
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

export async function doctor(ctx: ConnectorContext): Promise<DoctorReport> {
  const session = openSession(ctx);
  const { settings } = session;
  const client = new GcpClient(session);
  const checks: DoctorCheck[] = [];
  const probe = async (name: string, fn: () => Promise<string>) => {
    try {
      checks.push({ name, ok: true, detail: await fn() });
      return true;
    } catch (e) {
      checks.push({ name, ok: false, detail: errorMessage(e) });
      return false;
    }
  };
  const authenticated = await probe('credentials', async () => {
    await client.checkToken();
    return ctx.env[ACCESS_TOKEN_ENV]
      ? `access token from ${ACCESS_TOKEN_ENV}`
      : 'Application Default Credentials';
  });
  const identity = authenticated ? await client.principal() : null;
  if (!authenticated) return { provider: 'gcp', authenticated, identity, checks };

  let project = settings.projects?.[0] ?? ctx.env.GOOGLE_CLOUD_PROJECT ?? null;
  const root = settings.organization ?? settings.folder;
  if (root) {
    await probe(`list projects under ${root}`, async () => {
      const found = await client.listProjects(root);
      project ??= found[0]?.projectId ?? null;
      return `${found.length} project(s) directly under ${root}`;
    });
  }
  if (!project) {
    checks.push({
      name: 'project',
      ok: false,
      detail: 'no project to probe: set gcp.projects or gcp.organization',
    });
    return { provider: 'gcp', authenticated, identity, checks };
  }
  const p = project;
  await probe(
    `service accounts of ${p}`,
    async () => `${(await client.listServiceAccounts(p)).length} service account(s)`,
  );
  await probe(
    `IAM policy of ${p}`,
    async () => `${(await client.getIamPolicy(`projects/${p}`)).bindings?.length ?? 0} binding(s)`,
  );
  await probe('Policy Analyzer last authentication', async () => {
    await client.queryActivities(p, 'serviceAccountKeyLastAuthentication');
    return 'readable';
  });
  checks.push(...(await playbookChecks(client, p)));
  if (settings.recommender) {
    await probe(
      'IAM Recommender',
      async () => `${(await client.listIamRecommendations(p)).length} recommendation(s)`,
    );
  }
  return { provider: 'gcp', authenticated, identity, checks };
}
