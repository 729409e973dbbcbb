/**
 * Owner attribution for a view: every identity and credential of the run, attributed with the
 * config's ownership map. It reads the whole run once (attribution is not stored in the
 * catalog yet), so it is loaded only by views that show or filter by owner.
 */
import type { StoredCredential, StoredIdentity } from '../model/index.js';
import { attributeAll } from '../owners/annotate.js';
import { matchesOwner, type Attribution } from '../owners/attribute.js';
import type { View } from './evaluate.js';

export interface Ownership {
  identities: StoredIdentity[];
  credentials: StoredCredential[];
  owners: Map<string, Attribution>;
}

export async function loadOwnership(view: View): Promise<Ownership> {
  const q = {
    evaluationId: view.evaluation.id,
    runId: view.run.id,
    sort: 'provider' as const,
    includeRemoved: true,
  };
  const identities: StoredIdentity[] = [];
  const credentials: StoredCredential[] = [];
  for await (const page of view.store.identities(q))
    identities.push(...page.map((r) => r.identity));
  for await (const page of view.store.credentials(q))
    credentials.push(...page.map((r) => r.credential));
  return {
    identities,
    credentials,
    owners: attributeAll({ identities, credentials }, view.config.owners.map),
  };
}

/** `--owner` / `--team`: keeps the subjects that answer to them (null: no filter asked). */
export function ownerFilter(
  flags: { owner?: string; team?: string },
  owners: ReadonlyMap<string, Attribution>,
): ((subjectId: string) => boolean) | null {
  if (!flags.owner && !flags.team) return null;
  return (id) => {
    const a = owners.get(id);
    return a !== undefined && matchesOwner(a, flags.owner, flags.team);
  };
}
