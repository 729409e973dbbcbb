/**
 * Playbook claims and the audit chain on PostgreSQL across processes (as on many machines):
 * N processes claim one run — exactly one wins, the others and the CLI name it, and a killed
 * winner frees the run at once; N processes append to the chain at once — none lost, one chain
 * that `nhi playbook audit --verify` and `nhi catalog check` accept.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { backends } from '../fixtures/backends.js';
import { auditKey, sql, world } from './playbooks-postgres.js';
import { bundle, keyOf, OLD_KEY, removeCliBuild, runCli } from './playbooks-harness.js';

afterAll(() => removeCliBuild());

const pgBackend = backends.find((b) => b.name === 'postgres')!;

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
