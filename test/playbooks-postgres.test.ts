/**
 * Playbooks on a PostgreSQL team catalog, end to end: the built CLI plans, applies, resumes
 * after a SIGKILL right after a journal write and rolls back exactly as on SQLite (the same
 * scenarios run on both backends); run claims and the audit chain hold across processes —
 * N processes claiming one run (one wins, a killed winner frees it), N processes appending to
 * the chain at once (none lost, the chain verifies with `nhi playbook audit --verify`).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { backends, type Backend } from '../fixtures/backends.js';
import { placePrivateFile } from '../src/playbooks/private-file.js';
import { startAwsStandIn, type AwsStandIn } from '../connectors/aws/stand-in/server.js';
import {
  awsEnv,
  buildCli,
  bundle,
  CALLER,
  keyOf,
  keysOf,
  OLD_KEY,
  removeCliBuild,
  runCli,
  scanInto,
  startAws,
  tempCatalogPath,
} from './playbooks-harness.js';

afterAll(() => removeCliBuild());

const SINK = 'aws-secrets-manager:prod/ci-bot';
const pgBackend = backends.find((b) => b.name === 'postgres')!;

/** A fresh audit key file (0600), as a team would share it between machines. */
function auditKey(): string {
  const path = join(mkdtempSync(join(tmpdir(), 'nhi-key-')), 'audit.key');
  placePrivateFile(path, `${randomBytes(32).toString('hex')}\n`, true);
  return path;
}

async function sql(url: string, text: string): Promise<Record<string, unknown>[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(text)).rows as Record<string, unknown>[];
  } finally {
    await c.end();
  }
}

/** A second catalog holding the same wreck: a database made from it, or the file copied. */
async function copyOf(location: string): Promise<string> {
  if (location.startsWith('postgres')) {
    const u = new URL(location);
    const name = `${u.pathname.slice(1)}_copy`;
    const admin = new URL(location);
    admin.pathname = '/postgres';
    await sql(admin.toString(), `CREATE DATABASE ${name} TEMPLATE ${u.pathname.slice(1)}`);
    u.pathname = `/${name}`;
    return u.toString();
  }
  const to = tempCatalogPath();
  copyFileSync(location, to);
  // The killed process's committed transactions may still be in the WAL.
  if (existsSync(`${location}-wal`)) copyFileSync(`${location}-wal`, `${to}-wal`);
  return to;
}

interface World {
  standIn: AwsStandIn;
  catalog: string;
  env: Record<string, string>;
}

async function world(backend: Backend, key: string): Promise<World> {
  const standIn = await startAws();
  const catalog = await backend.fresh();
  await scanInto(catalog, standIn);
  return {
    standIn,
    catalog,
    env: { ...awsEnv(standIn), NHI_CATALOG: catalog, NHI_AUDIT_KEY_FILE: key },
  };
}

async function sinkValue(standIn: AwsStandIn): Promise<Record<string, string> | null> {
  const sm = new SecretsManagerClient({
    endpoint: standIn.url,
    region: 'us-east-1',
    credentials: { accessKeyId: CALLER.accessKeyId, secretAccessKey: CALLER.secretAccessKey },
    maxAttempts: 1,
  });
  try {
    const out = await sm.send(new GetSecretValueCommand({ SecretId: 'prod/ci-bot' }));
    return JSON.parse(out.SecretString!) as Record<string, string>;
  } catch (e) {
    if ((e as Error).name === 'ResourceNotFoundException') return null;
    throw e;
  }
}

/** `nhi playbook show 1 --json`: the run's status and its steps' statuses. */
async function runState(env: Record<string, string>): Promise<{ status: string; steps: string[] }> {
  const r = await runCli(['playbook', 'show', '1', '--format', 'json'], env);
  expect(r.code, r.stderr).toBe(0);
  const { run, steps } = JSON.parse(r.stdout) as {
    run: { status: string };
    steps: { status: string }[];
  };
  return { status: run.status, steps: steps.map((s) => s.status) };
}

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
});

describe.skipIf(pgBackend.skip)('PostgreSQL: claims and the audit chain across processes', () => {
  const procs: ChildProcessWithoutNullStreams[] = [];
  afterAll(() => {
    for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
  });

  let worker: Promise<string> | undefined;
  /** Starts a worker process; resolves with it and its first line of output. */
  async function start(
    args: string[],
    env: Record<string, string>,
  ): Promise<{
    proc: ChildProcessWithoutNullStreams;
    first: Promise<string>;
    done: Promise<string>;
  }> {
    worker ??= bundle(
      { worker: join(import.meta.dirname, 'playbooks-postgres-worker.ts') },
      'worker',
    );
    const proc = spawn(process.execPath, [await worker, ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    procs.push(proc);
    let out = '';
    let err = '';
    proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const first = new Promise<string>((resolve, reject) => {
      proc.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('\n')) resolve(out.split('\n')[0]!);
      });
      proc.on('close', (code) =>
        reject(new Error(`worker ended (${code}) before answering: ${err}`)),
      );
    });
    const done = new Promise<string>((resolve) => proc.on('close', () => resolve(err)));
    return { proc, first, done };
  }

  it('N processes claim one run: exactly one wins, the others name it, the CLI refuses, a killed winner frees it', async () => {
    const key = auditKey();
    const w = await world(pgBackend, key);
    try {
      expect((await runCli(['revoke', OLD_KEY], w.env)).code).toBe(0);
      const env = { NHI_AUDIT_KEY_FILE: key };
      const N = 6;
      const claims = await Promise.all(
        Array.from({ length: N }, (_, i) =>
          start(['claim', w.catalog, '1', `${1000 + i}@host-${i}`], env),
        ),
      );
      const answers = (await Promise.all(claims.map((c) => c.first))).map(
        (l) => JSON.parse(l) as { won: boolean; holder: string | null },
      );
      const winners = answers.flatMap((a, i) => (a.won ? [i] : []));
      expect(winners, JSON.stringify(answers)).toHaveLength(1);
      const winner = `${1000 + winners[0]!}@host-${winners[0]}`;
      for (const a of answers.filter((x) => !x.won)) expect(a.holder).toBe(winner);
      // The CLI on yet another "machine" gets the one-line refusal, and changes nothing.
      const cli = await runCli(['playbook', 'resume', '1', '--yes'], w.env);
      expect(cli.code).toBe(2);
      expect(cli.stderr.trim()).toBe(
        `nhi: run 1 is being applied by process ${winner}: wait for it to finish`,
      );
      expect(keyOf(w.standIn, OLD_KEY)?.status).toBe('Active');
      // The winner is killed: its session ends on the server and the run is free at once.
      claims[winners[0]!]!.proc.kill('SIGKILL');
      await claims[winners[0]!]!.done;
      for (const c of claims) c.proc.stdin.end();
      await Promise.all(claims.map((c) => c.done));
      const applied = await runCli(['playbook', 'resume', '1', '--yes'], w.env);
      expect(applied.code, applied.stderr).toBe(0);
      expect(applied.stdout).toMatch(/run 1: waiting/);
    } finally {
      await w.standIn.close();
    }
  }, 120_000);

  it('N processes append to the audit chain at once: none lost, one chain that verifies', async () => {
    const key = auditKey();
    const catalog = await pgBackend.fresh();
    const N = 6;
    const PER = 25;
    const workers = await Promise.all(
      Array.from({ length: N }, (_, i) =>
        start(['append', catalog, String(PER), `w${i}`], { NHI_AUDIT_KEY_FILE: key }),
      ),
    );
    for (const x of workers) expect(JSON.parse(await x.first)).toEqual({ appended: PER });
    await Promise.all(workers.map((x) => x.done));
    const actions = (await sql(catalog, 'SELECT action FROM audit_log ORDER BY seq')).map(
      (r) => r.action,
    );
    expect(actions).toHaveLength(N * PER);
    expect(new Set(actions).size).toBe(N * PER);
    const env = { NHI_CATALOG: catalog, NHI_AUDIT_KEY_FILE: key };
    const verified = await runCli(['playbook', 'audit', '--verify'], env);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
    expect(verified.stdout).toMatch(new RegExp(`audit log intact: ${N * PER} entries`));
    expect((await runCli(['catalog', 'check'], env)).stdout).toMatch(
      new RegExp(`^ok +audit +${N * PER} entries chained`, 'm'),
    );
    // Without the key a PostgreSQL catalog cannot be verified, and says what to set.
    const nokey = await runCli(['playbook', 'audit', '--verify'], { NHI_CATALOG: catalog });
    expect(nokey.code).toBe(2);
    expect(nokey.stderr).toMatch(/keeps no audit key beside it: set NHI_AUDIT_KEY_FILE/);
  }, 120_000);
});
