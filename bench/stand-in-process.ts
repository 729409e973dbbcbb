/**
 * Runs a benchmark's stand-in in a child process (the benchmark's own compiled file, started
 * with an environment flag), as the real provider runs on other machines: in-process, the
 * stand-in's work competes with the scan for one event loop and the figure measures both.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export interface ServedStandIn<C> {
  url: string;
  /** What the stand-in counted, reported when the child is told to stop. */
  counts(): C;
  close(): Promise<void>;
}

/** In the child: start the stand-in, print its URL, print its counts on SIGTERM. */
export async function serveWhenChild<C>(
  flag: string,
  start: (arg: string) => Promise<ServedStandIn<C>>,
): Promise<void> {
  const arg = process.env[flag];
  if (!arg) return;
  const standIn = await start(arg);
  process.stdout.write(`${standIn.url}\n`);
  process.once('SIGTERM', () => {
    process.stdout.write(`${JSON.stringify(standIn.counts())}\n`);
    void standIn.close().then(() => process.exit(0));
  });
}

/** In the benchmark: start the child and wait until it listens. */
export async function startChildStandIn<C>(
  moduleUrl: string,
  flag: string,
  arg: string,
): Promise<{ url: string; stop(): Promise<C> }> {
  const child = spawn(process.execPath, [fileURLToPath(moduleUrl)], {
    env: { ...process.env, [flag]: arg },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const first = await lines.next();
  if (first.done) throw new Error('stand-in process exited before listening');
  return {
    url: String(first.value).trim(),
    async stop() {
      child.kill('SIGTERM');
      const last = await lines.next();
      if (last.done) throw new Error('stand-in process exited without its counts');
      return JSON.parse(String(last.value)) as C;
    },
  };
}
