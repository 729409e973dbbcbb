/** `nhi doctor`: which organizations the Admin API keys open, what a scan can see, which playbooks could run. */
import {
  errorMessage,
  probeCheck,
  type ConnectorContext,
  type DoctorCheck,
  type DoctorReport,
} from '../../src/connector/index.js';
import { AnthropicClient, resolveSettings } from './client.js';
import { PROVIDER } from './options.js';

export async function doctor(ctx: ConnectorContext): Promise<DoctorReport> {
  const settings = resolveSettings(ctx);
  const identities: string[] = [];
  const checks: DoctorCheck[] = [];
  for (const org of settings.organizations) {
    const client = new AnthropicClient(settings, org, ctx);
    let label: string;
    try {
      const me = await client.organization();
      label = `${me.name} (${me.id})`;
      identities.push(`${label}, Admin API key from ${org.keyEnv}`);
    } catch (e) {
      checks.push({
        name: `${org.name ?? org.keyEnv}: authenticate`,
        ok: false,
        detail: errorMessage(e),
      });
      continue;
    }
    checks.push(
      await probeCheck(
        `${label}: API keys`,
        async () => `${(await client.listApiKeys()).length} readable`,
      ),
      await probeCheck(
        `${label}: workspaces`,
        async () => `${(await client.listWorkspaces()).length} readable`,
      ),
      await probeCheck(
        `${label}: members`,
        async () => `${(await client.listUsers()).length} readable`,
      ),
      await probeCheck(`${label}: usage report (last use of keys)`, async () => {
        const end = ctx.now();
        await client.usageByKey(new Date(end.getTime() - 86_400_000), end);
        return 'readable: last use is derived from it (the Admin API has no last-used field)';
      }),
      {
        name: `${label}: playbook: revoke keys (inactive, then archived)`,
        ok: true,
        detail:
          'an Admin API key may change key status; rotation is manual (keys cannot be created through the API)',
      },
    );
  }
  return {
    provider: PROVIDER,
    authenticated: identities.length > 0,
    identity: identities.length ? identities.join('; ') : null,
    checks,
  };
}
