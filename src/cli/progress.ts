/**
 * Scan progress on an interactive terminal: one line per provider with its current scope,
 * phase and counts. Silent in CI, in pipes and with --quiet, so logs stay clean.
 */
import cliProgress from 'cli-progress';
import type { ProgressUpdate } from '../connector/index.js';
import { tty } from '../report/terminal.js';

export interface ScanProgress {
  update(provider: string, u: ProgressUpdate): void;
  stop(): void;
}

export function createProgress(enabled: boolean, providers: string[]): ScanProgress {
  if (!enabled) return { update: () => {}, stop: () => {} };
  const multi = new cliProgress.MultiBar(
    {
      format: ' {provider} [{bar}] {value}/{total} {scope} {phase}',
      hideCursor: true,
      clearOnComplete: true,
      stream: process.stderr,
      barsize: 20,
      etaBuffer: 20,
    },
    cliProgress.Presets.shades_classic,
  );
  const bars = new Map(
    providers.map((p) => [
      p,
      multi.create(1, 0, { provider: p.padEnd(6), scope: '', phase: 'starting' }),
    ]),
  );
  let stopped = false;
  return {
    update(provider, u) {
      if (stopped) return;
      const bar = bars.get(provider);
      if (!bar) return;
      if (u.total !== undefined) bar.setTotal(Math.max(u.total, 1));
      // cli-progress writes straight to the terminal: a scope name is provider data.
      bar.update(u.done ?? 0, { scope: tty(u.scope), phase: tty(u.phase) });
    },
    stop() {
      // Stopping twice would move the cursor up over what was printed since, and clear it.
      if (stopped) return;
      stopped = true;
      multi.stop();
    },
  };
}

export function progressWanted(quiet: boolean | undefined): boolean {
  // A dumb terminal cannot redraw a bar in place: it would print one line per update.
  return Boolean(process.stderr.isTTY) && !quiet && !process.env.CI && process.env.TERM !== 'dumb';
}
