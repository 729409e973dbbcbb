/**
 * Crash safety, for real: the CLI applies a playbook in a child process that SIGKILLs itself
 * right after its n-th journal write (NHI_TEST_KILL_AFTER_STEP=n), for every n. Then, in fresh
 * processes, `resume` must finish the playbook and `rollback` must restore the start, and
 * the new secret must never be lost: it is in the sink, or the key that carried it is gone.
 * The stand-in runs in this test process, so it outlives the killed child.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync } from 'node:fs';
import pLimit from 'p-limit';
import { openCatalog } from '../src/catalog/index.js';
import { verifyAuditChain } from '../src/catalog/playbook-store.js';
import { SqlitePlaybookStore } from '../src/catalog/sqlite/playbook-store.js';
import { startAwsStandIn, type AwsStandIn } from '../connectors/aws/stand-in/server.js';
import {
  awsEnv,
  buildCli,
  keyOf,
  keysOf,
  OLD_KEY,
  keysFor,
  removeCliBuild,
  sinkValue,
  runCli,
  scanInto,
  startAws,
  tempCatalogPath,
} from './playbooks-harness.js';

afterAll(() => removeCliBuild());

const SINK = 'aws-secrets-manager:prod/ci-bot';

function copyCatalog(from: string): string {
  const to = tempCatalogPath();
  copyFileSync(from, to);
  // The killed process's committed transactions may still be in the WAL.
  if (existsSync(`${from}-wal`)) copyFileSync(`${from}-wal`, `${to}-wal`);
  // The audit key travels with the catalog (it lives beside it by default).
  if (existsSync(`${from}.audit-key`)) copyFileSync(`${from}.audit-key`, `${to}.audit-key`);
  return to;
}

interface Crashed {
  a: { standIn: AwsStandIn; catalog: string };
  b: { standIn: AwsStandIn; catalog: string };
  killed: boolean;
  keysAfterCrash: string[];
}

/** Applies `args` in a child killed after journal write n; returns two copies of the wreck. */
async function crashAt(n: number, args: string[]): Promise<Crashed> {
  const standIn = await startAws();
  const catalog = tempCatalogPath();
  await scanInto(catalog, standIn);
  const r = await runCli([...args, '--apply', '--yes'], {
    ...awsEnv(standIn),
    NHI_CATALOG: catalog,
    NHI_TEST_KILL_AFTER_STEP: String(n),
  });
  const killed = r.signal === 'SIGKILL';
  if (!killed) expect(r.code, r.stderr).toBe(0);
  // A second copy of the same wreck, for rollback (the sink's contents do not matter there).
  const b = {
    standIn: await startAwsStandIn({ estate: structuredClone(standIn.estate) }),
    catalog: copyCatalog(catalog),
  };
  return { a: { standIn, catalog }, b, killed, keysAfterCrash: keysOf(standIn).map((k) => k.id) };
}

async function runStatus(
  catalog: string,
): Promise<{ status: string; steps: string[]; auditOk: boolean }> {
  const c = openCatalog(catalog, { readonly: true });
  try {
    const store = new SqlitePlaybookStore(c.db);
    return {
      status: (await store.getRun(1))!.status,
      steps: (await store.steps(1)).map((s) => s.status),
      auditOk: verifyAuditChain(await store.audit(), keysFor(catalog).load()).ok,
    };
  } finally {
    c.close();
  }
}

// rotate journals: create (intent, result), sink-put (2), sink-verify (2), deactivate (2), delete due date (1).
const ROTATE_WRITES = 9;
// revoke journals: deactivate (intent, result), delete due date.
const REVOKE_WRITES = 3;
// Dozens of CLI processes: minutes on a busy machine (the matrix test covers every provider).

describe('crash at every journal write', () => {
  it('rotate: resume completes with the new key in the sink; rollback restores the old key alone', async () => {
    await buildCli();
    const limit = pLimit(3);
    const points = Array.from({ length: ROTATE_WRITES }, (_, i) => i + 1);
    const results = await Promise.all(
      points.map((n) =>
        limit(async () => {
          const w = await crashAt(n, ['rotate', OLD_KEY, '--sink', SINK, '--cutover', 'now']);
          try {
            expect(w.killed, `killed after write ${n}`).toBe(true);
            // An orphan made by the killed process (secret lost) must not survive resume.
            const before = await sinkValue(w.a.standIn);
            const orphan = w.keysAfterCrash.find(
              (k) => k !== OLD_KEY && k !== before?.AWS_ACCESS_KEY_ID,
            );

            const resumed = await runCli(['playbook', 'resume', '1', '--yes'], {
              ...awsEnv(w.a.standIn),
              NHI_CATALOG: w.a.catalog,
            });
            expect(resumed.code, `resume after write ${n}: ${resumed.stderr}`).toBe(0);
            const keys = keysOf(w.a.standIn);
            expect(keys, `keys after resume (write ${n})`).toHaveLength(2);
            expect(keyOf(w.a.standIn, OLD_KEY)?.status).toBe('Inactive');
            const fresh = keys.find((k) => k.id !== OLD_KEY)!;
            expect(fresh.status).toBe('Active');
            const stored = await sinkValue(w.a.standIn);
            expect(stored?.AWS_ACCESS_KEY_ID, `sink after write ${n}`).toBe(fresh.id);
            expect(stored?.AWS_SECRET_ACCESS_KEY).toBe(fresh.secret);
            if (orphan)
              expect(
                keyOf(w.a.standIn, orphan),
                `orphan ${orphan} after write ${n}`,
              ).toBeUndefined();
            const a = await runStatus(w.a.catalog);
            expect(a.status).toBe('waiting');
            expect(a.steps).toEqual(['done', 'done', 'done', 'done', 'pending']);
            expect(a.auditOk).toBe(true);

            const rolled = await runCli(['playbook', 'rollback', '1', '--yes'], {
              ...awsEnv(w.b.standIn),
              NHI_CATALOG: w.b.catalog,
            });
            expect(rolled.code, `rollback after write ${n}: ${rolled.stderr}`).toBe(0);
            expect(
              keysOf(w.b.standIn).map((k) => [k.id, k.status]),
              `keys after rollback (write ${n})`,
            ).toEqual([[OLD_KEY, 'Active']]);
            expect((await runStatus(w.b.catalog)).status).toBe('rolled-back');
            return { n, orphan: Boolean(orphan) };
          } finally {
            await w.a.standIn.close();
            await w.b.standIn.close();
          }
        }),
      ),
    );
    // After writes 2 and 3 the key exists but its secret died with the process.
    expect(results.filter((r) => r.orphan).map((r) => r.n)).toEqual([2, 3]);
  }, 300_000);

  it('revoke: resume leaves the key inactive with its deletion scheduled; rollback re-activates it', async () => {
    const limit = pLimit(3);
    await Promise.all(
      Array.from({ length: REVOKE_WRITES }, (_, i) => i + 1).map((n) =>
        limit(async () => {
          const w = await crashAt(n, ['revoke', OLD_KEY]);
          try {
            expect(w.killed).toBe(true);
            const resumed = await runCli(['playbook', 'resume', '1', '--yes'], {
              ...awsEnv(w.a.standIn),
              NHI_CATALOG: w.a.catalog,
            });
            expect(resumed.code, resumed.stderr).toBe(0);
            expect(resumed.stdout).toMatch(/run 1: waiting/);
            expect(keyOf(w.a.standIn, OLD_KEY)?.status).toBe('Inactive');
            expect((await runStatus(w.a.catalog)).steps).toEqual(['done', 'pending']);

            const rolled = await runCli(['playbook', 'rollback', '1', '--yes'], {
              ...awsEnv(w.b.standIn),
              NHI_CATALOG: w.b.catalog,
            });
            expect(rolled.code, rolled.stderr).toBe(0);
            expect(keyOf(w.b.standIn, OLD_KEY)?.status).toBe('Active');
          } finally {
            await w.a.standIn.close();
            await w.b.standIn.close();
          }
        }),
      ),
    );
  }, 300_000);
});
