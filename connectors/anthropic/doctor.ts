/** `nhi doctor`: who the credentials are, what a scan can see, which playbooks could run. */
import {
  errorMessage,
  isDenied,
  type ConnectorContext,
  type DoctorCheck,
  type DoctorReport,
} from '../../src/connector/index.js';
import { AnthropicClient, resolveSettings } from './client.js';
import { PROVIDER } from './options.js';

export async function doctor(ctx: ConnectorContext): Promise<DoctorReport> {
  const settings = resolveSettings(ctx);
  const client = new AnthropicClient(settings, ctx);
  let identity: string;
  try {
    const me = await client.whoAmI();
    identity = `${me.name} (${me.id})`;
  } catch (e) {
    return {
      provider: PROVIDER,
      authenticated: false,
      identity: null,
      checks: [{ name: 'authenticate', ok: false, detail: errorMessage(e) }],
    };
  }
  const checks: DoctorCheck[] = [];
  try {
    const projects = await client.listProjects();
    checks.push({
      name: 'projects',
      ok: projects.length > 0,
      detail: `${projects.length} visible`,
    });
    const first = projects[0];
    if (first) {
      const accounts = await client.listServiceAccounts(first.id);
      const sample = accounts[0];
      if (sample) {
        try {
          await client.listKeys(first.id, sample.id);
          checks.push({ name: 'keys', ok: true, detail: `keys readable in ${first.id}` });
        } catch (e) {
          if (!isDenied(e)) throw e;
          checks.push({ name: 'keys', ok: false, detail: `${e.message} (needs keys:read)` });
        }
      }
    }
  } catch (e) {
    checks.push({ name: 'projects', ok: false, detail: errorMessage(e) });
  }
  // Write permissions cannot be probed without changing something: say so.
  checks.push({
    name: 'playbook: rotate and revoke keys',
    ok: false,
    detail: 'unknown (this API has no permission check): needs keys:write',
  });
  return { provider: PROVIDER, authenticated: true, identity, checks };
}
