/** Before a trim's first step: the identity's documents must be exactly as planned. */
import type { ConnectorActions, ConnectorContext, Plan } from '../../connector/index.js';
import { DriftError } from '../live.js';
import { digest } from './plan.js';
import { subjectOf } from './step.js';

export async function checkTrimDrift(
  plan: Plan,
  actions: ConnectorActions,
  ctx: ConnectorContext,
): Promise<void> {
  if (!actions.trim) throw new DriftError(`${plan.provider} cannot trim; nothing was changed`);
  const docs = await actions.trim.read(ctx, subjectOf(plan));
  const now = new Set(docs.map((d) => `${d.address}@${d.version ?? ''}#${digest(d.document)}`));
  const then = new Set(plan.snapshot.siblings.map((s) => s.externalId));
  const addressOf = (k: string) => k.slice(0, k.lastIndexOf('@'));
  // What a person recognises (policy name, `role at scope`), not the internal address.
  const name = (k: string) => {
    const a = addressOf(k);
    return (
      plan.trim?.changes.find((c) => c.address === a)?.name ??
      docs.find((d) => d.address === a)?.name ??
      a
    );
  };
  const changed = [...then].filter((k) => !now.has(k)).map(name);
  const appeared = [...now]
    .filter((k) => !then.has(k))
    .map(name)
    .filter((n) => !changed.includes(n));
  if (changed.length + appeared.length > 0) {
    const parts = [
      changed.length ? `${changed.join(', ')} changed or disappeared` : '',
      appeared.length ? `${appeared.join(', ')} appeared` : '',
    ].filter(Boolean);
    throw new DriftError(
      `the permissions of ${plan.identityName} changed since planning (${parts.join('; ')}); nothing was changed: re-scan and plan again ('nhi trim ${plan.credentialId}')`,
    );
  }
}
