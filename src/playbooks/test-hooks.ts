/**
 * Crash testing, inert unless one of these variables is set:
 * - NHI_TEST_KILL_AFTER_STEP=<n>: SIGKILL right after the n-th journal write (intent and result
 *   writes each count);
 * - NHI_TEST_KILL_AFTER_EFFECT=<n>: SIGKILL right after the n-th external side effect (a
 *   provider write, a proof sign-in, a sink write) returned — before the journal records it;
 * - NHI_TEST_TRACE=<file>: append one line per journal write and side effect, so a test can
 *   enumerate every crash point of a playbook instead of hard-coding them.
 * Tests then prove that resume and rollback work from every one of those points.
 */
import { appendFileSync } from 'node:fs';
import type { TestHooks } from './live.js';

function count(raw: string | undefined): number | null {
  if (raw === undefined || raw === '') return null;
  const n = Number(raw);
  return Number.isInteger(n) && n >= 1 ? n : null;
}

export function testHooksFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  kill: () => void = () => process.kill(process.pid, 'SIGKILL'),
): TestHooks | undefined {
  const afterStep = count(env.NHI_TEST_KILL_AFTER_STEP);
  const afterEffect = count(env.NHI_TEST_KILL_AFTER_EFFECT);
  const trace = env.NHI_TEST_TRACE || null;
  if (afterStep === null && afterEffect === null && trace === null) return undefined;
  let journals = 0;
  let effects = 0;
  const note = (line: string) => {
    if (trace) appendFileSync(trace, `${line}\n`);
  };
  return {
    afterJournal(label) {
      journals++;
      note(`journal ${journals} ${label}`);
      if (journals === afterStep) kill();
    },
    afterEffect(label) {
      effects++;
      note(`effect ${effects} ${label}`);
      if (effects === afterEffect) kill();
    },
  };
}
