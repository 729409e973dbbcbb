/**
 * Vitest global set-up: names the directory the test run's one CLI bundle is built into
 * (test/playbooks-harness.ts, `buildCli`), and removes it when the run ends.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';

export default function setup(): () => void {
  const dir = join(
    import.meta.dirname,
    '..',
    'node_modules',
    '.cache',
    `nhi-test-run-${process.pid}`,
  );
  process.env.NHI_TEST_BUNDLE_DIR = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
