/**
 * The demo's AWS trim round trip (plan, apply, roll back through the built CLI), run on SQLite
 * by trim-demo.test.ts and on PostgreSQL by playbooks-postgres.test.ts.
 */
import { expect } from 'vitest';
import type { CliResult } from './run-cli.js';

/** Trims the demo's `ml-experiments` role (its id given), applies and rolls back: the run id. */
export async function awsTrimRoundTrip(
  run: (args: string[]) => Promise<CliResult>,
  id: string,
): Promise<string> {
  const plan = await run(['trim', id]);
  expect(plan.code, plan.stderr).toBe(0);
  expect(plan.stdout).toMatch(/delete inline policy sagemaker \(nothing in it is used\)/);
  expect(plan.stdout).toMatch(/replace AmazonS3FullAccess by a policy of your own/);
  const runId = /\(run (\d+)\)/.exec(plan.stdout)![1]!;
  const applied = await run(['playbook', 'resume', runId, '--yes']);
  expect(applied.code, applied.stderr).toBe(0);
  expect(applied.stdout + applied.stderr).toMatch(new RegExp(`run ${runId}: done`));
  const back = await run(['playbook', 'rollback', runId, '--yes']);
  expect(back.code, back.stderr).toBe(0);
  expect(back.stdout + back.stderr).toMatch(/rolled-back|rolled back/);
  return runId;
}
