/**
 * Checks a stored plan must pass before its first step runs: its delays are within the limits,
 * and the provider still looks the way the catalog did when it was made.
 */
import type { ConnectorActions, ConnectorContext, Plan } from '../connector/index.js';
import { UserError } from '../connector/index.js';
import { PLAYBOOK_LIMITS } from '../model/index.js';
import { DriftError } from './live.js';
import { sameType } from './steps/shared.js';
import { STEPS } from './steps/index.js';
import { checkTrimDrift } from './trim/drift.js';

/** Refuses when the provider no longer matches what the plan was made from. */
export async function checkDrift(
  plan: Plan,
  actions: ConnectorActions,
  ctx: ConnectorContext,
): Promise<void> {
  if (plan.kind === 'trim') return checkTrimDrift(plan, actions, ctx);
  const id = plan.ref.credentialExternalId;
  const replan = `re-scan and plan again ('nhi scan', then 'nhi ${plan.kind} ${plan.credentialId}')`;
  const live = await actions.describe(ctx, plan.ref);
  if (!live)
    throw new DriftError(
      `${id} no longer exists at ${plan.provider}; nothing was changed: ${replan}`,
    );
  if (live.status !== plan.snapshot.status) {
    throw new DriftError(
      `${id} is ${live.status} now but was ${plan.snapshot.status} when planned; nothing was changed: ${replan}`,
    );
  }
  const siblings = sameType(plan, await actions.listSiblings(ctx, plan.ref));
  const now = new Map(siblings.map((c) => [c.externalId, c.status]));
  const then = new Map(plan.snapshot.siblings.map((c) => [c.externalId, c.status]));
  const appeared = [...now.keys()].filter((k) => !then.has(k));
  const vanished = [...then.keys()].filter((k) => !now.has(k));
  const changed = [...now.entries()]
    .filter(([k, s]) => then.has(k) && then.get(k) !== s)
    .map(([k]) => k);
  if (appeared.length + vanished.length + changed.length > 0) {
    const parts = [
      appeared.length ? `${appeared.join(', ')} appeared` : '',
      vanished.length ? `${vanished.join(', ')} disappeared` : '',
      changed.length ? `${changed.join(', ')} changed status` : '',
    ].filter(Boolean);
    throw new DriftError(
      `the credentials of ${plan.identityName} changed since planning (${parts.join('; ')}); nothing was changed: ${replan}`,
    );
  }
}

/**
 * A stored plan is checked before any of its steps runs: a delay beyond the limits (a config
 * from before they existed, an edited catalog) must not fail after a credential was changed.
 */
export function validatePlan(plan: Plan, runId: number): void {
  for (const s of plan.steps) {
    if (!(s.action in STEPS)) {
      throw new UserError(
        `run ${runId}: step ${s.seq} has an unknown action '${s.action}' (a plan from a newer nhi?); nothing was changed`,
      );
    }
    const [limit, setting] =
      s.action === 'cutover'
        ? [PLAYBOOK_LIMITS.overlapDays, 'overlapDays']
        : s.action === 'notice-period'
          ? [PLAYBOOK_LIMITS.noticeDays, 'owners.notify.noticeDays']
          : [PLAYBOOK_LIMITS.deleteAfterDays, 'deleteAfterDays'];
    if (!Number.isInteger(s.delayDays) || s.delayDays < limit.min || s.delayDays > limit.max) {
      throw new UserError(
        `run ${runId}: step ${s.seq} (${s.action}) waits ${s.delayDays} days, outside ${limit.min}..${limit.max}; nothing was changed: cancel it and plan again with ${setting.includes('.') ? setting : `playbooks.${setting}`} in range`,
      );
    }
  }
}
