/**
 * The scan pipeline: run each provider's connector, commit every scope it yields in its own
 * transaction as it arrives, and record how the run ended. Orchestration only — the command
 * decides what to print and which exit code that means.
 *
 * Stopping (Ctrl-C): the signal aborts every request in flight; what was committed stands,
 * each provider still running is recorded as interrupted (never as a failure of access), and
 * nothing it had not committed is marked removed.
 */
import type { Catalog, ScopeRunRecord } from '../catalog/index.js';
import { contextFor, type ContextSource } from '../connector/context.js';
import type { DemoHandle } from '../connector/index.js';
import { loadConnector } from '../connector/registry.js';
import type { ProviderId, ScanRun, ScopeResult } from '../model/index.js';

export interface ScanRequest {
  catalog: Catalog;
  providers: readonly ProviderId[];
  /** Scan the built-in demo estate through each connector's stand-in. */
  demo: boolean;
  now: Date;
  signal: AbortSignal;
  version: string;
  source: Omit<ContextSource, 'now' | 'signal'>;
  /** Called after each scope is committed (progress, live output). */
  onScope?: (result: ScopeResult) => void;
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
  const runId = catalog.beginRun({
    providers: [...req.providers],
    demo: req.demo,
    version: req.version,
    now: req.now,
  });
  const stop = aborted(signal);

  const scanProvider = async (provider: ProviderId): Promise<ProviderOutcome> => {
    let demo: DemoHandle | undefined;
    let last = performance.now();
    const record = (result: ScopeResult) => {
      // A connector that turned the abort into a scope failure was interrupted, not denied.
      if (result.kind === 'failure' && signal.aborted && !result.interrupted)
        result = { ...result, interrupted: true };
      const t = performance.now();
      catalog.writeScope(runId, result, t - last);
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
      if (req.demo) demo = await connector.startDemo(req.now);
      const ctx = await contextFor(provider, { ...req.source, now: req.now, signal }, demo);
      const it = connector.discover(ctx)[Symbol.asyncIterator]();
      for (;;) {
        const next = await Promise.race([it.next(), stop]);
        if (next === 'aborted') {
          void it.return?.().catch(() => {});
          fail('stopped by the user before this provider finished', 'Interrupted', true);
          return { provider, userError: null, stack: null };
        }
        if (next.done) break;
        record(next.value);
      }
      // A connector that noticed the abort and stopped early may not have said so.
      if (signal.aborted)
        fail('stopped by the user before this provider finished', 'Interrupted', true);
      return { provider, userError: null, stack: null };
    } catch (err) {
      const e = err as Error & { code?: string; isUserError?: boolean };
      if (signal.aborted) {
        fail('stopped by the user before this provider finished', 'Interrupted', true);
        return { provider, userError: null, stack: null };
      }
      // The provider as a whole failed (no credentials, endpoint down): record it, keep the others.
      fail(e.message, e.code ?? e.name ?? null);
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
  const scopes = catalog.scopesOfRun(runId);
  const interrupted = signal.aborted;
  const ok = scopes.filter((s) => s.status === 'ok').length;
  const status: ScanRun['status'] = interrupted
    ? 'interrupted'
    : ok === scopes.length
      ? 'ok'
      : ok > 0
        ? 'partial'
        : 'failed';
  catalog.finishRun(runId, status, new Date());
  return { runId, status, scopes, providers, interrupted };
}
