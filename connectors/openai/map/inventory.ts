/** One organization's listings -> its ScopeInventory. Pure. */
import type {
  CoverageGap,
  Credential,
  Identity,
  RecordKind,
  Scope,
  ScopeInventory,
} from '../../../src/connector/index.js';
import type {
  RawAdminKey,
  RawProject,
  RawProjectKey,
  RawServiceAccount,
  RawUser,
} from '../schema.js';
import { adminKeyCredential, projectKeyCredential } from './credentials.js';
import {
  projectIdentity,
  serviceAccountIdentity,
  userIdentity,
  type KeyOwner,
} from './identities.js';

export interface ScannedProject {
  project: RawProject;
  /** null: not listed (archived project, or a denied listing). */
  serviceAccounts: RawServiceAccount[] | null;
  keys: RawProjectKey[] | null;
}

export interface ScannedOrganization {
  scope: Scope;
  now: Date;
  /** null: the members listing was not readable (owners' departure unknown). */
  users: RawUser[] | null;
  adminKeys: RawAdminKey[] | null;
  projects: ScannedProject[];
  gaps: CoverageGap[];
  incomplete: RecordKind[];
  apiCalls: number;
}

/** Owners by id: a member, or someone who owns keys but is no longer a member. */
function owners(users: RawUser[] | null) {
  const members = new Map((users ?? []).map((u) => [u.id, u]));
  const seen = new Map<string, KeyOwner>();
  return {
    of(id: string, name: string | null, email: string | null): KeyOwner {
      let o = seen.get(id);
      if (!o) {
        const member = members.get(id) ?? null;
        o = { id, name, email, member, departed: users === null ? null : member === null };
        seen.set(id, o);
      }
      return o;
    },
    all: () => [...seen.values()],
  };
}

export function toInventory(o: ScannedOrganization): ScopeInventory {
  const people = owners(o.users);
  const credentials: Credential[] = [];
  for (const key of o.adminKeys ?? []) {
    const isUser = key.owner.id !== undefined && (key.owner.type ?? 'user') === 'user';
    const owner = isUser ? people.of(key.owner.id!, key.owner.name ?? null, null) : null;
    const holder = key.owner.id ?? 'organization';
    credentials.push(adminKeyCredential(key, holder, owner, o.now));
  }
  const identities: Identity[] = [];
  const holders = new Set<string>();
  for (const { project, serviceAccounts, keys } of o.projects) {
    identities.push(projectIdentity(project));
    const mapped = (keys ?? []).map((k) => {
      const u = k.owner.user;
      const owner = u ? people.of(u.id, u.name, u.email) : null;
      return projectKeyCredential(k, project, owner, o.now);
    });
    credentials.push(...mapped);
    for (const sa of serviceAccounts ?? []) {
      const own = keys === null ? null : mapped.filter((c) => c.identityExternalId === sa.id);
      identities.push(serviceAccountIdentity(sa, project, own?.map((c) => c.lastUsedAt) ?? null));
      holders.add(sa.id);
    }
  }
  for (const owner of people.all()) {
    identities.push(userIdentity(owner));
    holders.add(owner.id);
  }
  // A key whose holder is not listed (a service account whose listing was denied, an admin key
  // owned by something that is not a person) still needs an identity to hang on.
  for (const c of credentials) {
    if (
      holders.has(c.identityExternalId) ||
      identities.some((i) => i.externalId === c.identityExternalId)
    )
      continue;
    holders.add(c.identityExternalId);
    identities.push(placeholderHolder(c));
  }
  return {
    kind: 'inventory',
    scope: o.scope,
    identities,
    credentials,
    grants: [],
    gaps: o.gaps,
    apiCalls: o.apiCalls,
    incomplete: o.incomplete,
  };
}

function placeholderHolder(c: Credential): Identity {
  const a = c.attributes;
  const isSa = a.ownerType === 'service-account' || a.ownerType === 'service_account';
  return {
    externalId: c.identityExternalId,
    name: typeof a.ownerName === 'string' ? a.ownerName : c.identityExternalId,
    kind: isSa ? 'service-account' : 'organization',
    owner: null,
    createdAt: null,
    tags: {},
    attributes: {
      aiService: 'openai',
      ...(typeof a.projectId === 'string' ? { projectId: a.projectId } : {}),
    },
    lastUsedAt: null,
    lastUsedKnown: false,
  };
}
