/** The identities a GitHub scan yields, their external ids, and how mapped pieces merge. */
import { isoOrNull } from '../../../src/connector/index.js';
import type { Credential, Grant, Identity } from '../../../src/model/index.js';
import type { RepoPayload } from '../schema.js';

export const ids = {
  org: (login: string) => `org:${login}`,
  repo: (fullName: string) => `repo:${fullName}`,
  env: (fullName: string, env: string) => `env:${fullName}/${env}`,
  user: (login: string) => `user:${login}`,
  app: (slug: string) => `app:${slug}`,
};

/** What one inventory (one endpoint's answer) yields. */
export interface Mapped {
  identities: Identity[];
  credentials: Credential[];
  grants: Grant[];
}

export const none = (): Mapped => ({ identities: [], credentials: [], grants: [] });

export function identity(
  externalId: string,
  name: string,
  kind: Identity['kind'],
  extra: Partial<Identity> = {},
): Identity {
  return {
    externalId,
    name,
    kind,
    owner: null,
    createdAt: null,
    tags: {},
    attributes: {},
    lastUsedAt: null,
    lastUsedKnown: false,
    ...extra,
  };
}

export function orgIdentity(login: string, name: string): Identity {
  return identity(ids.org(login), name, 'organization', { attributes: { login } });
}

export function repoIdentity(r: RepoPayload): Identity {
  return identity(ids.repo(r.full_name), r.full_name, 'repository', {
    createdAt: isoOrNull(r.created_at),
    attributes: {
      private: r.private,
      archived: r.archived ?? false,
      visibility: r.visibility ?? (r.private ? 'private' : 'public'),
    },
  });
}

export function environmentIdentity(
  repoFullName: string,
  env: { name: string; created_at?: string | undefined },
): Identity {
  return identity(ids.env(repoFullName, env.name), `${repoFullName}/${env.name}`, 'environment', {
    createdAt: isoOrNull(env.created_at),
    attributes: { repository: repoFullName, environment: env.name },
  });
}

export function userIdentity(login: string): Identity {
  // A user owns their own tokens and keys.
  return identity(ids.user(login), login, 'github-user', { owner: login, attributes: { login } });
}

export function expiredBy(expiresAt: string | null, now: Date): boolean {
  return expiresAt !== null && Date.parse(expiresAt) <= now.getTime();
}

/** Merges mapped pieces, keeping one identity per external id (first seen wins). */
export function merge(parts: Mapped[]): Mapped {
  const identities = new Map<string, Identity>();
  const credentials: Credential[] = [];
  const grants: Grant[] = [];
  for (const p of parts) {
    for (const i of p.identities)
      if (!identities.has(i.externalId)) identities.set(i.externalId, i);
    credentials.push(...p.credentials);
    grants.push(...p.grants);
  }
  return { identities: [...identities.values()], credentials, grants };
}
