/** OpenAI projects, service accounts and key-owning users -> identities. Pure. */
import { isoOrNull, type Identity } from '../../../src/connector/index.js';
import type { RawProject, RawServiceAccount, RawUser } from '../schema.js';

/** Unix seconds (as OpenAI sends every time) -> ISO string. */
export const fromUnix = (s: number | null | undefined): string | null =>
  s === null || s === undefined ? null : isoOrNull(s * 1000);

/** The latest of some ISO dates (null when none). */
export function latest(dates: readonly (string | null)[]): string | null {
  return dates.reduce<string | null>((a, d) => (d !== null && (a === null || d > a) ? d : a), null);
}

export function projectIdentity(p: RawProject): Identity {
  const archived = p.archived_at !== null && p.archived_at !== undefined;
  return {
    externalId: p.id,
    name: p.name ?? p.id,
    kind: 'project',
    owner: null,
    createdAt: fromUnix(p.created_at),
    tags: {},
    attributes: {
      aiService: 'openai',
      status: p.status ?? (archived ? 'archived' : 'active'),
      ...(archived ? { archivedAt: fromUnix(p.archived_at) } : {}),
    },
    // A project is used through its keys; the API reports no project-level use.
    lastUsedAt: null,
    lastUsedKnown: false,
  };
}

/**
 * A project service account. It acts only through its keys, so its last use is their latest;
 * with no key left there is nothing to tell (unknown, never "never used").
 */
export function serviceAccountIdentity(
  sa: RawServiceAccount,
  project: RawProject,
  keyLastUse: readonly (string | null)[] | null,
): Identity {
  return {
    externalId: sa.id,
    name: sa.name,
    kind: 'service-account',
    // OpenAI records no owner for a service account: the project's owners answer for it.
    owner: null,
    createdAt: fromUnix(sa.created_at),
    tags: {},
    attributes: {
      aiService: 'openai',
      projectId: project.id,
      projectName: project.name ?? project.id,
      projectRole: sa.role,
    },
    lastUsedAt: keyLastUse?.length ? latest(keyLastUse) : null,
    lastUsedKnown: Boolean(keyLastUse?.length),
  };
}

/** What the scan knows of a person who owns keys. */
export interface KeyOwner {
  id: string;
  name: string | null;
  email: string | null;
  /** The organization member record; null when the users listing was not readable. */
  member: RawUser | null;
  /** true: not a member any more; false: a member; null: could not tell (users not listed). */
  departed: boolean | null;
}

/** A person who owns admin or project keys: the holder of those keys, and their owner. */
export function userIdentity(u: KeyOwner): Identity {
  const email = u.member?.email ?? u.email;
  return {
    externalId: u.id,
    name: u.member?.name ?? u.name ?? email ?? u.id,
    kind: 'user',
    owner: email,
    createdAt: fromUnix(u.member?.added_at),
    tags: {},
    attributes: {
      aiService: 'openai',
      human: true,
      ...(email ? { email, ownerEmail: email } : {}),
      ...(u.member?.role ? { organizationRole: u.member.role } : {}),
      departed: u.departed,
    },
    lastUsedAt: null,
    lastUsedKnown: false,
  };
}
