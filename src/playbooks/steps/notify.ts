/**
 * `notify`: tells the credential's owner what the run will do and when, before anything
 * changes. It is the first step, so a notice that cannot be delivered stops the run with
 * nothing changed. Delivered at least once: a crash between the send and the journal sends it
 * again on resume, with the same notice id for the receiver to drop the repeat.
 */
import { sendNotice } from '../../owners/notify.js';
import { effect, message, stepOf, type Live } from '../live.js';
import type { StepModule } from './types.js';

const DAY_MS = 86_400_000;

function send(live: Live, event: 'playbook-notice' | 'playbook-cancelled') {
  const notice = live.plan.notice;
  if (!notice) throw new Error('the plan has a notify step but names nobody to notify');
  const wait = stepOf(live.plan, 'notice-period');
  const changesFrom =
    event === 'playbook-notice' && wait
      ? new Date(live.deps.now().getTime() + wait.delayDays * DAY_MS).toISOString()
      : null;
  return effect(live, 'notify', () =>
    sendNotice(
      {
        noticeId: `nhi-run-${live.run.id}`,
        event,
        runId: live.run.id,
        plan: live.plan,
        changesFrom,
      },
      notice.webhookEnv,
      { env: live.deps.env ?? process.env, now: () => live.deps.now() },
    ),
  );
}

export const notify: StepModule = {
  intent(live) {
    const n = live.plan.notice;
    return {
      to: n?.owner ?? n?.team ?? null,
      channel: n?.channel ?? null,
      noticeId: `nhi-run-${live.run.id}`,
    };
  },

  async run(live) {
    const r = await send(live, 'playbook-notice');
    const n = live.plan.notice!;
    live.deps.say(`told ${n.owner ?? n.team} through ${r.origin} (${n.webhookEnv})`);
    return {
      result: {
        notified: n.owner ?? n.team,
        team: n.team,
        channel: r.origin,
        status: r.status,
        at: r.at,
      },
      requestId: `nhi-run-${live.run.id}`,
    };
  },

  /** A notice cannot be taken back; the owner is told the run was rolled back (best effort). */
  async undo(live, _step, j, rb) {
    if (j.status !== 'done') return null;
    try {
      const r = await send(live, 'playbook-cancelled');
      return { result: { cancelledNotice: r.origin }, requestId: null, audited: true };
    } catch (err) {
      rb.notes.push(
        `the owner was told about this run and could not be told it was rolled back: ${message(err)}`,
      );
      return null;
    }
  },
};
