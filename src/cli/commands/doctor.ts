import type { Command } from 'commander';
import { loadConnector, parseProviders, PROVIDERS } from '../../connector/registry.js';
import type { DoctorReport } from '../../connector/index.js';
import type { ProviderId } from '../../model/index.js';
import { loadConfig } from '../../config/index.js';
import { formatOf, globalsOf } from '../globals.js';
import { colorEnabled, makeChalk, out } from '../output.js';

export async function run(cmd: Command): Promise<number> {
  const g = globalsOf(cmd);
  const f = cmd.opts() as { provider?: string };
  const format = formatOf(g, ['table', 'json']);
  const config = await loadConfig({ path: g.config, cwd: process.cwd() });
  const configured = PROVIDERS.filter((p) => Object.keys(config.providers[p] ?? {}).length > 0);
  const providers: ProviderId[] = f.provider
    ? parseProviders(f.provider)
    : configured.length
      ? configured
      : [...PROVIDERS];
  const now = new Date();
  const reports = await Promise.all(
    providers.map(async (provider): Promise<DoctorReport> => {
      try {
        const connector = await loadConnector(provider);
        return await connector.doctor({
          now: () => now,
          log: { debug: () => {} },
          progress: () => {},
          signal: AbortSignal.timeout(30_000),
          env: process.env,
          options: { ...config.providers[provider] },
        });
      } catch (err) {
        return {
          provider,
          authenticated: false,
          identity: null,
          checks: [{ name: 'authenticate', ok: false, detail: (err as Error).message }],
        };
      }
    }),
  );
  if (format === 'json') {
    out(JSON.stringify(reports, null, 2));
    return 0;
  }
  const c = makeChalk(colorEnabled(g));
  for (const r of reports) {
    out(
      `${c.bold(r.provider)}: ${r.authenticated ? c.green(`authenticated as ${r.identity ?? 'unknown'}`) : c.red('not authenticated')}`,
    );
    for (const ch of r.checks)
      out(`  ${ch.ok ? c.green('✓') : c.red('✗')} ${ch.name}: ${ch.detail}`);
  }
  // doctor reports; it fails only when nothing at all can authenticate.
  return reports.some((r) => r.authenticated) ? 0 : 3;
}
