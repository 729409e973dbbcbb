/**
 * The crash and fault matrix (issue 10): for rotate and revoke on every provider, the CLI
 * applies the playbook in a child process that SIGKILLs itself right after each journal write
 * and, separately, right after each external side effect (provider write, proof sign-in, sink
 * write) — every point found by tracing a clean run, none hard-coded. Each wreck is then
 * resumed, and (from a fresh wreck) rolled back, in fresh processes; plus a sink verification
 * that fails once. After every crash, resume and rollback the invariant is asked of the
 * provider and the sink themselves. The matrix (cases × providers) is printed; every case must hold.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { execFileSync } from 'node:child_process';
import { openCatalog } from '../src/catalog/index.js';
import { verifyAuditChain } from '../src/catalog/playbook-store.js';
import { SqlitePlaybookStore } from '../src/catalog/sqlite/playbook-store.js';
import { buildCli, keysFor, removeCliBuild, runCli } from './playbooks-harness.js';
import {
  awsCutoverLeg,
  awsLeg,
  azureLeg,
  gcpLeg,
  githubRevokeLeg,
  githubSinkLeg,
  motoLeg,
  stopMotos,
  type Leg,
  type World,
} from './playbooks-worlds.js';
import { githubDeployKeyLeg } from './playbooks-worlds-deploy-key.js';

function hasMoto(): boolean {
  try {
    execFileSync('python3', ['-c', 'import moto'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const moto = hasMoto();
if (!moto) console.warn('moto legs skipped: `python3 -c "import moto"` failed');

interface Point {
  kind: 'journal' | 'effect';
  n: number;
  label: string;
}

interface Result {
  provider: string;
  row: string;
  broken: string | null;
}

const results: Result[] = [];
const limit = pLimit(3);

afterAll(() => {
  removeCliBuild();
  stopMotos();
  const providers = [...new Set(results.map((r) => r.provider))];
  const rows = [...new Set(results.map((r) => r.row))];
  const cell = (row: string, p: string) => {
    const rs = results.filter((r) => r.row === row && r.provider === p);
    if (!rs.length) return '-';
    const held = rs.filter((r) => !r.broken).length;
    return `${held}/${rs.length}${held < rs.length ? ' BROKEN' : ''}`;
  };
  const w0 = Math.max(...rows.map((r) => r.length));
  const widths = providers.map((p) => Math.max(p.length, 9));
  const line = (first: string, cells: string[]) =>
    `  ${first.padEnd(w0)}  ${cells.map((c, i) => c.padEnd(widths[i]!)).join('  ')}`;
  const held = results.filter((r) => !r.broken).length;
  console.log(
    [
      'playbook crash/fault matrix: invariant held (cases held / cases)',
      line('case', providers),
      ...rows.map((row) =>
        line(
          row,
          providers.map((p) => cell(row, p)),
        ),
      ),
      `  total: ${held}/${results.length} held, ${results.length - held} broken`,
      ...results.filter((r) => r.broken).map((r) => `  BROKEN ${r.provider} ${r.row}: ${r.broken}`),
    ].join('\n'),
  );
});

async function auditOk(w: World): Promise<string | null> {
  const c = openCatalog(w.env.NHI_CATALOG!, { readonly: true });
  try {
    const v = verifyAuditChain(
      await new SqlitePlaybookStore(c.db).audit(),
      keysFor(w.env.NHI_CATALOG!).load(),
    );
    return v.ok ? null : `audit chain broken at ${v.brokenAt}: ${v.reason}`;
  } finally {
    c.close();
  }
}

const apply = (w: World, extra: Record<string, string> = {}) =>
  runCli([...w.args, '--apply', '--yes'], { ...w.env, ...extra }, { cwd: w.cwd });

/** Every crash point of a clean run, from the trace the hooks write. */
async function crashPoints(leg: Leg): Promise<Point[]> {
  const w = await leg.make();
  try {
    const file = join(mkdtempSync(join(tmpdir(), 'nhi-trace-')), 'trace');
    const r = await apply(w, { NHI_TEST_TRACE: file });
    expect(r.code, `clean ${leg.provider} ${leg.kind}: ${r.stderr}`).toBe(0);
    expect(await w.finished(), `clean ${leg.provider} ${leg.kind}`).toBeNull();
    return readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => {
        const [kind, n, label] = l.split(' ');
        return { kind: kind as Point['kind'], n: Number(n), label: label ?? '' };
      });
  } finally {
    await w.close();
  }
}

/** Runs one case; returns null when every check held, else the first that did not. */
async function check(
  w: World,
  then: 'resume' | 'rollback',
  start: () => Promise<string | null>,
): Promise<string | null> {
  try {
    const started = await start();
    if (started) return started;
    let why = await w.invariant();
    if (why) return `after the crash/fault: ${why}`;
    const next = ['playbook', then, '1', '--yes'];
    const r = await runCli(next, w.env, { cwd: w.cwd });
    if (r.code !== 0)
      return `${then} exited ${r.code}: ${
        r.stderr
          .trim()
          .split('\n')
          .filter((l) => l.startsWith('nhi:'))
          .join(' ') || r.stderr.trim()
      }`;
    why = await w.invariant();
    if (why) return `after ${then}: ${why}`;
    why = then === 'resume' ? await w.finished() : await w.restored(r.stdout);
    if (why) return `after ${then}: ${why}`;
    return auditOk(w);
  } finally {
    await w.close();
  }
}

async function crashCase(leg: Leg, p: Point, then: 'resume' | 'rollback'): Promise<Result> {
  const w = await leg.make();
  const broken = await check(w, then, async () => {
    const v = p.kind === 'journal' ? 'NHI_TEST_KILL_AFTER_STEP' : 'NHI_TEST_KILL_AFTER_EFFECT';
    const r = await apply(w, { [v]: String(p.n) });
    return r.signal === 'SIGKILL' ? null : `not killed after ${p.kind} ${p.n} (exit ${r.code})`;
  });
  const row = `${leg.kind}: kill after ${p.kind === 'journal' ? 'journal write' : 'side effect'} → ${then}`;
  return {
    provider: leg.provider,
    row,
    broken: broken && `${p.kind} ${p.n} (${p.label}): ${broken}`,
  };
}

async function verifyOnceCase(leg: Leg, then: 'resume' | 'rollback'): Promise<Result> {
  const w = await leg.make();
  const broken = await check(w, then, async () => {
    await w.failVerifyOnce();
    const r = await apply(w);
    if (r.code !== 2 || !/sink-verify\) failed/.test(r.stderr))
      return `the failed verify was not reported (exit ${r.code}): ${r.stderr.trim()}`;
    return null;
  });
  return { provider: leg.provider, row: `rotate: verify fails once → ${then}`, broken };
}

async function runLeg(leg: Leg): Promise<void> {
  const points = await crashPoints(leg);
  expect(points.filter((p) => p.kind === 'journal').length).toBeGreaterThan(0);
  expect(points.filter((p) => p.kind === 'effect').length).toBeGreaterThan(0);
  const cases: Promise<Result>[] = [];
  for (const p of points)
    for (const then of ['resume', 'rollback'] as const)
      cases.push(limit(() => crashCase(leg, p, then)));
  if (leg.kind === 'rotate')
    for (const then of ['resume', 'rollback'] as const)
      cases.push(limit(() => verifyOnceCase(leg, then)));
  const out = await Promise.all(cases);
  results.push(...out);
  expect(out.filter((r) => r.broken).map((r) => `${r.row}: ${r.broken}`)).toEqual([]);
}

const LEGS: Leg[] = [
  awsLeg('rotate'),
  awsLeg('revoke'),
  awsCutoverLeg(),
  ...(moto ? [motoLeg('rotate'), motoLeg('revoke')] : []),
  azureLeg('rotate'),
  azureLeg('revoke'),
  gcpLeg('rotate'),
  gcpLeg('revoke'),
  githubSinkLeg(),
  githubRevokeLeg(),
  // The trim leg is a deploy-key rotation to a read-only key: the same steps, crash points and
  // proof as a plain rotation plus the access check, so a plain rotation leg would only repeat it.
  githubDeployKeyLeg('trim'),
];

describe('crash and fault matrix', () => {
  it.each(LEGS.map((l) => [`${l.provider} ${l.kind}`, l] as const))(
    '%s: the invariant holds after every crash point, resume and rollback',
    async (_name, leg) => {
      await buildCli();
      await runLeg(leg);
    },
    900_000,
  );
});
