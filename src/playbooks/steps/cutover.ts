/**
 * `cutover`: the old credential stays active until the new one is seen in use — the
 * provider's last-used time, later than this run's own proof — or until the overlap ends.
 * `nhi playbook resume --due` checks again each time it runs.
 */
import type { Credential } from '../../connector/index.js';
import { GateError, journalOf, newCredentialId, refFor, type Live } from '../live.js';
import { requireServingReplacement } from './shared.js';
import type { StepModule } from './types.js';

/** Our own proof can show up as a use; only a use this long after it counts. */
const OWN_PROOF_MARGIN_MS = 60_000;

const lastSeen = new WeakMap<Live, Credential>();

function provedAt(live: Live): number {
  const j = journalOf(live, 'sink-verify');
  const at = j?.result?.provedAt ?? j?.finishedAt;
  return typeof at === 'string' ? Date.parse(at) : Date.now();
}

export const cutover: StepModule = {
  async early(live) {
    const id = newCredentialId(live);
    if (!id) throw new GateError('no replacement was delivered and proven by this run');
    const now = await live.actions.describe(live.ctx, refFor(live.plan, id));
    if (!now) throw new GateError(`the new credential ${id} no longer exists at the provider`);
    lastSeen.set(live, now);
    if (
      now.lastUsedKnown &&
      now.lastUsedAt !== null &&
      Date.parse(now.lastUsedAt) > provedAt(live) + OWN_PROOF_MARGIN_MS
    ) {
      return `the new credential ${id} is in use (last used ${now.lastUsedAt})`;
    }
    return null;
  },

  waiting(live, _step, due) {
    const id = newCredentialId(live);
    const seen = lastSeen.get(live);
    const usage = !seen?.lastUsedKnown
      ? `${live.plan.provider} reports no usage for it, so only the overlap counts`
      : 'not seen in use yet';
    return `${id}: ${usage}; ${live.plan.ref.credentialExternalId} is retired once it is in use, or at ${due} at the latest ('nhi playbook resume --due' checks)`;
  },

  async run(live, step, early) {
    await requireServingReplacement(live);
    return {
      result: { reason: early ?? `the ${step.delayDays}-day overlap ended` },
      requestId: null,
    };
  },

  async undo(_live, _step, j) {
    if (j.status === 'pending' && j.notBefore === null) return null;
    return { result: { cancelled: j.status === 'pending' }, requestId: null, audited: false };
  },
};
