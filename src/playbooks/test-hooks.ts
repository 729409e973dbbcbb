/**
 * Crash testing: NHI_TEST_KILL_AFTER_STEP=<n> makes the process SIGKILL itself right after
 * its n-th journal write (intent and result writes each count), so tests can prove that
 * resume and rollback work from every point. Inert unless that variable is set.
 */
export function killHookFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  kill: () => void = () => process.kill(process.pid, 'SIGKILL'),
): (() => void) | undefined {
  const raw = env.NHI_TEST_KILL_AFTER_STEP;
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) return undefined;
  let writes = 0;
  return () => {
    writes++;
    if (writes === n) kill();
  };
}
