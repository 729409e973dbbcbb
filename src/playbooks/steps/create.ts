/** `create`: the replacement credential. Its id is journaled at once; its secret stays in memory. */
import { effect, newCredentialId, refFor } from '../live.js';
import { deleteIfPresent, findOrphans } from './shared.js';
import type { StepModule } from './types.js';

export const create: StepModule = {
  async run(live) {
    const r = await effect(live, 'create', () =>
      live.actions.create(live.ctx, live.plan.ref, live.plan.replacement),
    );
    live.secret = r.secret;
    return {
      result: { newExternalId: r.credential.externalId, createdAt: r.credential.createdAt },
      requestId: r.result.requestId,
    };
  },

  /** Deletes what this run created — unless the old credential is gone and it is all that works. */
  async undo(live, _step, j, rb) {
    const targets = new Set<string>();
    const id = newCredentialId(live);
    if (id) {
      if (rb.oldGone) {
        rb.notes.push(
          `kept the new credential ${id}: the old one is deleted, so it is the only one that works`,
        );
        return null;
      }
      targets.add(id);
    }
    if (j.status === 'running' || j.status === 'failed') {
      for (const o of await findOrphans(live, j.startedAt)) targets.add(o);
    }
    if (targets.size === 0 && j.status === 'pending') return null;
    let requestId: string | null = null;
    for (const t of targets) {
      const r = await deleteIfPresent(live, refFor(live.plan, t));
      requestId = r.result.requestId ?? requestId;
      live.deps.say(`deleted the new credential ${t}`);
    }
    return {
      result: { target: [...targets].join(',') || null, deletedNew: [...targets] },
      requestId,
      audited: targets.size > 0,
    };
  },
};
