/**
 * `grant-change`: one grant document of a trim, changed from its exact planned text to the
 * narrowed one, and back on rollback. Before writing it checks the document still holds the
 * planned text (or already the new one: a resumed run); anything else is someone else's change
 * and is refused, at apply and at rollback alike. After each write it reads the document back.
 */
import type {
  GrantDocument,
  Plan,
  PlanStep,
  TrimActions,
  TrimChange,
  TrimSubject,
} from '../../connector/index.js';
import { DriftError, effect, type Live } from '../live.js';
import type { StepModule } from '../steps/types.js';

export function subjectOf(plan: Plan): TrimSubject {
  return {
    scope: plan.ref.scope,
    identityExternalId: plan.ref.identityExternalId,
    identityName: plan.ref.identityName,
    identityKind: plan.trim!.identityKind as TrimSubject['identityKind'],
    attributes: plan.ref.attributes,
  };
}

export function trimActionsOf(live: Live): TrimActions {
  const t = live.actions.trim;
  if (!t) throw new Error(`${live.plan.provider} cannot trim (no trim actions)`);
  return t;
}

function changeOf(plan: Plan, step: PlanStep): TrimChange {
  const c = plan.trim?.changes.find((x) => x.address === step.targetExternalId);
  if (!c) throw new Error(`step ${step.seq}: no planned change for ${step.targetExternalId}`);
  return c;
}

/** A change whose write creates something at the provider that rollback must remove. */
const createsSomething = (c: TrimChange) =>
  c.kind === 'policy-version' || (c.kind === 'attachment' && c.after !== null);

/** Each provider write inside one step is a crash point of its own (test hooks). */
const progressOf = (live: Live) => (label: string) => live.deps.hooks?.afterEffect?.(label);

export type DocState = 'before' | 'after' | 'other';

/** Whether the provider's document is the planned one, the narrowed one, or someone else's. */
export function stateOf(change: TrimChange, doc: GrantDocument | undefined): DocState {
  const text = doc?.document ?? null;
  if (
    text === change.before &&
    (change.kind !== 'policy-version' || doc?.version === change.beforeVersion)
  )
    return 'before';
  if (
    text === change.after &&
    (change.kind !== 'policy-version' || doc?.version !== change.beforeVersion)
  )
    return 'after';
  return 'other';
}

async function current(live: Live, change: TrimChange): Promise<GrantDocument | undefined> {
  const docs = await trimActionsOf(live).read(live.ctx, subjectOf(live.plan));
  return docs.find((d) => d.address === change.address);
}

export const grantChange: StepModule = {
  async run(live, step) {
    const change = changeOf(live.plan, step);
    const t = trimActionsOf(live);
    const state = stateOf(change, await current(live, change));
    if (state === 'other')
      throw new DriftError(
        `${change.name} changed at ${live.plan.provider} since planning; it was not touched: re-scan and plan again`,
      );
    // Already 'after' (a run that died after its write): `write` is idempotent and runs anyway,
    // so a connector finishes what follows its write (GCP marks the recommendations applied).
    const { detail, requestId } = await effect(live, 'grant-change', () =>
      t.write(live.ctx, subjectOf(live.plan), change, progressOf(live)),
    );
    const now = stateOf(change, await current(live, change));
    if (now !== 'after')
      throw new Error(`${change.name} does not read back as the narrowed document`);
    return { result: { address: change.address, ...detail }, requestId };
  },

  async undo(live, step, j) {
    if (j.status === 'pending') return null;
    const change = changeOf(live.plan, step);
    const t = trimActionsOf(live);
    const doc = await current(live, change);
    const state = stateOf(change, doc);
    // Never changed (the apply died before its write), nothing to undo. A change that creates
    // something (a policy version, a replacement policy) still cleans up what a crashed write
    // may have left; and after a finished write, the previous document holding again means a
    // rollback died before journaling it: `restore` (idempotent) says what holds it now (Azure:
    // the recreated assignment's id), so the journal records it.
    if (state === 'before' && !createsSomething(change) && j.status !== 'done') return null;
    if (
      state === 'other' &&
      !(change.kind === 'policy-version' && doc?.version === change.beforeVersion)
    )
      throw new DriftError(
        `${change.name} was changed by someone else since nhi applied run ${live.run.id}; rollback refused for it (nothing restored): compare and restore by hand, the previous document is in 'nhi playbook show ${live.run.id} --json'`,
      );
    const written =
      j.status === 'done' ? ((j.result ?? {}) as Record<string, string | null>) : null;
    const r = await effect(live, 'grant-restore', () =>
      t.restore(live.ctx, subjectOf(live.plan), change, written, progressOf(live)),
    );
    if (stateOf(change, await current(live, change)) !== 'before')
      throw new Error(`${change.name} does not read back as the previous document after restoring`);
    live.deps.say(`restored ${change.name}`);
    return {
      // What restoring made (a recreated assignment's new id) is recorded with the undo.
      result: { target: change.address, restored: true, ...('detail' in r ? r.detail : {}) },
      requestId: r.requestId,
      audited: true,
    };
  },
};
