/**
 * `notify`: tells the credential's owner what the run will do and when, before anything
 * changes. It is the first step, so a notice that cannot be delivered stops the run with
 * nothing changed. Delivered at least once: a crash between the send and the journal sends it
 * again on resume, with the same notice id for the receiver to drop the repeat.
 */
import { commentOnIssue, openNoticeIssue, type IssueReceipt } from '../../owners/github-issue.js';
import { noticeText, sendNotice, type Notice, type NoticeReceipt } from '../../owners/notify.js';
import { effect, journalOf, message, stepOf, type Live } from '../live.js';
import type { StepModule } from './types.js';

const DAY_MS = 86_400_000;

async function send(
  live: Live,
  event: 'playbook-notice' | 'playbook-cancelled',
): Promise<NoticeReceipt & Partial<IssueReceipt>> {
  const notice = live.plan.notice;
  if (!notice) throw new Error('the plan has a notify step but names nobody to notify');
  const wait = stepOf(live.plan, 'notice-period');
  const changesFrom =
    event === 'playbook-notice' && wait
      ? new Date(live.deps.now().getTime() + wait.delayDays * DAY_MS).toISOString()
      : null;
  const n: Notice = {
    noticeId: `nhi-run-${live.run.id}`,
    event,
    runId: live.run.id,
    plan: live.plan,
    changesFrom,
  };
  const opts = { env: live.deps.env ?? process.env, now: () => live.deps.now() };
  if (notice.channel !== 'github-issue')
    return effect(live, 'notify', () => sendNotice(n, notice.webhookEnv, opts));
  // The GitHub connector's options (apiUrl for GHES, tokenEnv) and environment.
  const ctx = await live.deps.contextFor('github');
  const target = { repo: notice.repo!, options: ctx.options };
  const github = { ...opts, env: live.deps.env ?? ctx.env };
  if (event === 'playbook-notice')
    return effect(live, 'notify', () =>
      openNoticeIssue(n, target, { ...github, since: live.run.createdAt }),
    );
  const told = journalOf(live, 'notify')?.result as { issue?: unknown } | undefined;
  if (typeof told?.issue !== 'number') throw new Error('no notice issue was journaled');
  const issue = told.issue;
  return effect(live, 'notify', () => commentOnIssue(issue, noticeText(n), target, github));
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
    live.deps.say(
      r.url
        ? `told ${n.owner ?? n.team} in ${r.url}${r.opened === false ? ' (opened by an earlier attempt of this run)' : ''}`
        : `told ${n.owner ?? n.team} through ${r.origin} (${n.webhookEnv})`,
    );
    return {
      result: {
        notified: n.owner ?? n.team,
        team: n.team,
        channel: r.origin,
        status: r.status,
        at: r.at,
        // github-issue: the issue is journaled, so a resume never opens a second one.
        ...(r.issue !== undefined ? { repo: n.repo, issue: r.issue, url: r.url } : {}),
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
