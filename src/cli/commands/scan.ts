import { setMaxListeners } from 'node:events';
import type { Command } from 'commander';
import { UserError } from '../../connector/index.js';
import { parseProviders, PROVIDERS } from '../../connector/registry.js';
import type { ProviderId } from '../../model/index.js';
import { openStore, type ScopeRunRecord } from '../../catalog/index.js';
import { runGroupOf } from '../../catalog/run-groups.js';
import { loadConfig } from '../../config/index.js';
import { runScan } from '../../scan/run.js';
import { parseShard } from '../../scan/shard.js';
import { catalogPath } from '../catalog-path.js';
import { flagOptions } from '../connector-flags.js';
import { EXIT } from '../exit-codes.js';
import { formatOf, globalsOf, type Globals } from '../globals.js';
import { colorEnabled, line, makeChalk, note, out, styled, table, warn } from '../output.js';
import { createProgress, progressWanted } from '../progress.js';
import { VERSION } from '../../version.js';
import type { Finding } from '../../model/index.js';
import type { PruneResult } from '../../catalog/index.js';
import { fixLine } from '../../scoring/fix-steps.js';
import { parseCount } from '../limit.js';
import { retentionRequest } from './prune.js';

interface ScanFlags {
  provider?: string;
  demo?: boolean;
  score: boolean;
  shard?: string;
  runGroup?: string;
  top?: string;
}

/** Worst findings the end-of-scan screen names when --top is not given. */
const DEFAULT_TOP = 5;

function chooseProviders(
  f: ScanFlags,
  configured: string[],
  flags: Partial<Record<ProviderId, object>>,
): ProviderId[] {
  if (f.provider) return parseProviders(f.provider);
  if (f.demo) return [...PROVIDERS];
  const implied = PROVIDERS.filter(
    (p) => configured.includes(p) || Object.keys(flags[p] ?? {}).length > 0,
  );
  if (implied.length) return implied;
  throw new UserError(
    `nothing to scan: pass --provider ${PROVIDERS.join('|')}, configure providers in nhi.config.yaml, or try --demo`,
  );
}

/**
 * The first Ctrl-C stops the scan (requests in flight are aborted, committed scopes stand);
 * a second one exits at once.
 */
function onInterrupt(abort: AbortController, g: Globals, before: () => void): () => void {
  let count = 0;
  const handler = () => {
    count += 1;
    if (count > 1) process.exit(EXIT.interrupted);
    before();
    note(g, 'Stopping: committed scopes are kept; press Ctrl-C again to quit at once.');
    abort.abort(new UserError('scan interrupted'));
  };
  process.on('SIGINT', handler);
  return () => process.off('SIGINT', handler);
}

export async function run(cmd: Command): Promise<number> {
  const g = globalsOf(cmd);
  const f = cmd.opts() as ScanFlags;
  const format = formatOf(g, ['table', 'json']);
  const config = await loadConfig({ path: g.config, cwd: process.cwd() });
  const flags = flagOptions(cmd.opts());
  // A provider counts as configured when its section in the config file sets something.
  const configured = Object.entries(config.providers)
    .filter(([, v]) => Object.keys(v).length > 0)
    .map(([k]) => k);
  const providers = chooseProviders(f, configured, flags);
  const shard = f.shard === undefined ? undefined : parseShard(f.shard);
  const top = f.top === undefined ? DEFAULT_TOP : parseCount('--top', f.top, 0);
  const location = catalogPath(g, { scan: f.demo ? 'demo' : 'real' });
  const catalog = await openStore(location);
  const score = f.score;
  const group = runGroupOf(f.runGroup);
  // The demo's fictional scopes and a real estate never share a catalog.
  if (await catalog.hasRuns({ demo: !f.demo })) {
    await catalog.close();
    throw new UserError(
      f.demo
        ? `${catalog.location} holds a real estate: the demo goes to its own catalog (leave out --catalog/NHI_CATALOG, or name a new file)`
        : `${catalog.location} holds the demo estate: scan real providers into another catalog (leave out --catalog/NHI_CATALOG, or name a new file)`,
    );
  }
  const now = new Date();
  const started = performance.now();
  const abort = new AbortController();
  // Every request in flight listens for Ctrl-C on this one signal: many listeners are expected.
  // (Not 0, "unlimited": Node 20's getMaxListeners then throws for an AbortSignal.)
  setMaxListeners(1024, abort.signal);
  const progress = createProgress(progressWanted(g.quiet) && format === 'table', providers);
  // The bars are put away first, or their next redraw would overwrite the message.
  const detach = onInterrupt(abort, g, () => progress.stop());
  let outcome;
  try {
    outcome = await runScan({
      catalog,
      providers,
      demo: Boolean(f.demo),
      now,
      signal: abort.signal,
      version: VERSION,
      ...(score ? { policy: config.policy, owners: config.owners.map } : {}),
      ...(shard ? { shard } : {}),
      group,
      source: {
        configured: config.providers,
        flags,
        ...(g.debug ? { debug: warn } : {}),
        progress: (provider, u) => progress.update(provider, u),
      },
    });
  } catch (err) {
    await catalog.close();
    throw err;
  } finally {
    progress.stop();
    detach();
  }
  const { runId, status, scopes } = outcome;
  if (g.debug) for (const p of outcome.providers) if (p.stack) warn(p.stack);

  // The counts every view will show: read from the evaluation the scan stored.
  const findingsBySeverity: Record<string, number> = {};
  for (const [severity, n] of Object.entries(outcome.evaluation?.summary.bySeverity ?? {})) {
    if (n > 0 && severity !== 'info') findingsBySeverity[severity] = n;
  }
  const gaps = (await catalog.gapsInForce(runId)).filter((x) => x.runId === runId);
  // The end-of-scan screen (a person at a terminal): the worst findings, from the evaluation
  // this scan stored, in report's order, so the screen and `nhi report` begin alike.
  const worst =
    format === 'table' && !g.quiet && process.stdout.isTTY && top > 0 && outcome.evaluation
      ? await firstPage(
          catalog.findings({
            evaluationId: outcome.evaluation.id,
            outcome: 'fail',
            order: 'canonical',
            limit: top,
          }),
        )
      : [];
  // catalog.retention: applied once the scan is stored (never to an interrupted one).
  let pruned: PruneResult | null = null;
  if (config.retention && !outcome.interrupted && status !== 'failed') {
    try {
      pruned = await catalog.prune(retentionRequest(config.retention, new Date()));
    } catch (err) {
      // The scan stands; housekeeping failing is said, not fatal.
      warn(line`nhi: catalog retention not applied: ${(err as Error).message}`);
    }
  }
  await catalog.close();
  const seconds = (performance.now() - started) / 1000;

  if (format === 'json') {
    out(
      JSON.stringify(
        {
          run: { id: runId, status, demo: Boolean(f.demo), seconds },
          scopes,
          gaps,
          findings: findingsBySeverity,
          ...(pruned
            ? {
                pruned: {
                  runs: pruned.runs,
                  bytesFreed: Math.max(0, pruned.bytesBefore - (pruned.bytesAfter ?? 0)),
                },
              }
            : {}),
        },
        null,
        2,
      ),
    );
  } else if (g.quiet) {
    // -q: nothing but errors; the exit code carries the result.
    for (const x of scopes.filter((x) => x.status === 'failed'))
      warn(line`nhi: scan failed for ${x.provider}/${x.scopeId}: ${x.error}`);
  } else {
    printSummary(g, {
      runId,
      status,
      demo: Boolean(f.demo),
      seconds,
      scopes,
      gaps,
      findingsBySeverity,
      worst,
    });
    if (pruned?.runs.length)
      note(
        g,
        `Retention: removed ${pruned.runs.length} old scan(s) from the catalog (nhi runs lists the rest).`,
      );
  }

  if (outcome.interrupted) return EXIT.interrupted;
  if (status === 'failed' && outcome.providers.every((o) => o.userError)) {
    // Every provider failed for a reason the user can fix (credentials, options): a usage error.
    for (const o of outcome.providers) warn(line`nhi: ${o.provider}: ${o.userError}`);
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
    worst: readonly Finding[];
  },
): void {
  const color = colorEnabled(g);
  const c = makeChalk(color);
  const rows = s.scopes.map((x) => [
    x.provider,
    x.scopeName === x.scopeId || x.scopeId === '*' ? x.scopeName : `${x.scopeName} (${x.scopeId})`,
    styled(
      x.status === 'ok'
        ? c.green('ok')
        : x.status === 'interrupted'
          ? c.yellow('interrupted')
          : c.red('failed'),
    ),
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
      { dropFirst: ['grants', 'gaps'] },
    ),
  );
  for (const x of s.scopes.filter((x) => x.status === 'failed')) {
    out(c.red(line`failed: ${x.provider}/${x.scopeId}: ${x.error}`));
  }
  const stopped = s.scopes.filter((x) => x.status === 'interrupted');
  if (stopped.length) {
    const committed = s.scopes.filter((x) => x.status === 'ok').length;
    out(
      c.yellow(
        `Interrupted: ${committed} scope(s) committed; not scanned to the end: ${stopped.map((x) => x.provider).join(', ')} (nothing of theirs was marked removed).`,
      ),
    );
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
        line`  ${x.provider}/${x.scopeId} ${x.signal}: ${x.message}${x.fix ? ` (fix: ${x.fix})` : ''}`,
      );
    }
    if (s.gaps.length > 10) note(g, `  … ${s.gaps.length - 10} more: nhi scan --format json`);
  }
  const order = ['critical', 'high', 'medium', 'low'];
  const parts = order
    .filter((k) => s.findingsBySeverity[k])
    .map((k) => `${s.findingsBySeverity[k]} ${k}`);
  if (!parts.length) return;
  if (!s.worst.length) {
    out(`Findings: ${parts.join(', ')}. Details: nhi report`);
    return;
  }
  const total = order.reduce((n, k) => n + (s.findingsBySeverity[k] ?? 0), 0);
  out(`Findings: ${parts.join(', ')}. The worst ${s.worst.length}:`);
  out(worstFindings(s.worst, c, process.stdout.columns));
  out(`nhi report for all ${total} findings`);
}

const SEVERITY_COLOUR = {
  critical: 'red',
  high: 'red',
  medium: 'yellow',
  low: 'gray',
  info: 'gray',
} as const;

/**
 * Each finding in two lines that fit the terminal: severity, rule and subject
 * (provider/scope · identity · credential), then its fix (the playbook command or the manual
 * step) — cut with '…' rather than wrapped.
 */
export function worstFindings(
  findings: readonly Finding[],
  c: ReturnType<typeof makeChalk>,
  columns: number | undefined,
): string {
  const width = columns && columns > 20 ? columns : Infinity;
  const fit = (text: string) => {
    const chars = [...text];
    return chars.length <= width ? text : `${chars.slice(0, width - 1).join('')}…`;
  };
  return findings
    .flatMap((f, i) => {
      const subject = [
        `${f.provider}/${f.scopeName}`,
        f.identityName,
        ...(f.credentialExternalId ? [f.credentialExternalId] : []),
      ];
      const head = fit(
        line`${String(i + 1).padStart(2)}. ${f.severity.padEnd(8)} ${f.ruleId}  ${subject.join(' · ')}`,
      );
      const fix = fixLine(f);
      const sev = f.severity;
      return [
        head.replace(sev, c[SEVERITY_COLOUR[sev]](sev)),
        fit(line`    fix: ${fix || `see nhi show ${f.subjectId}`}`),
      ];
    })
    .join('\n');
}

async function firstPage<T>(pages: AsyncIterable<readonly T[]>): Promise<T[]> {
  const rows: T[] = [];
  for await (const page of pages) rows.push(...page);
  return rows;
}
