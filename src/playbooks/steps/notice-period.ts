/**
 * `notice-period`: the days between the notice and the first change. Nothing happens while it
 * runs out; `nhi playbook resume --due` continues. When it ends, the provider is checked again:
 * if the owner acted on the credential meanwhile (revoked or rotated it), the run stops with
 * nothing changed rather than act on what the plan no longer describes.
 */
import { checkDrift } from '../preflight.js';
import { journalOf } from '../live.js';
import type { StepModule } from './types.js';

export const noticePeriod: StepModule = {
  waiting(live, _step, due) {
    const n = live.plan.notice;
    const told = journalOf(live, 'notify')?.finishedAt;
    return `${n?.owner ?? n?.team ?? 'the owner'} was told${told ? ` at ${told}` : ''}; nothing changes before ${due} ('nhi playbook resume --due' continues then, 'nhi playbook cancel ${live.run.id}' stops it)`;
  },

  async run(live, step) {
    await checkDrift(live.plan, live.actions, live.ctx);
    return { result: { waitedDays: step.delayDays }, requestId: null };
  },

  async undo(_live, _step, j) {
    if (j.status === 'pending' && j.notBefore === null) return null;
    return { result: { cancelled: j.status === 'pending' }, requestId: null, audited: false };
  },
};
