/**
 * The trim crash matrix for providers whose stand-in runs in this test process (GCP, Azure):
 * the built CLI applies a saved trim plan (`nhi playbook resume <run> --yes`) and SIGKILLs
 * itself after every journal write and every provider write, each point found by tracing a
 * clean run. From each wreck, in fresh processes: resume then rollback, and (from a fresh
 * wreck) rollback alone; a second matrix kills the rollback itself. After the crash, after
 * resume and after rollback every planned document is asked of the stand-in: exactly the old or
 * exactly the new one, all new after resume, all old after rollback, plus the provider's own
 * checks (no duplicate assignment, the journal names what holds each restored one…).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { openCatalog } from '../src/catalog/index.js';
import { SqlitePlaybookStore } from '../src/catalog/sqlite/playbook-store.js';
import type { GrantDocument, JournalStep, Plan, ProviderId } from '../src/connector/index.js';
import { stateOf } from '../src/playbooks/trim/step.js';
import { keysFor, runCli, tempCatalogPath, type CliResult } from './playbooks-harness.js';

export type Want = 'any' | 'after' | 'before';

export interface CrashEstate {
  provider: ProviderId;
  /** Puts the stand-in's estate back to its start and plans the trim there. */
  reset(): Promise<Plan>;
  /** The identity's grant documents as the stand-in holds them now (real wire). */
  read(): Promise<GrantDocument[]>;
  /** The provider's options and environment for the CLI. */
  options: Record<string, unknown>;
  env: Record<string, string>;
  /**
   * The connector's last provider write in a step is its last call (Azure): the step's own
   * effect right after it is the same wreck, so it is not killed at separately.
   */
  lastWriteEndsStep?: boolean;
  /** Provider checks beyond old-or-new (null: held): duplicates, what the journal recorded. */
  extra?(
    want: Want,
    run: { plan: Plan; journal: JournalStep[]; docs: GrantDocument[] },
  ): Promise<string | null> | string | null;
}

interface Wreck {
  runId: number;
  plan: Plan;
  env: Record<string, string>;
  cwd: string;
  catalog: string;
}

async function world(e: CrashEstate): Promise<Wreck> {
  const plan = await e.reset();
  const catalog = tempCatalogPath();
  const c = openCatalog(catalog);
  const runId = await new SqlitePlaybookStore(c.db, keysFor(catalog)).createRun(
    plan,
    new Date().toISOString(),
  );
  c.close();
  const cwd = mkdtempSync(join(tmpdir(), 'nhi-trim-crash-'));
  writeFileSync(
    join(cwd, 'nhi.config.json'),
    JSON.stringify({ providers: { [e.provider]: e.options } }),
  );
  return { runId, plan, cwd, catalog, env: { ...e.env, NHI_CATALOG: catalog } };
}

async function journalOf(w: Wreck): Promise<JournalStep[]> {
  const c = openCatalog(w.catalog, { readonly: true });
  try {
    return await new SqlitePlaybookStore(c.db).steps(w.runId);
  } finally {
    c.close();
  }
}

/** null when every planned document is wholly old or wholly new (and `want` holds), else why. */
async function check(e: CrashEstate, w: Wreck, want: Want): Promise<string | null> {
  const docs = await e.read();
  for (const c of w.plan.trim!.changes) {
    const state = stateOf(
      c,
      docs.find((d) => d.address === c.address),
    );
    if (state === 'other') return `${c.name} is neither the old nor the new document`;
    if (want !== 'any' && state !== want) return `${c.name} is ${state}, expected ${want}`;
  }
  return (await e.extra?.(want, { plan: w.plan, journal: await journalOf(w), docs })) ?? null;
}

const cli = (w: Wreck, args: string[], extra: Record<string, string> = {}): Promise<CliResult> =>
  runCli(args, { ...w.env, ...extra }, { cwd: w.cwd });
const resume = (w: Wreck, extra?: Record<string, string>) =>
  cli(w, ['playbook', 'resume', String(w.runId), '--yes'], extra);
const rollback = (w: Wreck, extra?: Record<string, string>) =>
  cli(w, ['playbook', 'rollback', String(w.runId), '--yes'], extra);

const failed = (what: string, r: CliResult) =>
  `${what} exit ${r.code}${r.signal ? ` (${r.signal})` : ''}: ${r.stderr.trim()}`;

type Point = readonly ['NHI_TEST_KILL_AFTER_STEP' | 'NHI_TEST_KILL_AFTER_EFFECT', string];

/** Every crash point of a traced run: each journal write and each provider write. */
function pointsOf(e: CrashEstate, trace: string): { points: Point[]; lines: string[] } {
  const lines = readFileSync(trace, 'utf8').trim().split('\n');
  const points: Point[] = [];
  lines.forEach((l, i) => {
    const [kind, n, label] = l.split(' ');
    if (kind === 'journal') points.push(['NHI_TEST_KILL_AFTER_STEP', n!]);
    else if (!(
      e.lastWriteEndsStep &&
      /^grant-(change|restore)$/.test(label ?? '') &&
      lines[i - 1]?.startsWith('effect ')
    ))
      points.push(['NHI_TEST_KILL_AFTER_EFFECT', n!]);
  });
  return { lines, points };
}

const rowOf = (p: Point, problems: string[]) =>
  `${p[0].replace('NHI_TEST_KILL_AFTER_', '').toLowerCase()} ${p[1]}: ${problems.length ? problems.join('; ') : 'held'}`;

function report(title: string, rows: string[]): void {
  const held = rows.filter((r) => r.endsWith('held')).length;
  console.log(`${title}: ${held}/${rows.length} held\n  ${rows.join('\n  ')}`);
  expect(rows.filter((r) => !r.endsWith('held'))).toEqual([]);
}

/**
 * Apply killed at every crash point; then resume + rollback, or rollback alone. `writes`: the
 * provider writes each step makes (each is a crash point besides the step's own).
 */
export async function applyMatrix(e: CrashEstate, name: string, writes: string[]): Promise<void> {
  const traced = await world(e);
  const file = join(traced.cwd, 'trace');
  const clean = await resume(traced, { NHI_TEST_TRACE: file });
  expect(clean.code, clean.stderr).toBe(0);
  expect(await check(e, traced, 'after')).toBeNull();
  const { points, lines } = pointsOf(e, file);
  const steps = traced.plan.steps.length;
  expect(steps).toBeGreaterThan(0);
  expect(lines.filter((l) => l.startsWith('journal ')).length).toBe(steps * 2);
  // One effect per step, plus each provider write inside it.
  expect(lines.filter((l) => l.startsWith('effect ')).length).toBe(steps * (1 + writes.length));
  for (const write of writes)
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^effect \\d+ ${write}$`)));

  const rows: string[] = [];
  for (const p of points) {
    const problems: string[] = [];
    for (const path of ['resume', 'rollback'] as const) {
      const w = await world(e);
      const crash = await resume(w, { [p[0]]: p[1] });
      if (crash.signal !== 'SIGKILL') problems.push(failed('no crash:', crash));
      const afterCrash = await check(e, w, 'any');
      if (afterCrash) problems.push(`after crash: ${afterCrash}`);
      if (path === 'resume') {
        const r = await resume(w);
        const bad = r.code !== 0 ? failed('resume', r) : await check(e, w, 'after');
        if (bad) problems.push(`after resume: ${bad}`);
      }
      const rb = await rollback(w);
      const bad = rb.code !== 0 ? failed('rollback', rb) : await check(e, w, 'before');
      if (bad) problems.push(`after ${path === 'resume' ? 'resume + ' : ''}rollback: ${bad}`);
    }
    rows.push(rowOf(p, problems));
  }
  report(`trim crash matrix (${e.provider} stand-in, ${name})`, rows);
}

/** Rollback killed at every crash point of a clean rollback; rollback again restores. */
export async function rollbackMatrix(
  e: CrashEstate,
  name: string,
  writes: string[],
): Promise<void> {
  const traced = await world(e);
  const applied = await resume(traced);
  expect(applied.code, applied.stderr).toBe(0);
  const file = join(traced.cwd, 'trace-rollback');
  const clean = await rollback(traced, { NHI_TEST_TRACE: file });
  expect(clean.code, clean.stderr).toBe(0);
  expect(await check(e, traced, 'before')).toBeNull();
  const { points, lines } = pointsOf(e, file);
  for (const write of writes)
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^effect \\d+ ${write}$`)));

  const rows: string[] = [];
  for (const p of points) {
    const problems: string[] = [];
    const w = await world(e);
    const a = await resume(w);
    if (a.code !== 0) problems.push(failed('apply', a));
    const crash = await rollback(w, { [p[0]]: p[1] });
    if (crash.signal !== 'SIGKILL') problems.push(failed('no crash:', crash));
    const afterCrash = await check(e, w, 'any');
    if (afterCrash) problems.push(`after crash: ${afterCrash}`);
    const rb = await rollback(w);
    const bad = rb.code !== 0 ? failed('rollback', rb) : await check(e, w, 'before');
    if (bad) problems.push(`after rollback again: ${bad}`);
    rows.push(rowOf(p, problems));
  }
  report(`trim rollback crash matrix (${e.provider} stand-in, ${name})`, rows);
}
