/**
 * The scan pipeline: run each provider's connector, commit every scope it yields in its own
 * transaction as it arrives, and record how the run ended. Orchestration only — the command
 * decides what to print and which exit code that means.
 *
 * Stopping (Ctrl-C): the signal aborts every request in flight; what was committed stands,
 * each provider still running is recorded as interrupted (never as a failure of access), and
 * nothing it had not committed is marked removed.
 */
import type { CatalogStore, EvaluationInfo, ScopeRunRecord } from '../catalog/store.js';
import { contextFor, type ContextSource } from '../connector/context.js';
import { inShard, type Shard } from './shard.js';
import type { DemoHandle } from '../connector/index.js';
import { loadConnector } from '../connector/registry.js';
import type { ProviderId, ScanRun, ScopeResult } from '../model/index.js';
import type { Policy } from '../scoring/policy.js';
import type { OwnershipRule } from '../owners/map.js';
import { evaluateRun } from './evaluate.js';

export interface ScanRequest {
  catalog: CatalogStore;
  providers: readonly ProviderId[];
  /** Scan the built-in demo estate through each connector's stand-in. */
  demo: boolean;
  now: Date;
  signal: AbortSignal;
  version: string;
  source: Omit<ContextSource, 'now' | 'signal'>;
  /** Called after each scope is committed (progress, live output). */
  onScope?: (result: ScopeResult) => void;
  /** Evaluate the run against this policy once its scopes are committed (omit: no scoring). */
  policy?: Policy;
  /** The config's ownership map: owners are stored with the evaluation. */
  owners?: readonly OwnershipRule[];
  /** Called as the evaluation stores each scope. */
  onEvaluated?: (done: number, total: number) => void;
  /** Only the scopes of this shard are scanned and written (`--shard i/n`). */
  shard?: Shard;
  /** The run group of a logical scan split over several processes (catalog/run-groups.ts). */
  group?: string | null;
}

export interface ProviderOutcome {
  provider: ProviderId;
  /** The provider failed as a whole for a reason the user can fix (credentials, options). */
  userError: string | null;
  /** A bug rather than the provider: the stack, for --debug. */
  stack: string | null;
}

export interface ScanOutcome {
  runId: number;
  status: ScanRun['status'];
  scopes: ScopeRunRecord[];
  providers: ProviderOutcome[];
  interrupted: boolean;
  /** The stored evaluation of the run (null when not scored, nothing committed, or stopped). */
  evaluation: EvaluationInfo | null;
}

/** Resolves when the signal aborts: the race that lets a stuck connector be left behind. */
function aborted(signal: AbortSignal): Promise<'aborted'> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve('aborted');
    else signal.addEventListener('abort', () => resolve('aborted'), { once: true });
  });
}

export async function runScan(req: ScanRequest): Promise<ScanOutcome> {
  const { catalog, signal } = req;
  // The demo's ages are whole days before this instant, and some providers' timestamps have no
  // milliseconds. On a whole second every age is exact, so the demo's verdict never depends on
  // the millisecond the scan started (a key made 90 days ago is not older than 90 days).
  const now = req.demo ? new Date(Math.floor(req.now.getTime() / 1000) * 1000) : req.now;
  const runId = await catalog.beginRun({
    providers: [...req.providers],
    demo: req.demo,
    version: req.version,
    now,
    group: req.group ?? null,
  });
  const stop = aborted(signal);

  const scanProvider = async (provider: ProviderId): Promise<ProviderOutcome> => {
    let demo: DemoHandle | undefined;
    let last = performance.now();
    const record = async (result: ScopeResult) => {
      // Another shard's scope (a connector that cannot skip it listed it): not this run's.
      if (!inShard(req.shard, provider, result.scope.id)) return;
      // A connector that turned the abort into a scope failure was interrupted, not denied.
      if (result.kind === 'failure' && signal.aborted && !result.interrupted)
        result = { ...result, interrupted: true };
      const t = performance.now();
      await catalog.writeScope(runId, result, t - last);
      last = t;
      req.onScope?.(result);
    };
    const fail = (error: string, code: string | null, interrupted = false) =>
      record({
        kind: 'failure',
        scope: {
          provider,
          id: '*',
          name: interrupted ? `${provider}: scopes not committed` : `${provider} (connector)`,
          kind: 'account',
        },
        error,
        code,
        apiCalls: 0,
        ...(interrupted ? { interrupted: true } : {}),
      });
    try {
      const connector = await loadConnector(provider);
      if (req.demo) demo = await connector.startDemo(now);
      const ctx = await contextFor(provider, { ...req.source, now, signal }, demo);
      if (req.shard) ctx.wants = (scopeId) => inShard(req.shard, provider, scopeId);
      const it = connector.discover(ctx)[Symbol.asyncIterator]();
      for (;;) {
        const next = await Promise.race([it.next(), stop]);
        if (next === 'aborted') {
          void it.return?.().catch(() => {});
          await fail('stopped by the user before this provider finished', 'Interrupted', true);
          return { provider, userError: null, stack: null };
        }
        if (next.done) break;
        await record(next.value);
      }
      // A connector that noticed the abort and stopped early may not have said so.
      if (signal.aborted)
        await fail('stopped by the user before this provider finished', 'Interrupted', true);
      return { provider, userError: null, stack: null };
    } catch (err) {
      const e = err as Error & { code?: string; isUserError?: boolean };
      if (signal.aborted) {
        await fail('stopped by the user before this provider finished', 'Interrupted', true);
        return { provider, userError: null, stack: null };
      }
      // The provider as a whole failed (no credentials, endpoint down): record it, keep the others.
      await fail(e.message, e.code ?? e.name ?? null);
      return {
        provider,
        userError: e.isUserError ? e.message : null,
        stack: e.isUserError ? null : (e.stack ?? null),
      };
    } finally {
      await demo?.close().catch(() => {});
    }
  };

  const providers = await Promise.all(req.providers.map(scanProvider));
  const scopes = await catalog.scopesOfRun(runId);
  const interrupted = signal.aborted;
  const ok = scopes.filter((s) => s.status === 'ok').length;
  const status: ScanRun['status'] = interrupted
    ? 'interrupted'
    : ok === scopes.length
      ? 'ok'
      : ok > 0
        ? 'partial'
        : 'failed';
  await catalog.finishRun(runId, status, new Date());
  // Evaluated once the run is recorded: a scan killed while evaluating keeps its inventory,
  // and the first view evaluates what is missing.
  let evaluation: EvaluationInfo | null = null;
  // Of a run group, the last shard to finish evaluates the group (its head) for all of them;
  // the others leave it (each one's finish is committed before it looks, so the last sees all).
  const run = status === 'failed' ? null : await catalog.groupHead(runId);
  if (req.policy && run && !signal.aborted) {
    try {
      evaluation = await evaluateRun(catalog, run, {
        policy: req.policy,
        ...(req.owners ? { owners: req.owners } : {}),
        signal,
        ...(req.onEvaluated ? { onScope: req.onEvaluated } : {}),
      });
    } catch (err) {
      // Stopped while evaluating: the inventory stands; the next view finishes the evaluation.
      if (!signal.aborted) throw err;
    }
  }
  return { runId, status, scopes, providers, interrupted: signal.aborted, evaluation };
}
