/** Attaches owner, team and purpose to findings, so every report format can show them. */
import type { Finding, StoredCredential, StoredIdentity } from '../model/index.js';
import { Attributor, ownerWhy, type Attribution } from './attribute.js';
import type { OwnershipRule } from './map.js';

export interface Subjects {
  identities: readonly StoredIdentity[];
  credentials: readonly StoredCredential[];
}

/** Attribution of every credential (`c-…`) and identity (`i-…`) of a snapshot, by id. */
export function attributeAll(
  s: Subjects,
  map: readonly OwnershipRule[] = [],
): Map<string, Attribution> {
  const at = new Attributor(map);
  const identities = new Map(s.identities.map((i) => [i.id, i]));
  const out = new Map<string, Attribution>();
  for (const i of s.identities) out.set(i.id, at.identity(i));
  for (const c of s.credentials) out.set(c.id, at.credential(c, identities.get(c.identityId)));
  return out;
}

export function withOwner(f: Finding, a: Attribution | undefined): Finding {
  if (!a) return f;
  return {
    ...f,
    owner: a.owner,
    team: a.team,
    ownerVia: a.via ? ownerWhy(a) : null,
    purpose: a.purpose,
  };
}

export function annotateFindings<T extends Finding>(
  findings: readonly T[],
  owners: ReadonlyMap<string, Attribution>,
): T[] {
  return findings.map((f) => withOwner(f, owners.get(f.subjectId)) as T);
}
