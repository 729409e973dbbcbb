/** `nhi playbook list|show|resume|rollback|cancel|audit`: saved runs and the audit log. */
import type { Command } from 'commander';
import type { RunRecord } from '../../connector/index.js';
import { UserError } from '../../connector/index.js';
import { applyRun, rollbackRun, type Outcome } from '../../playbooks/engine.js';
import { cancelRun } from '../../playbooks/housekeeping.js';
import { renderPlan, renderRun } from '../../playbooks/render.js';
import { colorEnabled, note, out, table } from '../output.js';
import {
  ask,
  interactive,
  outcomeLines,
  withSession,
  type ApplyFlags,
  type Session,
} from './playbook-session.js';
import { auditCommand } from './playbook-audit.js';

export { Session, saveShowApply, type ApplyFlags } from './playbook-session.js';

function runIdOf(arg: string | undefined): number {
  const n = Number(arg);
  if (!arg || !Number.isInteger(n) || n < 1)
    throw new UserError(`'${arg ?? ''}' is not a run number (nhi playbook list)`);
  return n;
}

/** A plan nobody applied before the catalog moved on: its credential is gone or was rescanned. */
async function staleness(s: Session, run: RunRecord): Promise<string | null> {
  if (run.status !== 'planned') return null;
  const found = await s.catalog.resolve(run.credentialId);
  if (!found || found.kind !== 'credential' || found.credential.removedRun !== null)
    return 'its credential is gone from the catalog';
  const latest = await s.catalog.latestRun();
  if (latest && latest.startedAt > run.createdAt) return `planned before scan #${latest.id}`;
  return null;
}

export async function list(cmd: Command): Promise<number> {
  const f = cmd.opts() as { open?: boolean; stale?: boolean };
  return withSession(cmd, async (s, format) => {
    const runs: { run: RunRecord; stale: string | null }[] = [];
    for (const r of await s.store.listRuns({ open: Boolean(f.open || f.stale) })) {
      const stale = await staleness(s, r);
      if (!f.stale || stale !== null) runs.push({ run: r, stale });
    }
    if (format === 'json') {
      out(
        JSON.stringify(
          runs.map(({ run: { plan: _plan, ...r }, stale }) => ({ ...r, stale })),
          null,
          2,
        ),
      );
      return 0;
    }
    if (runs.length === 0) {
      out(
        f.stale
          ? 'no stale plans'
          : f.open
            ? 'no open playbook runs'
            : 'no playbook runs yet (nhi revoke <id> or nhi rotate <id> --sink …)',
      );
      return 0;
    }
    const rows = [];
    for (const { run: r, stale } of runs) {
      const steps = await s.store.steps(r.id);
      const due = steps.find((x) => x.status === 'pending' && x.notBefore)?.notBefore ?? '';
      rows.push([
        r.id,
        r.kind,
        r.plan.ref.credentialExternalId,
        r.plan.identityName,
        stale ? `${r.status} (stale: ${stale})` : r.status,
        due,
        r.updatedAt,
      ]);
    }
    out(
      table(
        ['run', 'kind', 'credential', 'identity', 'status', 'next due', 'updated'],
        rows,
        colorEnabled(s.g),
      ),
    );
    if (f.stale) out(`cancel them with: nhi playbook cancel --stale`);
    return 0;
  });
}

export async function show(cmd: Command, args: string[]): Promise<number> {
  const id = runIdOf(args[0]);
  return withSession(cmd, async (s, format) => {
    const run = await s.store.getRun(id);
    if (!run) throw new UserError(`no playbook run ${id} (nhi playbook list)`);
    const steps = await s.store.steps(id);
    if (format === 'json') {
      out(JSON.stringify({ run, steps }, null, 2));
      return 0;
    }
    out(renderPlan(run.plan, run.id));
    out('');
    out(renderRun(run, steps));
    return 0;
  });
}

export async function resume(cmd: Command, args: string[]): Promise<number> {
  const f = cmd.opts() as ApplyFlags & { due?: boolean };
  // An optional argument that was not given arrives as the string 'undefined'.
  const given = args[0] !== undefined && args[0] !== 'undefined' ? args[0] : undefined;
  return withSession(cmd, async (s, format) => {
    let outcomes: Outcome[];
    const failures: string[] = [];
    if (f.due) {
      if (given) throw new UserError('give a run number or --due, not both');
      // Each run with its own context (demo or real); one failing run does not stop the others.
      outcomes = [];
      for (const id of await s.store.dueRuns(new Date().toISOString())) {
        const run = (await s.store.getRun(id))!;
        try {
          outcomes.push(await applyRun(await s.deps(run.plan, f), id));
        } catch (err) {
          if (!(err as { isUserError?: boolean }).isUserError) throw err;
          failures.push(`run ${id}: ${(err as Error).message}`);
        }
      }
      if (outcomes.length + failures.length === 0 && format !== 'json' && !s.g.quiet)
        out('no deletions are due (and no rotation is waiting for its cut-over)');
    } else {
      const id = runIdOf(given);
      const run = await s.store.getRun(id);
      if (!run) throw new UserError(`no playbook run ${id} (nhi playbook list)`);
      if (format !== 'json' && run.status === 'planned') out(renderPlan(run.plan, id));
      outcomes = [await applyRun(await s.deps(run.plan, f), id)];
    }
    if (format === 'json') out(JSON.stringify(outcomes, null, 2));
    else if (!s.g.quiet || !f.due) for (const o of outcomes) out(outcomeLines(o));
    if (failures.length) throw new UserError(failures.join('; '));
    return 0;
  });
}

/** Rollback changes live credentials (re-activates, deletes the new one): asked like apply. */
async function confirmRollback(s: Session, run: RunRecord, yes: boolean): Promise<boolean> {
  const started = (await s.store.steps(run.id)).some((j) => j.status !== 'pending' || j.notBefore);
  if (yes || !started) return true;
  const what = `roll back run ${run.id} (${run.kind} ${run.plan.ref.credentialExternalId}, ${run.status})`;
  if (!interactive()) {
    throw new UserError(
      `${what} changes live credentials: confirm with --yes (there is no terminal to ask on)`,
    );
  }
  return /^y(es)?$/i.test(
    await ask(`${what}: re-activate what it switched off and delete what it created? [y/N] `),
  );
}

export async function rollback(cmd: Command, args: string[]): Promise<number> {
  const id = runIdOf(args[0]);
  const f = cmd.opts() as ApplyFlags;
  return withSession(cmd, async (s, format) => {
    const run = await s.store.getRun(id);
    if (!run) throw new UserError(`no playbook run ${id} (nhi playbook list)`);
    if (!(await confirmRollback(s, run, Boolean(f.yes)))) {
      note(s.g, `run ${id}: nothing was rolled back`);
      return 0;
    }
    const outcome = await rollbackRun(await s.deps(run.plan, { yes: true }), id);
    if (format === 'json') out(JSON.stringify(outcome, null, 2));
    else out(outcomeLines(outcome));
    return 0;
  });
}

export async function cancel(cmd: Command, args: string[]): Promise<number> {
  const f = cmd.opts() as { stale?: boolean };
  // A variadic argument arrives joined with commas (see main.ts `lazy`).
  const given = args.flatMap((a) => a.split(',')).filter((a) => a !== '' && a !== 'undefined');
  return withSession(cmd, async (s, format) => {
    if (f.stale && given.length) throw new UserError('give run numbers or --stale, not both');
    const ids: number[] = [];
    if (f.stale) {
      for (const r of await s.store.listRuns({ open: true }))
        if ((await staleness(s, r)) !== null) ids.push(r.id);
    } else ids.push(...given.map(runIdOf));
    if (ids.length === 0) {
      if (!f.stale) throw new UserError('give the run(s) to cancel, or --stale');
      note(s.g, 'no stale plans');
      return 0;
    }
    const outcomes: Outcome[] = [];
    for (const id of ids) {
      const run = await s.store.getRun(id);
      if (!run) throw new UserError(`no playbook run ${id} (nhi playbook list)`);
      outcomes.push(await cancelRun(await s.deps(run.plan, {}), id));
    }
    if (format === 'json') out(JSON.stringify(outcomes, null, 2));
    else for (const o of outcomes) out(outcomeLines(o));
    return 0;
  });
}

export async function audit(cmd: Command): Promise<number> {
  return withSession(cmd, (s, format) => auditCommand(cmd, s, format));
}
