import type { Command } from 'commander';
import { UserError, type ConnectorContext, type DemoHandle } from '../../connector/index.js';
import { loadConnector, parseProviders, PROVIDERS } from '../../connector/registry.js';
import type { ProviderId, ScopeResult } from '../../model/index.js';
import { openCatalog, type ScopeRunRecord } from '../../catalog/index.js';
import { loadConfig } from '../../config/index.js';
import { catalogPath } from '../catalog-path.js';
import { EXIT } from '../exit-codes.js';
import { formatOf, globalsOf, type Globals } from '../globals.js';
import { colorEnabled, makeChalk, note, out, table } from '../output.js';
import { createProgress, progressWanted } from '../progress.js';
import { evaluateAndStore } from '../evaluate.js';
import { VERSION } from '../../version.js';

interface ScanFlags {
  provider?: string;
  demo?: boolean;
  profile?: string;
  region?: string;
  allAccounts?: boolean;
  roleName?: string;
  githubOrg?: string[];
  githubApiUrl?: string;
  githubTokenEnv?: string;
  azureTenant?: string;
  azureSubscription?: string[];
  gcpProject?: string[];
  gcpOrganization?: string;
  score: boolean;
}

/** Command-line flags become connector options, layered over the config file's section. */
function flagOptions(f: ScanFlags): Record<ProviderId, Record<string, unknown>> {
  const pick = (o: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
  return {
    aws: pick({
      profile: f.profile,
      region: f.region,
      allAccounts: f.allAccounts,
      roleName: f.roleName,
    }),
    github: pick({ orgs: f.githubOrg, apiUrl: f.githubApiUrl, tokenEnv: f.githubTokenEnv }),
    azure: pick({ tenantId: f.azureTenant, subscriptions: f.azureSubscription }),
    gcp: pick({ projects: f.gcpProject, organization: f.gcpOrganization }),
  };
}

function chooseProviders(
  f: ScanFlags,
  configured: string[],
  flags: Record<ProviderId, object>,
): ProviderId[] {
  if (f.provider) return parseProviders(f.provider);
  if (f.demo) return [...PROVIDERS];
  const implied = PROVIDERS.filter(
    (p) => configured.includes(p) || Object.keys(flags[p]).length > 0,
  );
  if (implied.length) return implied;
  throw new UserError(
    'nothing to scan: pass --provider aws|github|azure|gcp, configure providers in nhi.config.yaml, or try --demo',
  );
}

interface ProviderOutcome {
  provider: ProviderId;
  userError: string | null;
}

export async function run(cmd: Command): Promise<number> {
  const g = globalsOf(cmd);
  const f = cmd.opts() as ScanFlags;
  const format = formatOf(g, ['table', 'json']);
  const config = await loadConfig({ path: g.config, cwd: process.cwd() });
  const flags = flagOptions(f);
  // A provider counts as configured when its section in the config file sets something.
  const configured = Object.entries(config.providers)
    .filter(([, v]) => Object.keys(v).length > 0)
    .map(([k]) => k);
  const providers = chooseProviders(f, configured, flags);
  const catalog = openCatalog(catalogPath(g));
  const now = new Date();
  const started = performance.now();
  const runId = catalog.beginRun({ providers, demo: Boolean(f.demo), version: VERSION, now });
  const abort = new AbortController();
  const onSigint = () => abort.abort(new UserError('scan interrupted'));
  process.once('SIGINT', onSigint);
  const progress = createProgress(progressWanted(g.quiet) && format === 'table', providers);
  const debug = g.debug
    ? (m: string, d?: Record<string, unknown>) =>
        process.stderr.write(`debug: ${m}${d ? ` ${JSON.stringify(d)}` : ''}\n`)
    : () => {};

  const scanProvider = async (provider: ProviderId): Promise<ProviderOutcome> => {
    let demo: DemoHandle | undefined;
    let last = performance.now();
    const record = (result: ScopeResult) => {
      const t = performance.now();
      catalog.writeScope(runId, result, t - last);
      last = t;
    };
    try {
      const connector = await loadConnector(provider);
      if (f.demo) demo = await connector.startDemo(now);
      const ctx: ConnectorContext = {
        now: () => now,
        log: { debug: (m, d) => debug(`${provider}: ${m}`, d) },
        progress: (u) => progress.update(provider, u),
        signal: abort.signal,
        // The demo never sees the real environment, so no real credential can leak into it.
        env: demo ? { ...demo.env } : process.env,
        options: demo ? { ...demo.options } : { ...config.providers[provider], ...flags[provider] },
      };
      for await (const result of connector.discover(ctx)) record(result);
      return { provider, userError: null };
    } catch (err) {
      const e = err as Error & { code?: string; isUserError?: boolean };
      if (!e.isUserError && g.debug) process.stderr.write(`${e.stack}\n`);
      // The provider as a whole failed (no credentials, endpoint down): record it, keep the others.
      record({
        kind: 'failure',
        scope: { provider, id: '*', name: `${provider} (connector)`, kind: 'account' },
        error: e.message,
        code: e.code ?? e.name ?? null,
        apiCalls: 0,
      });
      return { provider, userError: e.isUserError ? e.message : null };
    } finally {
      await demo?.close();
    }
  };

  let outcomes: ProviderOutcome[];
  try {
    outcomes = await Promise.all(providers.map(scanProvider));
  } finally {
    progress.stop();
    process.off('SIGINT', onSigint);
  }
  const scopes = catalog.scopesOfRun(runId);
  const failed = scopes.filter((s) => s.status === 'failed');
  const status = failed.length === 0 ? 'ok' : failed.length < scopes.length ? 'partial' : 'failed';
  catalog.finishRun(runId, status, new Date());

  const findingsBySeverity: Record<string, number> = {};
  if (f.score && status !== 'failed') {
    const snapshot = catalog.snapshot(runId)!;
    const evaluation = evaluateAndStore(catalog, snapshot, config, now);
    for (const x of evaluation.findings) {
      if (x.outcome === 'fail')
        findingsBySeverity[x.severity] = (findingsBySeverity[x.severity] ?? 0) + 1;
    }
  }
  const gaps = catalog.snapshot(runId)?.gaps.filter((x) => x.runId === runId) ?? [];
  catalog.close();
  const seconds = (performance.now() - started) / 1000;

  if (format === 'json') {
    out(
      JSON.stringify(
        {
          run: { id: runId, status, demo: Boolean(f.demo), seconds },
          scopes,
          gaps,
          findings: findingsBySeverity,
        },
        null,
        2,
      ),
    );
  } else {
    printSummary(g, {
      runId,
      status,
      demo: Boolean(f.demo),
      seconds,
      scopes,
      gaps,
      findingsBySeverity,
    });
  }

  if (status === 'failed' && outcomes.every((o) => o.userError)) {
    // Every provider failed for a reason the user can fix (credentials, options): a usage error.
    for (const o of outcomes) process.stderr.write(`nhi: ${o.provider}: ${o.userError}\n`);
    return EXIT.usage;
  }
  return status === 'ok' ? EXIT.ok : status === 'partial' ? EXIT.partial : EXIT.scanFailed;
}

function printSummary(
  g: Globals,
  s: {
    runId: number;
    status: string;
    demo: boolean;
    seconds: number;
    scopes: ScopeRunRecord[];
    gaps: {
      provider: string;
      scopeId: string;
      signal: string;
      message: string;
      fix: string | null;
    }[];
    findingsBySeverity: Record<string, number>;
  },
): void {
  const color = colorEnabled(g);
  const c = makeChalk(color);
  const rows = s.scopes.map((x) => [
    x.provider,
    x.scopeName === x.scopeId ? x.scopeId : `${x.scopeName} (${x.scopeId})`,
    x.status === 'ok' ? c.green('ok') : c.red('failed'),
    x.identities,
    x.credentials,
    x.grants,
    x.gaps,
    x.removed,
  ]);
  out(
    `Scan #${s.runId}${s.demo ? ' of the demo estate' : ''}: ${s.status} in ${s.seconds.toFixed(1)}s`,
  );
  out(
    table(
      ['provider', 'scope', 'status', 'identities', 'credentials', 'grants', 'gaps', 'removed'],
      rows,
      color,
    ),
  );
  for (const x of s.scopes.filter((x) => x.status === 'failed')) {
    out(c.red(`failed: ${x.provider}/${x.scopeId}: ${x.error}`));
  }
  if (s.gaps.length) {
    note(
      g,
      c.yellow(
        `Not evaluated (${s.gaps.length}): a missing signal is reported, never taken as clean.`,
      ),
    );
    for (const x of s.gaps.slice(0, 10)) {
      note(
        g,
        `  ${x.provider}/${x.scopeId} ${x.signal}: ${x.message}${x.fix ? ` (fix: ${x.fix})` : ''}`,
      );
    }
    if (s.gaps.length > 10) note(g, `  … ${s.gaps.length - 10} more: nhi scan --format json`);
  }
  const order = ['critical', 'high', 'medium', 'low'];
  const parts = order
    .filter((k) => s.findingsBySeverity[k])
    .map((k) => `${s.findingsBySeverity[k]} ${k}`);
  if (parts.length) out(`Findings: ${parts.join(', ')}. Details: nhi report`);
}
