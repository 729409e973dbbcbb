/** Plans a trim the way `nhi trim` does for providers whose evidence is read with the documents. */
import type {
  ConnectorContext,
  Scope,
  StoredIdentity,
  TrimActions,
  TrimSubject,
} from '../src/connector/index.js';
import { planTrim, TRIM_DEFAULTS } from '../src/playbooks/trim/plan.js';

export async function planLive(
  t: TrimActions,
  ctx: ConnectorContext,
  w: { identity: StoredIdentity; scope: Scope; subject: TrimSubject },
  now: Date,
) {
  const documents = await t.read(ctx, w.subject);
  return planTrim({
    identity: w.identity,
    scope: w.scope,
    documents,
    usage: t.usageOf!(documents, now),
    settings: TRIM_DEFAULTS,
    now,
    untouchable: null,
    actions: t,
    demo: false,
  });
}

/** The plan, or the refusal as an error. */
export async function planOrThrow(...args: Parameters<typeof planLive>) {
  const r = await planLive(...args);
  if (!('plan' in r)) throw new Error(r.refused);
  return r.plan;
}
