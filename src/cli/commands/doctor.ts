import type { Command } from 'commander';
import { loadConnector, parseProviders, PROVIDERS } from '../../connector/registry.js';
import { contextFor } from '../../connector/context.js';
import type { DemoHandle, DoctorCheck, DoctorReport } from '../../connector/index.js';
import { flagOptions } from '../connector-flags.js';
import { EXIT } from '../exit-codes.js';
import type { ProviderId } from '../../model/index.js';
import { loadConfig } from '../../config/index.js';
import { formatOf, globalsOf } from '../globals.js';
import { colorEnabled, line, makeChalk, out, warn } from '../output.js';
import { jsonText } from '../../report/json.js';

/** Connectors name write-permission checks `playbook: <what>`; doctor shows them apart. */
const PLAYBOOK_PREFIX = 'playbook: ';

export async function run(cmd: Command): Promise<number> {
  const g = globalsOf(cmd);
  const f = cmd.opts() as { provider?: string; demo?: boolean };
  const format = formatOf(g, ['table', 'json']);
  const config = await loadConfig({ path: g.config, cwd: process.cwd() });
  const flags = flagOptions(cmd.opts());
  const configured = PROVIDERS.filter(
    (p) =>
      Object.keys(config.providers[p] ?? {}).length > 0 || Object.keys(flags[p] ?? {}).length > 0,
  );
  const providers: ProviderId[] = f.provider
    ? parseProviders(f.provider)
    : configured.length && !f.demo
      ? configured
      : [...PROVIDERS];
  const now = new Date();
  const reports = await Promise.all(
    providers.map(async (provider): Promise<DoctorReport> => {
      let demo: DemoHandle | undefined;
      try {
        const connector = await loadConnector(provider);
        if (f.demo) demo = await connector.startDemo(now);
        const ctx = await contextFor(
          provider,
          {
            now,
            signal: AbortSignal.timeout(60_000),
            configured: config.providers,
            flags,
            ...(g.debug ? { debug: warn } : {}),
          },
          demo,
        );
        return await connector.doctor(ctx);
      } catch (err) {
        if (g.debug) warn(String((err as Error).stack));
        return {
          provider,
          authenticated: false,
          identity: null,
          checks: [{ name: 'authenticate', ok: false, detail: (err as Error).message }],
        };
      } finally {
        await demo?.close().catch(() => {});
      }
    }),
  );
  // doctor reports; it fails only when nothing at all can authenticate (in either format).
  const code = reports.some((r) => r.authenticated) ? EXIT.ok : EXIT.noAuthentication;
  if (format === 'json') {
    out(jsonText(reports, 2));
    return code;
  }
  const c = makeChalk(colorEnabled(g));
  // '?' marks a permission doctor could not determine (the check says why), '✗' a missing one.
  const mark = (ch: DoctorCheck) =>
    ch.ok ? c.green('✓') : ch.detail.startsWith('unknown') ? c.yellow('?') : c.red('✗');
  for (const r of reports) {
    out(
      `${c.bold(r.provider)}: ${r.authenticated ? c.green(line`authenticated as ${r.identity ?? 'unknown'}`) : c.red('not authenticated')}`,
    );
    // Scan (read) checks first, then what the same credentials could change through playbooks.
    const playbooks = r.checks.filter((ch) => ch.name.startsWith(PLAYBOOK_PREFIX));
    const scan = r.checks.filter((ch) => !ch.name.startsWith(PLAYBOOK_PREFIX));
    if (playbooks.length) out(`  ${c.dim('scan:')}`);
    const indent = playbooks.length ? '    ' : '  ';
    for (const ch of scan) out(`${indent}${mark(ch)} ${line`${ch.name}: ${ch.detail}`}`);
    if (playbooks.length) {
      const runnable = playbooks.filter((ch) => ch.ok).length;
      out(`  ${c.dim(`playbooks (${runnable} of ${playbooks.length} runnable):`)}`);
      for (const ch of playbooks)
        out(`    ${mark(ch)} ${line`${ch.name.slice(PLAYBOOK_PREFIX.length)}: ${ch.detail}`}`);
    }
  }
  return code;
}
