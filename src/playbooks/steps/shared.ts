/** Helpers several steps share: idempotent deletion, orphan search and the replacement gate. */
import type { ActionResult, Credential, CredentialRef, Plan } from '../../connector/index.js';
import {
  deliveryOf,
  ensureSink,
  effect,
  GateError,
  journalOf,
  deliveredFor,
  newCredentialId,
  refFor,
  type Live,
} from '../live.js';

/** Deletes a credential unless it is already gone; a deleted one cannot come back. */
export async function deleteIfPresent(
  live: Live,
  ref: CredentialRef,
): Promise<{ result: ActionResult; alreadyGone: boolean }> {
  if ((await live.actions.describe(live.ctx, ref)) === null)
    return { result: { requestId: null }, alreadyGone: true };
  const result = await effect(live, 'delete', () => live.actions.delete(live.ctx, ref));
  return { result, alreadyGone: false };
}

export function sameType(plan: Plan, list: Credential[]): Credential[] {
  return list.filter(
    (c) => c.type === plan.credentialType && c.externalId !== plan.ref.credentialExternalId,
  );
}

/**
 * Credentials of the identity that the plan did not know and that appeared after `since`:
 * what a `create` interrupted before its result was journaled left behind.
 */
export async function findOrphans(live: Live, since: string | null): Promise<string[]> {
  const { plan } = live;
  const known = new Set(plan.snapshot.siblings.map((s) => s.externalId));
  // Allow for clock skew between this machine and the provider.
  const cutoff = since ? new Date(since).getTime() - 5 * 60_000 : -Infinity;
  return sameType(plan, await live.actions.listSiblings(live.ctx, plan.ref))
    .filter((c) => !known.has(c.externalId))
    .filter((c) => c.createdAt === null || new Date(c.createdAt).getTime() >= cutoff)
    .map((c) => c.externalId);
}

/**
 * The invariant's gate, passed before anything touches the old credential of a rotation: the
 * credential this run created is active at the provider, and the sink still holds exactly the
 * delivery this run proved. Anything else and the old credential stays as it is.
 */
export async function requireServingReplacement(live: Live): Promise<string> {
  const id = newCredentialId(live);
  if (!id || !deliveredFor(live, journalOf(live, 'sink-verify'))) {
    throw new GateError('no replacement was delivered and proven by this run');
  }
  const now = await live.actions.describe(live.ctx, refFor(live.plan, id));
  if (!now) throw new GateError(`the new credential ${id} no longer exists at the provider`);
  if (now.status !== 'active') throw new GateError(`the new credential ${id} is ${now.status}`);
  const sink = await ensureSink(live);
  const { delivery, receipt } = deliveryOf(live);
  const check = receipt
    ? await sink.verify(receipt, delivery)
    : { ok: false as const, reason: 'no delivery journaled' };
  if (!check.ok) {
    throw new GateError(
      `${sink.describe()} no longer holds the new credential ${id}: ${check.reason}`,
    );
  }
  return id;
}
