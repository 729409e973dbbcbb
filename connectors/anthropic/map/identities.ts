/** Anthropic workspaces, service accounts and key-bound users -> identities. Pure. */
import type { Identity } from '../../../src/connector/index.js';
import type { RawServiceAccount, RawUser, RawWorkspace } from '../schema.js';

const unused = { lastUsedAt: null, lastUsedKnown: false } as const;

/** A workspace: the holder of the keys that belong to it (not bound to a person or account). */
export function workspaceIdentity(w: RawWorkspace): Identity {
  return {
    externalId: w.id,
    name: w.name,
    kind: 'project',
    owner: null,
    createdAt: w.created_at,
    tags: w.tags ?? {},
    attributes: {
      aiService: 'anthropic',
      status: w.archived_at ? 'archived' : 'active',
      ...(w.archived_at ? { archivedAt: w.archived_at } : {}),
    },
    ...unused,
  };
}

export function serviceAccountIdentity(sa: RawServiceAccount): Identity {
  return {
    externalId: sa.id,
    name: sa.name,
    kind: 'service-account',
    owner: null,
    createdAt: sa.created_at,
    tags: {},
    attributes: {
      aiService: 'anthropic',
      organizationRole: sa.organization_role,
      ...(sa.description ? { description: sa.description } : {}),
      ...(sa.archived_at ? { archivedAt: sa.archived_at } : {}),
    },
    ...unused,
  };
}

/** A person a key acts as; `member` null when they are not (or no longer) in the organization. */
export function userIdentity(
  id: string,
  member: RawUser | null,
  departed: boolean | null,
): Identity {
  return {
    externalId: id,
    name: member?.name ?? member?.email ?? id,
    kind: 'user',
    owner: member?.email ?? null,
    createdAt: member?.added_at ?? null,
    tags: {},
    attributes: {
      aiService: 'anthropic',
      human: true,
      ...(member
        ? { email: member.email, ownerEmail: member.email, organizationRole: member.role }
        : {}),
      departed,
    },
    ...unused,
  };
}
