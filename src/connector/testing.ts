/** A ConnectorContext for tests and benchmarks: pinned clock, collected progress, no env leaks. */
import type { ConnectorContext, ProgressUpdate } from './index.js';

export interface TestContext extends ConnectorContext {
  progressEvents: ProgressUpdate[];
  debugLines: string[];
}

export function makeTestContext(
  init: {
    now?: Date;
    options?: Record<string, unknown>;
    env?: Record<string, string | undefined>;
    signal?: AbortSignal;
  } = {},
): TestContext {
  const now = init.now ?? new Date('2026-11-01T12:00:00Z');
  const progressEvents: ProgressUpdate[] = [];
  const debugLines: string[] = [];
  return {
    now: () => now,
    log: { debug: (m) => debugLines.push(m) },
    progress: (u) => progressEvents.push(u),
    signal: init.signal ?? new AbortController().signal,
    env: init.env ?? {},
    options: init.options ?? {},
    progressEvents,
    debugLines,
  };
}
