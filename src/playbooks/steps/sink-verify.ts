/**
 * `sink-verify`: the sink holds exactly this run's delivery (its version, token or keyed
 * fingerprint — not merely some value), and, where the provider allows it, the new
 * credential authenticates with the delivered secret. Only then may the old one be touched.
 */
import {
  deliveredFor,
  deliveryOf,
  effect,
  ensureSink,
  journalOf,
  newCredentialId,
  refFor,
} from '../live.js';
import type { StepModule } from './types.js';

export const sinkVerify: StepModule = {
  async run(live) {
    const id = newCredentialId(live);
    const { delivery, receipt } = deliveryOf(live);
    if (!id || !receipt || !deliveredFor(live, journalOf(live, 'sink-put'))) {
      throw new Error('this run delivered nothing that could be verified');
    }
    const sink = await ensureSink(live);
    const check = await sink.verify(receipt, delivery);
    if (!check.ok) {
      throw new Error(
        `${sink.describe()} does not hold this run's delivery of ${id}: ${check.reason}`,
      );
    }
    let provedAs: string | null = null;
    if (live.actions.prove) {
      const secret = live.secret;
      if (!secret) {
        throw new Error(
          `the secret of ${id} is no longer in memory, so it cannot be proven (resume delivers a fresh credential)`,
        );
      }
      const proof = await effect(live, 'prove', () =>
        live.actions.prove!(live.ctx, refFor(live.plan, id), secret, live.plan.replacement),
      );
      provedAs = proof.principal;
    }
    // Delivered and proven: the secret is not needed any more.
    live.secret = null;
    return {
      result: {
        credential: id,
        sink: sink.describe(),
        version: receipt.version,
        verified: true,
        provedAs,
        provedAt: live.deps.now().toISOString(),
      },
      requestId: null,
    };
  },

  async undo(_live, _step, j, rb) {
    if (j.status === 'pending' || rb.oldGone) return null;
    return { result: {}, requestId: null, audited: false };
  },
};
