/**
 * One open run per credential, and cancelling runs safely. A run is cancelled only at a rest
 * point — nothing started, or waiting with every step before it complete — so nothing is left
 * half done: a waiting rotation keeps both credentials exactly as they are, and says so.
 */
import type { JournalStep, Plan, RunRecord } from '../connector/index.js';
import { UserError } from '../connector/index.js';
import { OpenRunConflict, type PlaybookStore } from '../catalog/playbook-store.js';
import { claimed, type EngineDeps, type Outcome } from './live.js';

export function openRunHint(run: RunRecord): string {
  const next =
    run.status === 'planned' || run.status === 'waiting' || run.status === 'stopped'
      ? `'nhi playbook resume ${run.id}' continues it, 'nhi playbook cancel ${run.id}' cancels it`
      : `'nhi playbook resume ${run.id}' finishes it, 'nhi playbook rollback ${run.id}' undoes it`;
  return `run ${run.id} (${run.kind}, ${run.status}) is already open for ${run.credentialId} (${run.plan.ref.credentialExternalId}): ${next}`;
}

/** Saves the plan as a new run, or refuses (exit 2) naming the run already open for it. */
export async function saveRun(store: PlaybookStore, plan: Plan, now: string): Promise<number> {
  try {
    return await store.createRun(plan, now);
  } catch (err) {
    if (err instanceof OpenRunConflict) throw new UserError(openRunHint(err.open));
    throw err;
  }
}

function byAction(plan: Plan, steps: JournalStep[], action: string): JournalStep | undefined {
  const s = plan.steps.find((x) => x.action === action);
  return s ? steps.find((j) => j.seq === s.seq) : undefined;
}

/** Why the run cannot be cancelled as it stands, or null when it can. */
function unsafe(run: RunRecord, steps: JournalStep[]): string | null {
  if (!['planned', 'waiting', 'stopped'].includes(run.status)) {
    return `run ${run.id} is ${run.status}: only a planned, waiting or stopped run can be cancelled; 'nhi playbook resume ${run.id}' finishes it, 'nhi playbook rollback ${run.id}' undoes it`;
  }
  const busy = steps.find((j) => j.status === 'running' || j.status === 'failed');
  if (busy) {
    return `run ${run.id} stopped in the middle of step ${busy.seq} (${busy.action}): resume or roll it back instead`;
  }
  const created = byAction(run.plan, steps, 'create');
  const verified = byAction(run.plan, steps, 'sink-verify');
  if (created?.status === 'done' && verified?.status !== 'done') {
    return `run ${run.id} created ${String(created.result?.newExternalId)} but never proved its delivery: 'nhi playbook rollback ${run.id}' removes it`;
  }
  return null;
}

/** What stays as it is, in words, from the journal alone (cancelling changes nothing outside). */
function leftAsIs(run: RunRecord, steps: JournalStep[]): string[] {
  const old = run.plan.ref.credentialExternalId;
  if (steps.every((j) => j.status === 'pending' && j.startedAt === null))
    return ['nothing had been changed'];
  const notes: string[] = [];
  const created = byAction(run.plan, steps, 'create');
  const newId = created?.status === 'done' ? String(created.result?.newExternalId) : null;
  if (newId) notes.push(`the new credential ${newId} stays active in ${run.plan.sink?.raw}`);
  const deactivated = byAction(run.plan, steps, 'deactivate')?.status === 'done';
  const del = byAction(run.plan, steps, 'delete');
  if (del?.status === 'done') notes.push(`${old} was deleted`);
  else {
    notes.push(`${old} stays ${deactivated ? 'inactive' : 'active'}`);
    if (del?.notBefore) notes.push(`its deletion due ${del.notBefore} will not happen`);
  }
  return notes;
}

/** Cancels a run that is at a rest point; nothing at the provider or the sink changes. */
export async function cancelRun(deps: EngineDeps, runId: number): Promise<Outcome> {
  return claimed(deps, runId, async () => {
    const run = (await deps.store.getRun(runId))!;
    if (run.status === 'cancelled')
      return { runId, status: 'cancelled', notes: [`run ${runId} was already cancelled`] };
    const steps = await deps.store.steps(runId);
    const why = unsafe(run, steps);
    if (why) throw new UserError(why);
    const notes = leftAsIs(run, steps);
    const at = deps.now().toISOString();
    await deps.store.setRunStatus(runId, 'cancelled', at, null, {
      at,
      actor: deps.actor,
      runId,
      step: null,
      action: 'cancel',
      result: 'ok',
      detail: { from: run.status, leftAsIs: notes },
    });
    return { runId, status: 'cancelled', notes };
  });
}
