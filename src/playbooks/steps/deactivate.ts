/** `deactivate`: switches the old credential off, reversibly — after the replacement gate. */
import { effect, refFor } from '../live.js';
import { requireServingReplacement } from './shared.js';
import type { StepModule } from './types.js';

export const deactivate: StepModule = {
  async run(live, step) {
    if (live.plan.kind === 'rotate') await requireServingReplacement(live);
    const ref = refFor(live.plan, step.targetExternalId!);
    const r = await effect(live, 'deactivate', () => live.actions.deactivate(live.ctx, ref));
    return { result: { deactivated: step.targetExternalId }, requestId: r.requestId };
  },

  async undo(live, step, j, rb) {
    if (j.status === 'pending') return null;
    const ref = refFor(live.plan, step.targetExternalId!);
    const cur = await live.actions.describe(live.ctx, ref);
    if (cur === null) {
      rb.notes.push(
        `step ${step.seq}: ${step.targetExternalId} no longer exists; it cannot be re-activated`,
      );
      return null;
    }
    let requestId: string | null = null;
    if (cur.status !== 'active') {
      requestId = (await effect(live, 'reactivate', () => live.actions.reactivate(live.ctx, ref)))
        .requestId;
    }
    live.deps.say(`re-activated ${step.targetExternalId}`);
    return {
      result: { target: step.targetExternalId, reactivated: true },
      requestId,
      audited: true,
    };
  },
};
