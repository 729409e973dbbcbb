/**
 * OpenAI admin and project API keys -> credentials. Pure. The API reports last use for every
 * key it lists, so `last_used_at: null` is "never used"; only an admin key document without the
 * field (older API versions) is "unknown". The handle is the redacted value the dashboard shows.
 */
import type { Credential } from '../../../src/connector/index.js';
import type { RawAdminKey, RawProject, RawProjectKey } from '../schema.js';
import { fromUnix, type KeyOwner } from './identities.js';

export type KeyKind = 'admin' | 'user' | 'service-account';

function status(expiresAt: string | null, now: Date): Credential['status'] {
  return expiresAt !== null && expiresAt <= now.toISOString() ? 'expired' : 'active';
}

function ownerFacts(owner: KeyOwner | null) {
  if (!owner) return {};
  const email = owner.member?.email ?? owner.email;
  return {
    ownerType: 'user',
    ownerId: owner.id,
    ...(email ? { ownerEmail: email } : {}),
    ...((owner.member?.name ?? owner.name) ? { ownerName: owner.member?.name ?? owner.name } : {}),
    ownerDeparted: owner.departed,
  };
}

/** An organization admin key: full control of the organization's keys, projects and members. */
export function adminKeyCredential(
  key: RawAdminKey,
  holder: string,
  owner: KeyOwner | null,
  now: Date,
): Credential {
  const expiresAt = fromUnix(key.expires_at);
  const lastUsedKnown = key.last_used_at !== undefined;
  return {
    externalId: key.id,
    identityExternalId: holder,
    type: 'api-key',
    name: key.name ?? null,
    status: status(expiresAt, now),
    createdAt: fromUnix(key.created_at),
    expiresAt,
    lastUsedAt: lastUsedKnown ? fromUnix(key.last_used_at) : null,
    lastUsedKnown,
    attributes: {
      handle: key.redacted_value,
      keyKind: 'admin' satisfies KeyKind,
      aiService: 'openai',
      ...ownerFacts(owner),
      ...(!owner && key.owner.type ? { ownerType: key.owner.type, ownerId: key.owner.id } : {}),
    },
  };
}

/** A project key, owned by a person or by one of the project's service accounts. */
export function projectKeyCredential(
  key: RawProjectKey,
  project: RawProject,
  owner: KeyOwner | null,
  now: Date,
): Credential {
  const sa = key.owner.service_account;
  const expiresAt = fromUnix(key.expires_at);
  const kind: KeyKind = sa ? 'service-account' : 'user';
  return {
    externalId: key.id,
    identityExternalId: sa?.id ?? owner?.id ?? project.id,
    type: 'api-key',
    name: key.name,
    status: status(expiresAt, now),
    createdAt: fromUnix(key.created_at),
    expiresAt,
    lastUsedAt: fromUnix(key.last_used_at),
    lastUsedKnown: true,
    attributes: {
      handle: key.redacted_value,
      keyKind: kind,
      aiService: 'openai',
      projectId: project.id,
      projectName: project.name ?? project.id,
      ...(sa
        ? { ownerType: 'service-account', ownerId: sa.id, ownerName: sa.name, ownerRole: sa.role }
        : { ...ownerFacts(owner), ...(key.owner.user ? { ownerRole: key.owner.user.role } : {}) }),
      // Whether the owner can still reach the project (a removed member's key stays listed).
      ...(key.owner_project_access ? { ownerProjectAccess: key.owner_project_access } : {}),
    },
  };
}
