/** `nhi doctor`: which organizations the admin keys open, what a scan can see, which playbooks could run. */
import {
  errorMessage,
  probeCheck,
  type ConnectorContext,
  type DoctorCheck,
  type DoctorReport,
} from '../../src/connector/index.js';
import { OpenaiClient, resolveSettings, type OrganizationTarget } from './client.js';
import { PROVIDER } from './options.js';

async function checkOrganization(
  ctx: ConnectorContext,
  settings: ReturnType<typeof resolveSettings>,
  org: OrganizationTarget,
): Promise<{ identity: string | null; checks: DoctorCheck[] }> {
  const client = new OpenaiClient(settings, org, ctx);
  const label = org.name ?? org.id ?? org.keyEnv;
  let projects;
  try {
    projects = await client.listProjects();
  } catch (e) {
    return {
      identity: null,
      checks: [
        { name: `${label}: authenticate (${org.keyEnv})`, ok: false, detail: errorMessage(e) },
      ],
    };
  }
  const id = org.id ?? client.organizationHeader ?? '(unknown organization: set OPENAI_ORG_ID)';
  const checks: DoctorCheck[] = [
    { name: `${id}: projects`, ok: true, detail: `${projects.length} visible (archived included)` },
  ];
  checks.push(
    await probeCheck(`${id}: members`, async () => `${(await client.listUsers()).length} readable`),
  );
  checks.push(
    await probeCheck(`${id}: admin keys`, async () => {
      const keys = await client.listAdminKeys();
      // The dashboard's redacted value ends with the key's last four characters: ours among them.
      const mine = keys.find((k) => k.redacted_value.endsWith(org.adminKey.slice(-4)));
      return `${keys.length} readable${mine ? `; scanning with '${mine.name ?? mine.id}' (${mine.id})` : ''}`;
    }),
  );
  const active = projects.find((p) => !p.archived_at && p.status !== 'archived');
  if (active)
    checks.push(
      await probeCheck(
        `${id}: project keys`,
        async () =>
          `${(await client.listProjectKeys(active.id)).length} readable in ${active.name ?? active.id}`,
      ),
    );
  // Write access cannot be probed without changing something: say so.
  checks.push({
    name: `${id}: playbook: revoke and rotate keys`,
    ok: false,
    detail:
      'unknown (the Admin API has no permission check): deleting and creating keys needs an admin key with write access',
  });
  return { identity: `${id} (admin key from ${org.keyEnv})`, checks };
}

export async function doctor(ctx: ConnectorContext): Promise<DoctorReport> {
  const settings = resolveSettings(ctx);
  const results = [];
  for (const org of settings.organizations)
    results.push(await checkOrganization(ctx, settings, org));
  const identities = results.map((r) => r.identity).filter((i): i is string => i !== null);
  return {
    provider: PROVIDER,
    authenticated: identities.length > 0,
    identity: identities.length ? identities.join(', ') : null,
    checks: results.flatMap((r) => r.checks),
  };
}
