/** Groups grants by the subject they belong to: the credential when set, else the identity. */
import type { StoredCredential, StoredGrant, StoredIdentity } from '../../model/index.js';
import type { RuleContext } from '../types.js';
import { cmp } from '../compare.js';

export interface GrantSubject {
  identity: StoredIdentity;
  credential: StoredCredential | undefined;
  grants: StoredGrant[];
}

/** Built once per evaluation (keyed by its grant list) and shared by every grant rule. */
const cache = new WeakMap<readonly StoredGrant[], GrantSubject[]>();

export function grantSubjects<O>(ctx: RuleContext<O>): readonly GrantSubject[] {
  let subjects = cache.get(ctx.grants);
  if (!subjects) cache.set(ctx.grants, (subjects = [...buildGrantSubjects(ctx)]));
  return subjects;
}

function* buildGrantSubjects<O>(ctx: RuleContext<O>): Generator<GrantSubject> {
  const creds = new Map(ctx.credentials.map((c) => [c.id, c]));
  for (const identity of ctx.identities) {
    const groups = new Map<string, GrantSubject>();
    for (const g of ctx.grantsOf(identity)) {
      const credential = g.credentialId ? creds.get(g.credentialId) : undefined;
      const key = credential?.id ?? '';
      const entry = groups.get(key) ?? { identity, credential, grants: [] };
      entry.grants.push(g);
      groups.set(key, entry);
    }
    yield* [...groups.entries()].sort(([a], [b]) => cmp(a, b)).map(([, v]) => v);
  }
}

export function grantSummary(g: StoredGrant): Record<string, unknown> {
  return {
    permission: g.permission,
    resource: g.resource,
    privilege: g.privilege,
    source: g.source,
  };
}
