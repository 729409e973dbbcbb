/**
 * `nhi trim` on GCP: applies IAM Recommender's role recommendations (remove a role, or replace
 * it by smaller ones) for one service account in its project's IAM policy. The document nhi
 * plans on is the service account's membership in that policy (its roles, canonical JSON); the
 * write is Google's read-modify-write: getIamPolicy, change only this member, setIamPolicy with
 * the etag read. A 409 ABORTED (someone wrote in between) is read and retried a few times, then
 * refused with one line. Rollback puts the member back into exactly the roles it had; other
 * members' changes made meanwhile are kept. Recommendations applied are marked SUCCEEDED.
 */
import {
  ApiError,
  UserError,
  type GrantDocument,
  type GrantedPermission,
  type Narrowed,
  type TrimActions,
  type TrimChange,
  type TrimProgress,
  type TrimSubject,
  type TrimUsage,
} from '../../src/connector/index.js';
import { clientFor, type GcpClient } from './client.js';
import type { RawPolicy, RawRecommendation } from './schema.js';

/** Writes that meet someone else's change are read and tried again this many times. */
export const MAX_ETAG_ATTEMPTS = 4;
const RECOMMENDER = 'IAM Recommender (google.iam.policy.Recommender)';
const ROLE_FILTER = '/iamPolicy/bindings/*/role';
const MEMBER_FILTER = '/iamPolicy/bindings/*/members/*';
const CONDITION_FILTER = '/iamPolicy/bindings/*/condition/expression';

/** One recommendation about this member, as read when planning. */
interface MemberRecommendation {
  name: string;
  etag: string | null;
  subtype: string;
  role: string;
  replacements: string[];
}

/** The member's part of a policy: unconditional roles, and conditional ones kept apart. */
interface Membership {
  member: string;
  roles: string[];
  conditional: { role: string; condition: { title: string; expression: string } }[];
}

const memberOf = (s: TrimSubject) => `serviceAccount:${s.identityExternalId}`;
const resourceOf = (s: TrimSubject) => `projects/${s.scope.id}`;

function membership(policy: RawPolicy, member: string): Membership {
  const roles = new Set<string>();
  const conditional: Membership['conditional'] = [];
  for (const b of policy.bindings ?? []) {
    if (!(b.members ?? []).includes(member)) continue;
    if (b.condition)
      conditional.push({
        role: b.role,
        condition: { title: b.condition.title ?? '', expression: b.condition.expression ?? '' },
      });
    else roles.add(b.role);
  }
  conditional.sort((a, b) =>
    `${a.role}\n${a.condition.expression}`.localeCompare(`${b.role}\n${b.condition.expression}`),
  );
  return { member, roles: [...roles].sort(), conditional };
}

const text = (m: Membership) => JSON.stringify(m);

function parse(doc: string | null): Membership | null {
  if (!doc) return null;
  try {
    const m = JSON.parse(doc) as Membership;
    return typeof m.member === 'string' && Array.isArray(m.roles) ? m : null;
  } catch {
    return null;
  }
}

/** The recommendations that remove a role from this member on this project, unconditionally. */
function forMember(
  recs: RawRecommendation[],
  member: string,
  resource: string,
): MemberRecommendation[] {
  const out: MemberRecommendation[] = [];
  for (const r of recs) {
    const state = r.stateInfo?.state ?? 'ACTIVE';
    if (state !== 'ACTIVE' && state !== 'CLAIMED') continue;
    const ops = (r.content?.operationGroups ?? []).flatMap((g) => g.operations ?? []);
    const replacements = ops
      .filter((o) => o.action === 'add')
      .map((o) => o.pathFilters?.[ROLE_FILTER])
      .filter((x): x is string => typeof x === 'string');
    for (const op of ops) {
      const f = op.pathFilters ?? {};
      if (op.action !== 'remove' || f[MEMBER_FILTER] !== member) continue;
      if (!op.resource?.endsWith(`/${resource}`) || (f[CONDITION_FILTER] ?? '') !== '') continue;
      const role = f[ROLE_FILTER];
      if (typeof role !== 'string') continue;
      out.push({
        name: r.name,
        etag: r.etag ?? null,
        subtype: r.recommenderSubtype ?? 'REMOVE_ROLE',
        role,
        replacements,
      });
    }
  }
  return out.sort((a, b) => a.role.localeCompare(b.role));
}

const recommendationsOf = (doc: GrantDocument) =>
  (Array.isArray(doc.facts.recommendations)
    ? doc.facts.recommendations
    : []) as MemberRecommendation[];

/** The policy with `member` moved from the roles of `from` to those of `to` (nothing else). */
function rewrite(policy: RawPolicy, member: string, from: Membership, to: Membership): RawPolicy {
  const drop = new Set(from.roles.filter((r) => !to.roles.includes(r)));
  const add = to.roles.filter((r) => !from.roles.includes(r));
  const bindings = (policy.bindings ?? [])
    .map((b) =>
      !b.condition && drop.has(b.role)
        ? { ...b, members: (b.members ?? []).filter((m) => m !== member) }
        : { ...b, members: [...(b.members ?? [])] },
    )
    .filter((b) => b.members.length > 0);
  for (const role of add) {
    const b = bindings.find((x) => !x.condition && x.role === role);
    if (b) {
      if (!b.members.includes(member)) b.members.push(member);
    } else bindings.push({ role, members: [member] });
  }
  return { ...policy, bindings };
}

const isConflict = (e: unknown) =>
  e instanceof ApiError && (e.status === 409 || e.code === 'ABORTED');

/**
 * Makes the member's roles `want` (from `expect`): read, rewrite, write with the etag; a
 * conflict reads again. Returns the etag written, or null when it already held.
 */
async function moveMember(
  client: GcpClient,
  subject: TrimSubject,
  expect: string | null,
  want: string | null,
  progress: TrimProgress | undefined,
): Promise<string | null> {
  const resource = resourceOf(subject);
  const member = memberOf(subject);
  const from = parse(expect);
  const to = parse(want);
  if (!from || !to) throw new Error(`gcp: ${resource}: a trim change without both memberships`);
  for (let attempt = 1; attempt <= MAX_ETAG_ATTEMPTS; attempt++) {
    const policy = await client.getIamPolicy(resource);
    const now = text(membership(policy, member));
    if (now === want) return null;
    if (now !== expect)
      throw new UserError(
        `${member} in the IAM policy of ${resource} changed since nhi read it; nothing was changed`,
      );
    try {
      const written = await client.setIamPolicy(resource, rewrite(policy, member, from, to));
      progress?.('set-iam-policy');
      return written.etag;
    } catch (e) {
      if (!isConflict(e)) throw e;
      // Someone else wrote between our read and write: read their policy and try again.
    }
  }
  throw new UserError(
    `the IAM policy of ${resource} changed under nhi ${MAX_ETAG_ATTEMPTS} times in a row (409 ABORTED, concurrent writes); ${member} was not changed: try again later`,
  );
}

export const trim: TrimActions = {
  permissionsOf(doc): GrantedPermission[] {
    const m = parse(doc.document);
    if (!m) return [];
    return [
      ...m.roles.map((role) => ({ permission: role, service: role })),
      // Conditional grants are never narrowed (Recommender does not cover them): own usage keys.
      ...m.conditional.map((c) => ({
        permission: `${c.role} if ${c.condition.title || c.condition.expression}`,
        service: `conditional:${c.role}`,
      })),
    ];
  },

  narrow(doc, unused): Narrowed | null {
    const m = parse(doc.document);
    if (!m) return null;
    const recs = recommendationsOf(doc);
    const removed = m.roles.filter((r) => unused.has(r));
    if (removed.length === 0) return { after: doc.document, removed: [] };
    const added: NonNullable<Narrowed['added']> = [];
    const roles = new Set(m.roles.filter((r) => !unused.has(r)));
    for (const role of removed)
      for (const r of recs.find((x) => x.role === role)?.replacements ?? [])
        if (!roles.has(r)) {
          roles.add(r);
          added.push({
            permission: r,
            service: r,
            evidence: `replaces ${role}: the smaller role ${RECOMMENDER} found covers what was used`,
          });
        }
    const after = { ...m, roles: [...roles].sort() };
    return {
      after: text(after),
      removed: removed.map((r) => ({ permission: r, service: r })),
      added,
    };
  },

  usageOf(docs, now): TrimUsage {
    const recs = docs.flatMap(recommendationsOf);
    return {
      known: true,
      // A role Recommender says to remove or replace was not needed in its window.
      services: new Map(recs.map((r) => [r.role, null])),
      observedAt: now.toISOString(),
      source: recs.length
        ? RECOMMENDER
        : `${RECOMMENDER}: no recommendation for this service account`,
      ageCovered: `${RECOMMENDER} recommends only after observing 90 days of use`,
    };
  },

  async read(ctx, subject) {
    const client = clientFor(ctx);
    const resource = resourceOf(subject);
    const member = memberOf(subject);
    const [policy, recs] = await Promise.all([
      client.getIamPolicy(resource),
      client.listIamRecommendations(subject.scope.id),
    ]);
    return [
      {
        address: `binding:${resource}`,
        kind: 'binding',
        name: `${resource} IAM policy`,
        document: text(membership(policy, member)),
        version: policy.etag,
        owner: 'customer',
        changedAt: null,
        facts: { resource, member, recommendations: forMember(recs, member, resource) },
      },
    ];
  },

  async write(ctx, subject, change: TrimChange, progress) {
    const client = clientFor(ctx);
    const etag = await moveMember(client, subject, change.before, change.after, progress);
    // Recommender learns the recommendation was applied; a refusal there changes nothing here.
    const marked: string[] = [];
    const notMarked: string[] = [];
    for (const r of (change.facts.recommendations ?? []) as MemberRecommendation[]) {
      if (!r.etag) continue;
      try {
        await client.markRecommendation(r.name, 'Succeeded', r.etag);
        marked.push(r.name.split('/').pop() ?? r.name);
      } catch (e) {
        notMarked.push(`${r.name.split('/').pop() ?? r.name}: ${(e as Error).message}`);
      }
    }
    return {
      requestId: null,
      detail: {
        etag,
        marked: marked.join(',') || null,
        notMarked: notMarked.join('; ') || null,
      },
    };
  },

  async restore(ctx, subject, change, _written, progress) {
    await moveMember(clientFor(ctx), subject, change.after, change.before, progress);
    return { requestId: null };
  },
};
