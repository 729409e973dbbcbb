/**
 * How a scan calls: one limit of `concurrency` requests in flight for the whole scope, and what
 * a failure of each kind of call means (a gap, or the scope failing), recorded in one
 * GapCollector. Generic over the connector's signals.
 */
import pLimit, { type LimitFunction } from 'p-limit';
import {
  ApiError,
  isApiError,
  type ConnectorContext,
  type GapCollector,
} from '../../src/connector/index.js';
import { PROVIDER } from './options.js';

/** A refusal that leaves a gap: no permission, or (beta reports) not offered here. */
export const isGap = (e: unknown): e is ApiError =>
  isApiError(e) && (e.kind === 'denied' || e.kind === 'not-found');

export class ScopeCalls<Signal extends string> {
  readonly limit: LimitFunction;

  constructor(
    private readonly ctx: ConnectorContext,
    private readonly scopeId: string,
    readonly gaps: GapCollector<Signal>,
    concurrency: number,
  ) {
    this.limit = pLimit(concurrency);
  }

  progress(phase: string, done?: number, total?: number) {
    this.ctx.progress({
      scope: this.scopeId,
      phase,
      ...(done !== undefined ? { done } : {}),
      ...(total !== undefined ? { total } : {}),
    });
  }

  /** A call whose refusal is a gap; any other failure fails the scope. */
  async optional<T>(signal: Signal, fn: () => Promise<T>, message = ''): Promise<T | null> {
    try {
      return await fn();
    } catch (err) {
      if (!isGap(err)) throw err;
      this.gaps.add(signal, { message: `${message}${err.message}`, code: err.code });
      return null;
    }
  }

  /** A call that decides what exists: even a refusal fails the scope, naming the fix. */
  async essential<T>(what: string, fix: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (!isGap(err)) throw err;
      throw new ApiError({
        provider: PROVIDER,
        operation: err.operation,
        kind: err.kind,
        status: err.status,
        code: err.code,
        detail: `cannot list ${what} (${err.message}); ${fix}`,
      });
    }
  }

  /** The beta reports: 403 (permission or licence), 404 or 400 (beta not offered here) -> gap. */
  async signInReport(
    signal: Signal,
    fn: () => Promise<Map<string, string | null>>,
  ): Promise<Map<string, string | null> | null> {
    try {
      return await fn();
    } catch (err) {
      if (!isApiError(err) || !(err.status === 400 || isGap(err))) throw err;
      this.gaps.add(signal, { message: `last use unknown: ${err.message}`, code: err.code });
      return null;
    }
  }

  /**
   * Per-item calls under the limit, `group` items to a slot (a JSON batch sends a group as one
   * request); the first refusal records one gap and stops the groups not yet started.
   */
  async perItem<T>(
    signal: Signal,
    ids: string[],
    fn: (id: string) => Promise<T>,
    group = 1,
  ): Promise<Map<string, T>> {
    const out = new Map<string, T>();
    let denied: ApiError | null = null;
    let done = 0;
    const groups = Array.from({ length: Math.ceil(ids.length / group) }, (_, i) =>
      ids.slice(i * group, (i + 1) * group),
    );
    await Promise.all(
      groups.map((members) =>
        this.limit(async () => {
          if (denied) return;
          const settled = await Promise.allSettled(members.map(fn));
          settled.forEach((s, i) => {
            if (s.status === 'fulfilled') out.set(members[i]!, s.value);
            else if (isGap(s.reason)) denied ??= s.reason;
            else throw s.reason;
          });
          const before = done;
          done += members.length;
          if (Math.floor(done / 50) > Math.floor(before / 50))
            this.progress(signal, done, ids.length);
        }),
      ),
    );
    const d = denied as ApiError | null;
    if (d)
      this.gaps.add(signal, {
        message: `${d.message} (${ids.length - out.size} of ${ids.length} not read)`,
        code: d.code,
      });
    return out;
  }
}
