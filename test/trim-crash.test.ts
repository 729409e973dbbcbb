/**
 * Crash matrix for `nhi trim` on moto: the built CLI applies a trim plan (`nhi playbook resume
 * <run> --yes`) and SIGKILLs itself after every journal write and every provider write, each
 * point found by tracing a clean run. From each wreck, in fresh processes: resume, then
 * rollback; and, from a fresh wreck, rollback alone. After the crash, after resume and after
 * rollback, every planned document is asked of moto: it must be exactly the old text or exactly
 * the new one (never anything else), all new after resume, all old — byte for byte, with no
 * version left behind — after rollback. Usage is seeded (moto has no Access Advisor).
 * The replacement of a partly used AWS-managed policy (three provider writes in one step, each
 * a crash point) has its own matrix, for apply and for rollback, on a moto with AWS's policies.
 */
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetPolicyCommand, type IAMClient } from '@aws-sdk/client-iam';
import { openCatalog } from '../src/catalog/index.js';
import { SqlitePlaybookStore } from '../src/catalog/sqlite/playbook-store.js';
import type { GrantDocument, Plan } from '../src/connector/index.js';
import { stateOf } from '../src/playbooks/trim/step.js';
import { keysFor, removeCliBuild, runCli, tempCatalogPath } from './playbooks-harness.js';
import * as W from './trim-moto.js';

type Moto = { url: string; stop(): void };
let plain: Moto | undefined;
let managed: Moto | undefined;
let moto: Moto | undefined;
let iam: IAMClient;
const role = W.identity('role', 'app');
const COPY = `arn:aws:iam::${W.ACCOUNT}:policy/nhi-trim/nhi-role-app-AmazonS3FullAccess`;
/** Which estate the next world is: every kind of document, or the managed replacement alone. */
let estate: 'all' | 'replacement' = 'all';

beforeAll(async () => {
  if (W.motoMissing) return;
  [plain, managed] = await Promise.all([W.startMoto(false), W.startMoto(true)]);
}, 60_000);
afterAll(() => {
  plain?.stop();
  managed?.stop();
  removeCliBuild();
});

function use(which: 'all' | 'replacement'): void {
  estate = which;
  moto = which === 'all' ? plain : managed;
  iam = W.motoIam(moto!.url);
}

interface Wreck {
  runId: number;
  plan: Plan;
  env: Record<string, string>;
  cwd: string;
  before: GrantDocument[];
}

/** A fresh moto estate, its trim plan saved in a fresh catalog, and the CLI's environment. */
async function world(): Promise<Wreck> {
  if (estate === 'all') await W.seed(moto!.url, iam, false);
  else await W.seedReplacement(moto!.url, iam);
  const plan = await W.plan(moto!.url, role);
  const path = tempCatalogPath();
  const catalog = openCatalog(path);
  const runId = await new SqlitePlaybookStore(catalog.db, keysFor(path)).createRun(
    plan,
    new Date().toISOString(),
  );
  catalog.close();
  const cwd = mkdtempSync(join(tmpdir(), 'nhi-trim-'));
  writeFileSync(
    join(cwd, 'nhi.config.json'),
    JSON.stringify({ providers: { aws: { endpoint: moto!.url, maxAttempts: 2 } } }),
  );
  const env = {
    NHI_CATALOG: path,
    AWS_ACCESS_KEY_ID: W.creds.accessKeyId,
    AWS_SECRET_ACCESS_KEY: W.creds.secretAccessKey,
    AWS_REGION: 'us-east-1',
  };
  return { runId, plan, env, cwd, before: await W.read(moto!.url, role) };
}

/** null when every planned document is wholly old or wholly new (and `want` holds), else why. */
async function check(w: Wreck, want: 'any' | 'after' | 'before'): Promise<string | null> {
  const docs = await W.read(moto!.url, role);
  for (const c of w.plan.trim!.changes) {
    const state = stateOf(
      c,
      docs.find((d) => d.address === c.address),
    );
    if (state === 'other') return `${c.name} is neither the old nor the new document`;
    if (want !== 'any' && state !== want) return `${c.name} is ${state}, expected ${want}`;
  }
  if (want === 'before') {
    const now = docs.map((d) => [d.address, d.document, d.version, d.facts.versions ?? null]);
    const then = w.before.map((d) => [d.address, d.document, d.version, d.facts.versions ?? null]);
    if (JSON.stringify(now) !== JSON.stringify(then))
      return 'not byte-identical to before (or a version was left)';
    const copyLeft = await iam.send(new GetPolicyCommand({ PolicyArn: COPY })).then(
      () => true,
      () => false,
    );
    if (copyLeft) return `the replacement policy ${COPY} was left behind`;
  }
  return null;
}

const cli = (w: Wreck, args: string[], extra: Record<string, string> = {}) =>
  runCli(args, { ...w.env, ...extra }, { cwd: w.cwd });

/** Apply killed at every journal write and provider write; then resume + rollback, or rollback. */
async function applyMatrix(name: string, writes: string[]): Promise<void> {
  // Trace a clean run to enumerate its crash points.
  const traced = await world();
  const trace = join(traced.cwd, 'trace');
  const clean = await cli(traced, ['playbook', 'resume', String(traced.runId), '--yes'], {
    NHI_TEST_TRACE: trace,
  });
  expect(clean.code, clean.stderr).toBe(0);
  expect(await check(traced, 'after')).toBeNull();
  const lines = existsSync(trace) ? readFileSync(trace, 'utf8').trim().split('\n') : [];
  const journals = lines.filter((l) => l.startsWith('journal')).length;
  const effects = lines.filter((l) => l.startsWith('effect')).length;
  expect(journals).toBe(traced.plan.steps.length * 2);
  // One per step, plus each provider write inside a step made of several.
  for (const write of writes)
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^effect \\d+ ${write}$`)));
  expect(effects).toBe(traced.plan.steps.length + writes.length);

  const points = [
    ...Array.from(
      { length: journals },
      (_, i) => ['NHI_TEST_KILL_AFTER_STEP', String(i + 1)] as const,
    ),
    ...Array.from(
      { length: effects },
      (_, i) => ['NHI_TEST_KILL_AFTER_EFFECT', String(i + 1)] as const,
    ),
  ];
  const rows: string[] = [];
  let held = 0;
  for (const [hook, n] of points) {
    const problems: string[] = [];
    for (const path of ['resume', 'rollback'] as const) {
      const w = await world();
      const crash = await cli(w, ['playbook', 'resume', String(w.runId), '--yes'], { [hook]: n });
      if (crash.signal !== 'SIGKILL')
        problems.push(`no crash (${crash.code}: ${crash.stderr.trim()})`);
      const afterCrash = await check(w, 'any');
      if (afterCrash) problems.push(`after crash: ${afterCrash}`);
      if (path === 'resume') {
        const r = await cli(w, ['playbook', 'resume', String(w.runId), '--yes']);
        const bad =
          r.code !== 0 ? `resume exit ${r.code}: ${r.stderr.trim()}` : await check(w, 'after');
        if (bad) problems.push(`after resume: ${bad}`);
      }
      const rb = await cli(w, ['playbook', 'rollback', String(w.runId), '--yes']);
      const bad =
        rb.code !== 0 ? `rollback exit ${rb.code}: ${rb.stderr.trim()}` : await check(w, 'before');
      if (bad) problems.push(`after ${path === 'resume' ? 'resume + ' : ''}rollback: ${bad}`);
    }
    if (problems.length === 0) held++;
    rows.push(
      `${hook.replace('NHI_TEST_KILL_AFTER_', '').toLowerCase()} ${n}: ${problems.length ? problems.join('; ') : 'held'}`,
    );
  }
  console.log(
    `trim crash matrix (aws on moto, ${name}): ${held}/${points.length} held\n  ${rows.join('\n  ')}`,
  );
  expect(rows.filter((r) => !r.endsWith('held'))).toEqual([]);
}

describe.skipIf(W.motoMissing)('trim crash matrix (moto, SIGKILL)', () => {
  it('leaves every policy fully old or fully new from every crash point; resume and rollback converge', async () => {
    use('all');
    await applyMatrix('inline and customer-managed', []);
  }, 600_000);
});

describe.skipIf(W.motoMissing)(
  'trim crash matrix: a partly used AWS-managed policy replaced (moto, SIGKILL)',
  () => {
    it('apply killed after every journal write and provider write: old or new, never between; resume and rollback converge', async () => {
      use('replacement');
      await applyMatrix('managed policy replaced', [
        'create-policy',
        'attach-copy',
        'detach-managed',
      ]);
    }, 600_000);

    it('rollback killed after every journal write and provider write: old or new; rollback again restores and deletes the copy', async () => {
      use('replacement');
      const traced = await world();
      const applied = await cli(traced, ['playbook', 'resume', String(traced.runId), '--yes']);
      expect(applied.code, applied.stderr).toBe(0);
      const trace = join(traced.cwd, 'trace-rollback');
      const clean = await cli(traced, ['playbook', 'rollback', String(traced.runId), '--yes'], {
        NHI_TEST_TRACE: trace,
      });
      expect(clean.code, clean.stderr).toBe(0);
      expect(await check(traced, 'before')).toBeNull();
      const lines = readFileSync(trace, 'utf8').trim().split('\n');
      for (const write of ['attach-managed', 'detach-copy', 'delete-copy'])
        expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^effect \\d+ ${write}$`)));
      const count = (kind: string) => lines.filter((l) => l.startsWith(kind)).length;
      const points = [
        ...Array.from(
          { length: count('journal') },
          (_, i) => ['NHI_TEST_KILL_AFTER_STEP', i + 1] as const,
        ),
        ...Array.from(
          { length: count('effect') },
          (_, i) => ['NHI_TEST_KILL_AFTER_EFFECT', i + 1] as const,
        ),
      ];
      const rows: string[] = [];
      for (const [hook, n] of points) {
        const w = await world();
        const problems: string[] = [];
        const a = await cli(w, ['playbook', 'resume', String(w.runId), '--yes']);
        if (a.code !== 0) problems.push(`apply exit ${a.code}: ${a.stderr.trim()}`);
        const crash = await cli(w, ['playbook', 'rollback', String(w.runId), '--yes'], {
          [hook]: String(n),
        });
        if (crash.signal !== 'SIGKILL')
          problems.push(`no crash (${crash.code}: ${crash.stderr.trim()})`);
        const afterCrash = await check(w, 'any');
        if (afterCrash) problems.push(`after crash: ${afterCrash}`);
        const rb = await cli(w, ['playbook', 'rollback', String(w.runId), '--yes']);
        const bad =
          rb.code !== 0
            ? `rollback exit ${rb.code}: ${rb.stderr.trim()}`
            : await check(w, 'before');
        if (bad) problems.push(`after rollback again: ${bad}`);
        rows.push(
          `${hook.replace('NHI_TEST_KILL_AFTER_', '').toLowerCase()} ${n}: ${problems.length ? problems.join('; ') : 'held'}`,
        );
      }
      console.log(
        `trim rollback crash matrix (aws on moto, managed policy replaced): ${rows.filter((r) => r.endsWith('held')).length}/${points.length} held\n  ${rows.join('\n  ')}`,
      );
      expect(rows.filter((r) => !r.endsWith('held'))).toEqual([]);
    }, 600_000);
  },
);
