/**
 * Applies a stored plan step by step, and rolls it back. Each step is journaled before it runs
 * (intent) and after (result, provider request id), each write its own transaction, so a
 * process killed at any instant leaves a journal from which `resume` finishes and `rollback`
 * restores. What each step does lives in steps/<kind>.ts; this file is the journal's
 * discipline, crash recovery, apply and rollback.
 *
 * The invariant (README): at every moment either the old credential is active, or the sink
 * holds a credential that is active at the provider. Hence:
 * - a delivery (create, sink-put, sink-verify) is all or nothing: anything that fails or is
 *   interrupted before it is proven deletes the new credential and starts over (the old one is
 *   untouched meanwhile), and an earlier delivery never counts for a later credential;
 * - nothing touches the old credential until the replacement gate passes (steps/shared.ts).
 */
import type { PlanStep, StepAction } from '../connector/index.js';
import { UserError } from '../connector/index.js';
import {
  claimed,
  GateError,
  isDone,
  message,
  newCredentialId,
  openLive,
  PlaybookError,
  refFor,
  refresh,
  stepOf,
  ensureSink,
  type EngineDeps,
  type Live,
  type Outcome,
} from './live.js';
import { STEPS, type RollbackState } from './steps/index.js';
import { deleteIfPresent, findOrphans } from './steps/shared.js';
import { checkDrift, validatePlan } from './preflight.js';

export { checkDrift, validatePlan } from './preflight.js';
export {
  DriftError,
  PlaybookError,
  type EngineDeps,
  type Outcome,
  type TestHooks,
} from './live.js';

const DAY_MS = 86_400_000;

const DELIVERY: StepAction[] = ['sink-put', 'sink-verify', 'cutover'];

/**
 * Starts the delivery over: deletes the credential this run created (the old one is still
 * active, so nothing depends on it) and marks every delivery step as superseded.
 */
async function restartDelivery(live: Live, reason: string): Promise<void> {
  const { plan, deps } = live;
  const createStep = stepOf(plan, 'create');
  if (!createStep) return;
  const id = newCredentialId(live);
  if (id) {
    try {
      const r = await deleteIfPresent(live, refFor(plan, id));
      await live.journal.write(
        createStep.seq,
        {
          status: 'undone',
          result: { newExternalId: id, undone: reason },
          requestId: r.result.requestId,
        },
        {
          action: 'delete-new',
          result: 'ok',
          detail: { target: id, requestId: r.result.requestId, reason },
        },
        'create',
      );
      deps.say(
        `deleted the new credential ${id} (${reason}); ${plan.ref.credentialExternalId} was not touched`,
      );
    } catch (err) {
      deps.say(
        `could not delete the new credential ${id}: ${message(err)} (nhi playbook rollback ${live.run.id})`,
      );
    }
  }
  for (const action of DELIVERY) {
    const s = stepOf(plan, action);
    const j = s && live.steps.get(s.seq);
    if (!s || !j) continue;
    const stale = j.status === 'done' || j.status === 'running';
    if (!stale && j.notBefore === null) continue;
    // A cut-over's due date counted from the superseded delivery: it starts again too.
    await live.journal.write(
      s.seq,
      stale
        ? { status: 'undone', result: { ...(j.result ?? {}), superseded: reason }, notBefore: null }
        : { status: j.status, notBefore: null },
      undefined,
      action,
    );
  }
  live.secret = null;
  await refresh(live);
}

/**
 * Puts an interrupted run back on safe ground before it continues: a `create` interrupted
 * before its result was journaled leaves an orphan (found and deleted); a new credential whose
 * secret died with the process before it was proven is deleted, and the delivery starts over.
 */
async function recover(live: Live): Promise<void> {
  const createStep = stepOf(live.plan, 'create');
  const verifyStep = stepOf(live.plan, 'sink-verify');
  if (!createStep || !verifyStep) return;
  const c = live.steps.get(createStep.seq)!;
  if (c.status === 'running' || c.status === 'failed') {
    for (const orphan of await findOrphans(live, c.startedAt)) {
      const r = await deleteIfPresent(live, refFor(live.plan, orphan));
      live.deps.say(
        `deleted ${orphan}: created by an interrupted run, its secret never reached the sink`,
      );
      await live.journal.write(
        createStep.seq,
        { status: c.status, result: { orphanDeleted: orphan }, requestId: r.result.requestId },
        {
          action: 'delete-orphan',
          result: 'ok',
          detail: { target: orphan, requestId: r.result.requestId },
        },
        'create',
      );
    }
    await live.journal.write(
      createStep.seq,
      { status: 'pending', intent: null, result: null, requestId: null },
      undefined,
      'create',
    );
    await refresh(live);
  } else if (c.status === 'done' && !isDone(live, verifyStep) && live.secret === null) {
    await restartDelivery(
      live,
      'its secret was lost with the interrupted process before it was proven',
    );
  }
}

function dueAt(live: Live, step: PlanStep, now: Date): string {
  const prev = live.steps.get(step.seq - 1)?.finishedAt;
  const from = prev ? new Date(prev).getTime() : now.getTime();
  return new Date(from + step.delayDays * DAY_MS).toISOString();
}

/** Records a failed step, puts the run back on safe ground, and says what to do next. */
async function failed(live: Live, step: PlanStep, err: unknown): Promise<never> {
  const { plan, run } = live;
  const why = message(err);
  const gate = err instanceof GateError;
  await live.journal.write(
    step.seq,
    {
      status: 'failed',
      result: { error: why, ...(gate ? { gate: true } : {}) },
      finishedAt: live.deps.now().toISOString(),
    },
    { action: step.action, result: `failed: ${why}`, detail: { target: step.targetExternalId } },
    step.action,
  );
  await refresh(live);
  let next = `'nhi playbook resume ${run.id}' retries, 'nhi playbook rollback ${run.id}' restores`;
  if (step.action === 'sink-put' || step.action === 'sink-verify') {
    await restartDelivery(live, `sink failed: ${why}`);
  } else if (gate) {
    const old = await live.actions.describe(live.ctx, plan.ref).catch((e: unknown) => e as Error);
    if (old instanceof Error) {
      next = `the state of ${plan.ref.credentialExternalId} could not be read (${old.message}): 'nhi playbook resume ${run.id}' checks again`;
    } else if (old?.status === 'active') {
      await restartDelivery(live, `the replacement stopped serving: ${why}`);
      next = `${plan.ref.credentialExternalId} was not touched: 'nhi playbook resume ${run.id}' delivers a fresh credential, 'nhi playbook rollback ${run.id}' restores`;
    } else {
      next = `${plan.ref.credentialExternalId} is ${old?.status ?? 'gone'} and was left so: 'nhi playbook rollback ${run.id}' re-activates it`;
    }
  }
  await live.journal.status('failed', why);
  throw new PlaybookError(
    `step ${step.seq} (${step.action}) failed: ${why} — run ${run.id} is journaled: ${next}`,
  );
}

/** Applies (or resumes) a stored run up to its end or its next delayed step. */
export async function applyRun(deps: EngineDeps, runId: number): Promise<Outcome> {
  return claimed(deps, runId, () => applyClaimed(deps, runId));
}

/** Steps the run would take now: up to the first one that must wait. */
function stepsDueNow(live: Live, now: Date): PlanStep[] {
  const out: PlanStep[] = [];
  for (const s of live.plan.steps) {
    if (isDone(live, s)) continue;
    const j = live.steps.get(s.seq)!;
    if (s.delayDays > 0 && (j.notBefore === null || new Date(j.notBefore) > now)) break;
    out.push(s);
  }
  return out;
}

async function applyClaimed(deps: EngineDeps, runId: number): Promise<Outcome> {
  const pre = await deps.store.getRun(runId);
  if (!pre) throw new UserError(`no playbook run ${runId} (see 'nhi playbook list')`);
  if (pre.status === 'done')
    return { runId, status: 'done', notes: [`run ${runId} is already complete`] };
  if (pre.status === 'rolled-back' || pre.status === 'rolling-back' || pre.status === 'cancelled') {
    throw new UserError(
      pre.status === 'rolling-back'
        ? `run ${runId} was interrupted while rolling back: finish with 'nhi playbook rollback ${runId}'`
        : `run ${runId} was ${pre.status}; plan again to start over`,
    );
  }
  validatePlan(pre.plan, runId);
  const live = await openLive(deps, runId);
  const { plan } = live;
  const fresh = [...live.steps.values()].every(
    (s) => s.status === 'pending' && s.startedAt === null,
  );
  if (fresh) {
    const others = await deps.store.otherOpenRuns(live.run);
    if (others.length > 0) {
      throw new UserError(
        `${plan.credentialId} has another open run (${others.map((r) => `${r.id} ${r.kind} ${r.status}`).join(', ')}): cancel the one you do not want ('nhi playbook cancel <run>'); nothing was changed`,
      );
    }
    await checkDrift(plan, live.actions, live.ctx);
  }

  const needsYes = stepsDueNow(live, deps.now()).filter((s) => s.destructive);
  if (needsYes.length > 0 && !deps.yes && !deps.interactive) {
    const s = needsYes.find((x) => !x.reversible) ?? needsYes[0]!;
    throw new UserError(
      `step ${s.seq} (${s.summary}) ${s.reversible ? 'changes a live credential' : 'is IRREVERSIBLE'}: confirm with --yes (there is no terminal to ask on)`,
    );
  }

  if (fresh && plan.sink) {
    // A sink that would refuse (an existing file) refuses before anything is created.
    (await ensureSink(live)).preflight?.();
  }
  await live.journal.status('applying');
  await recover(live);

  for (const step of plan.steps) {
    if (isDone(live, step)) continue;
    const mod = STEPS[step.action];
    const j = live.steps.get(step.seq)!;
    let early: string | null = null;
    if (step.delayDays > 0) {
      const at = j.notBefore ?? dueAt(live, step, deps.now());
      if (j.notBefore === null) {
        await live.journal.write(
          step.seq,
          { status: 'pending', notBefore: at },
          undefined,
          step.action,
        );
        await refresh(live);
      }
      if (new Date(at) > deps.now()) {
        try {
          early = mod.early ? await mod.early(live, step) : null;
        } catch (err) {
          return failed(live, step, err);
        }
        if (!early) {
          await live.journal.status('waiting');
          const note =
            mod.waiting?.(live, step, at) ??
            `step ${step.seq} (${step.action}) is due at ${at}: 'nhi playbook resume --due' runs it then`;
          return { runId, status: 'waiting', notes: [note] };
        }
        deps.say(early);
      }
    }
    if (step.destructive && !deps.yes) {
      // Reached early (a cut-over saw the new credential in use) with no terminal to ask on.
      const asked = deps.interactive && (await deps.confirm(step, live.run));
      if (!asked) {
        await live.journal.status('stopped');
        return {
          runId,
          status: 'stopped',
          notes: [
            deps.interactive
              ? `stopped before step ${step.seq}: 'nhi playbook resume ${runId}' continues, 'rollback' undoes`
              : `step ${step.seq} (${step.summary}) changes a live credential: continue with 'nhi playbook resume ${runId} --yes'`,
          ],
        };
      }
    }
    let done;
    try {
      const extra = mod.intent?.(live, step) ?? {};
      await live.journal.write(
        step.seq,
        {
          status: 'running',
          intent: {
            action: step.action,
            target: step.targetExternalId,
            summary: step.summary,
            ...extra,
          },
          startedAt: deps.now().toISOString(),
          finishedAt: null,
        },
        undefined,
        step.action,
      );
      await refresh(live);
      deps.say(`[${step.seq}/${plan.steps.length}] ${step.summary}`);
      done = await mod.run(live, step, early);
    } catch (err) {
      return failed(live, step, err);
    }
    const newId = newCredentialId(live);
    await live.journal.write(
      step.seq,
      {
        status: 'done',
        result: DELIVERY.includes(step.action)
          ? { credential: newId, ...done.result }
          : done.result,
        requestId: done.requestId,
        finishedAt: deps.now().toISOString(),
      },
      {
        action: step.action,
        result: 'ok',
        detail: {
          target:
            step.targetExternalId ?? done.result.newExternalId ?? done.result.credential ?? null,
          requestId: done.requestId,
        },
      },
      step.action,
    );
    await refresh(live);
  }
  await live.journal.status('done');
  return { runId, status: 'done', notes: [] };
}

/** Undoes what a run did, newest first; reports what cannot be undone (deletions). */
export async function rollbackRun(deps: EngineDeps, runId: number): Promise<Outcome> {
  return claimed(deps, runId, () => rollbackClaimed(deps, runId));
}

async function rollbackClaimed(deps: EngineDeps, runId: number): Promise<Outcome> {
  const pre = await deps.store.getRun(runId);
  if (!pre) throw new UserError(`no playbook run ${runId} (see 'nhi playbook list')`);
  if (pre.status === 'rolled-back')
    return { runId, status: 'rolled-back', notes: [`run ${runId} is already rolled back`] };
  if (pre.status === 'cancelled')
    throw new UserError(`run ${runId} was cancelled: what it did was left as it was, on purpose`);
  const live = await openLive(deps, runId);
  const rb: RollbackState = { oldGone: false, notes: [] };
  await live.journal.status('rolling-back');
  for (const step of [...live.plan.steps].reverse()) {
    const j = live.steps.get(step.seq)!;
    if (j.status === 'undone') continue;
    const out = await STEPS[step.action].undo(live, step, j, rb);
    if (out) {
      await live.journal.write(
        step.seq,
        {
          status: 'undone',
          result: { ...(j.result ?? {}), ...out.result },
          requestId: out.requestId,
        },
        out.audited
          ? {
              action: `undo-${step.action}`,
              result: 'ok',
              detail: { target: out.result.target ?? null, requestId: out.requestId },
            }
          : undefined,
        step.action,
      );
    }
    await refresh(live);
  }
  await live.journal.status('rolled-back');
  return { runId, status: 'rolled-back', notes: rb.notes };
}

/** Runs every waiting run with something due (`nhi playbook resume --due`). */
export async function resumeDue(deps: EngineDeps): Promise<Outcome[]> {
  const out: Outcome[] = [];
  for (const id of await deps.store.dueRuns(deps.now().toISOString()))
    out.push(await applyRun(deps, id));
  return out;
}
