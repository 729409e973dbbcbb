/**
 * Playbooks on a PostgreSQL team catalog, end to end: the built CLI plans, applies, resumes
 * after a SIGKILL right after a journal write and rolls back exactly as on SQLite — the same
 * scenarios, the same expectations, on both backends: also the wait that `resume --due` ends,
 * cancel, and `nhi trim` on the demo estate.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { backends } from '../fixtures/backends.js';
import { startAwsStandIn, type AwsStandIn } from '../connectors/aws/stand-in/server.js';
import {
  awsEnv,
  buildCli,
  keyOf,
  keysOf,
  OLD_KEY,
  removeCliBuild,
  runCli,
  sinkValue,
} from './playbooks-harness.js';
import { auditKey, copyOf, endWait, runState, world } from './playbooks-postgres.js';
import { nhi, scrubbedEnv } from './run-cli.js';
import { awsTrimRoundTrip } from './trim-demo-scenario.js';

afterAll(() => removeCliBuild());

const SINK = 'aws-secrets-manager:prod/ci-bot';

describe.each(backends)('playbooks through the CLI ($name)', (backend) => {
  const test = it.skipIf(backend.skip);

  test('plan, one open run per credential, apply, list, audit verify and catalog check', async () => {
    const key = auditKey();
    const w = await world(backend, key);
    try {
      const planned = await runCli(['revoke', OLD_KEY], w.env);
      expect(planned.code, planned.stderr).toBe(0);
      expect(planned.stdout).toMatch(
        /Nothing changed\. Apply this exact plan with: nhi playbook resume 1/,
      );
      const again = await runCli(['revoke', OLD_KEY], w.env);
      expect(again.code).toBe(2);
      expect(again.stderr).toMatch(/run 1 \(revoke, planned\) is already open/);
      const applied = await runCli(['playbook', 'resume', '1', '--yes'], w.env);
      expect(applied.code, applied.stderr).toBe(0);
      expect(applied.stdout).toMatch(/run 1: waiting/);
      expect(keyOf(w.standIn, OLD_KEY)?.status).toBe('Inactive');
      const list = await runCli(['playbook', 'list', '--format', 'json'], w.env);
      expect(JSON.parse(list.stdout)).toMatchObject([{ id: 1, kind: 'revoke', status: 'waiting' }]);
      const verified = await runCli(['playbook', 'audit', '--verify'], w.env);
      expect(verified.code, verified.stderr).toBe(0);
      expect(verified.stdout).toMatch(/audit log intact: 1 entries, hash chain verified/);
      // The scan was never evaluated (the check says so); the audit chain is what matters here.
      expect((await runCli(['catalog', 'check'], w.env)).stdout).toMatch(
        /^ok +audit +1 entries chained/m,
      );
      const rolled = await runCli(['playbook', 'rollback', '1', '--yes'], w.env);
      expect(rolled.code, rolled.stderr).toBe(0);
      expect(keyOf(w.standIn, OLD_KEY)?.status).toBe('Active');
      expect(await runState(w.env)).toEqual({ status: 'rolled-back', steps: ['undone', 'undone'] });
    } finally {
      await w.standIn.close();
    }
  }, 120_000);

  test('remediate plans from the scored scan, skips what is open; show names the open run', async () => {
    const w = await world(backend, auditKey());
    try {
      const scan = await runCli(['scan', '--provider', 'aws', '-q'], w.env);
      expect(scan.code, scan.stderr).toBe(0);
      const dir = mkdtempSync(join(tmpdir(), 'nhi-remediate-'));
      const args = [
        'remediate',
        '--rule',
        'credential-rotation',
        '--sink',
        `file:${dir}/{identity}.env`,
      ];
      const first = await runCli(args, w.env);
      expect(first.code, first.stderr).toBe(0);
      expect(first.stdout).toMatch(/credential-rotation: \d+ finding\(s\), 1 plan\(s\) saved/);
      const second = await runCli(args, w.env);
      expect(second.code, second.stderr).toBe(0);
      expect(second.stdout).toMatch(/0 plan\(s\) saved, 1 already open/);
      const show = await runCli(['show', OLD_KEY], w.env);
      expect(show.stdout).toMatch(/Open playbook run 1: rotate of c-\w+, planned/);
    } finally {
      await w.standIn.close();
    }
  }, 120_000);

  // rotate journals: create (intent, result), sink-put (2), sink-verify (2), deactivate (2), delete due date.
  // After write 2 the new key exists but its secret died with the process; after 6 it is proven.
  test('rotate killed after a journal write: resume completes, rollback restores', async () => {
    await buildCli();
    await Promise.all(
      [2, 6].map(async (n) => {
        const key = auditKey();
        const w = await world(backend, key);
        let b: AwsStandIn | undefined;
        try {
          const r = await runCli(
            ['rotate', OLD_KEY, '--sink', SINK, '--cutover', 'now', '--apply', '--yes'],
            {
              ...w.env,
              NHI_TEST_KILL_AFTER_STEP: String(n),
            },
          );
          expect(r.signal, `killed after write ${n}: ${r.stderr}`).toBe('SIGKILL');
          b = await startAwsStandIn({ estate: structuredClone(w.standIn.estate) });
          const copy = await copyOf(w.catalog);

          const resumed = await runCli(['playbook', 'resume', '1', '--yes'], w.env);
          expect(resumed.code, `resume after write ${n}: ${resumed.stderr}`).toBe(0);
          const keys = keysOf(w.standIn);
          expect(keys, `keys after resume (write ${n})`).toHaveLength(2);
          expect(keyOf(w.standIn, OLD_KEY)?.status).toBe('Inactive');
          const fresh = keys.find((k) => k.id !== OLD_KEY)!;
          expect(fresh.status).toBe('Active');
          expect((await sinkValue(w.standIn))?.AWS_ACCESS_KEY_ID).toBe(fresh.id);
          expect(await runState(w.env)).toEqual({
            status: 'waiting',
            steps: ['done', 'done', 'done', 'done', 'pending'],
          });
          const verified = await runCli(['playbook', 'audit', '--verify'], w.env);
          expect(verified.code, verified.stdout + verified.stderr).toBe(0);

          const env = { ...awsEnv(b), NHI_CATALOG: copy, NHI_AUDIT_KEY_FILE: key };
          const rolled = await runCli(['playbook', 'rollback', '1', '--yes'], env);
          expect(rolled.code, `rollback after write ${n}: ${rolled.stderr}`).toBe(0);
          expect(keysOf(b).map((k) => [k.id, k.status])).toEqual([[OLD_KEY, 'Active']]);
          expect((await runState(env)).status).toBe('rolled-back');
        } finally {
          await w.standIn.close();
          await b?.close();
        }
      }),
    );
  }, 180_000);

  test('revoke waits its window: resume --due does nothing early, deletes once due', async () => {
    const w = await world(backend, auditKey());
    try {
      const applied = await runCli(['revoke', OLD_KEY, '--apply', '--yes'], w.env);
      expect(applied.code, applied.stderr).toBe(0);
      expect(keyOf(w.standIn, OLD_KEY)?.status).toBe('Inactive');
      expect(await runState(w.env)).toEqual({ status: 'waiting', steps: ['done', 'pending'] });

      const early = await runCli(['playbook', 'resume', '--due', '--yes'], w.env);
      expect(early.code, early.stderr).toBe(0);
      expect(keyOf(w.standIn, OLD_KEY)?.status).toBe('Inactive');
      expect((await runState(w.env)).status).toBe('waiting');

      await endWait(backend, w.catalog);
      const due = await runCli(['playbook', 'resume', '--due', '--yes'], w.env);
      expect(due.code, due.stderr).toBe(0);
      expect(keyOf(w.standIn, OLD_KEY)).toBeUndefined();
      expect(await runState(w.env)).toEqual({ status: 'done', steps: ['done', 'done'] });
      const verified = await runCli(['playbook', 'audit', '--verify'], w.env);
      expect(verified.code, verified.stdout + verified.stderr).toBe(0);
    } finally {
      await w.standIn.close();
    }
  }, 60_000);

  test('cancel: a planned run is cancelled with nothing changed, and a new plan may be made', async () => {
    const w = await world(backend, auditKey());
    try {
      expect((await runCli(['revoke', OLD_KEY], w.env)).code).toBe(0);
      const cancelled = await runCli(['playbook', 'cancel', '1'], w.env);
      expect(cancelled.code, cancelled.stderr).toBe(0);
      expect(cancelled.stdout).toMatch(/run 1: cancelled\n\s+nothing had been changed/);
      expect(keyOf(w.standIn, OLD_KEY)?.status).toBe('Active');
      expect((await runState(w.env)).status).toBe('cancelled');
      const again = await runCli(['revoke', OLD_KEY], w.env);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toMatch(/nhi playbook resume 2/);
    } finally {
      await w.standIn.close();
    }
  }, 60_000);

  // On SQLite, test/trim-demo.test.ts runs the same scenario (and more).
  it.skipIf(backend.skip || backend.name === 'sqlite')(
    'trim on the demo estate: plan, apply and roll back with the catalog on this backend',
    async () => {
      const catalog = await backend.fresh();
      const env = scrubbedEnv({ NHI_AUDIT_KEY_FILE: auditKey() });
      const run = (args: string[]) => nhi([...args, '--catalog', catalog], { env });
      const scan = await run(['scan', '--demo']);
      expect(scan.code, scan.stderr).toBe(0);
      const list = await run([
        'list',
        '--identities',
        '--limit',
        'all',
        '--json',
        'id,name,provider',
      ]);
      const ids = JSON.parse(list.stdout) as { id: string; name: string; provider: string }[];
      const id = ids.find((x) => x.provider === 'aws' && x.name === 'ml-experiments')!.id;
      const runId = await awsTrimRoundTrip(run, id);
      const shown = await run(['playbook', 'show', runId, '--format', 'json']);
      expect((JSON.parse(shown.stdout) as { run: { status: string } }).run.status).toBe(
        'rolled-back',
      );
    },
    180_000,
  );
});
