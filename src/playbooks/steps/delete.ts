/**
 * `delete` and `delete-sibling`: deletion for good (idempotent: a credential already gone is
 * fine). Deleting a rotation's old credential passes the replacement gate first.
 */
import { refFor } from '../live.js';
import { deleteIfPresent, requireServingReplacement } from './shared.js';
import type { StepModule } from './types.js';

export const del: StepModule = {
  async run(live, step) {
    const target = step.targetExternalId!;
    if (live.plan.kind === 'rotate' && target === live.plan.ref.credentialExternalId) {
      await requireServingReplacement(live);
    }
    const r = await deleteIfPresent(live, refFor(live.plan, target));
    return {
      result: { deleted: target, alreadyGone: r.alreadyGone },
      requestId: r.result.requestId,
    };
  },

  /** A pending deletion is cancelled; a done one cannot be undone, and rollback says so. */
  async undo(live, step, j, rb) {
    if (j.status !== 'pending') {
      const gone =
        (await live.actions.describe(live.ctx, refFor(live.plan, step.targetExternalId!))) === null;
      if (gone) {
        rb.notes.push(
          `step ${step.seq}: ${step.targetExternalId} was deleted and cannot be restored`,
        );
        if (step.targetExternalId === live.plan.ref.credentialExternalId) rb.oldGone = true;
        return null;
      }
    }
    return { result: { cancelled: true }, requestId: null, audited: false };
  },
};
