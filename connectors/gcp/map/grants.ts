/**
 * IAM bindings (project, folder, organization policies) and IAM Recommender findings ->
 * grants; service accounts of other projects named in a binding -> placeholder identities.
 * Pure.
 */
import {
  isoOrNull,
  type Grant,
  type Identity,
  type Privilege,
} from '../../../src/connector/index.js';
import type { RawPolicy, RawRecommendation } from '../schema.js';
import type { AiService } from './api-keys.js';
import { lastSegment } from './service-accounts.js';

/** Roles that let a principal act as other service accounts or rewrite IAM: privilege escalation. */
const ESCALATION_ROLES = new Set([
  'roles/iam.serviceAccountTokenCreator',
  'roles/iam.serviceAccountUser',
  'roles/iam.serviceAccountKeyAdmin',
  'roles/iam.serviceAccountAdmin',
  'roles/iam.workloadIdentityUser',
  'roles/iam.securityAdmin',
  'roles/iam.roleAdmin',
  'roles/iam.organizationRoleAdmin',
  'roles/resourcemanager.projectIamAdmin',
  'roles/resourcemanager.folderIamAdmin',
  'roles/resourcemanager.folderAdmin',
  'roles/resourcemanager.organizationAdmin',
]);

const READ_ROLE =
  /(^roles\/(viewer|browser)$)|(\.(viewer|reader|browser|securityReviewer|lister)$)|(Viewer|Reader)$/;
const WRITE_ROLE =
  /(\.(editor|writer|publisher|subscriber|creator|user|developer|invoker|client|operator|deployer|agent|worker|runner)$)|(Admin|Editor|Writer|Creator|User|Developer|Invoker)$/;

/**
 * Privilege of a role (documented in README):
 * - basic roles owner/editor, IAM escalation roles and `roles/<service>.admin` -> admin;
 * - narrower admin roles (`roles/storage.objectAdmin`) and editor/writer/user-like roles -> write;
 * - viewer/reader/browser roles -> read; custom roles and anything else -> unknown.
 */
export function rolePrivilege(role: string): Privilege {
  if (role === 'roles/owner' || role === 'roles/editor') return 'admin';
  if (ESCALATION_ROLES.has(role)) return 'admin';
  if (!role.startsWith('roles/')) return 'unknown'; // custom role: permissions not expanded
  if (/^roles\/[A-Za-z0-9]+\.admin$/.test(role)) return 'admin';
  if (READ_ROLE.test(role)) return 'read';
  if (WRITE_ROLE.test(role)) return 'write';
  return 'unknown';
}

/**
 * Predefined roles of Google's AI services: Vertex AI (`roles/aiplatform.*`, which includes
 * Gemini on Vertex), the legacy AI Platform (`roles/ml.*`) and Gemini for Google Cloud
 * (`roles/cloudaicompanion.*`). Basic and custom roles are not expanded here.
 */
const AI_ROLE = /^roles\/(aiplatform|ml|cloudaicompanion)\./;

/** The AI service a role reaches: Vertex AI (and legacy AI Platform), or Gemini for Cloud. */
export function roleAiService(role: string): AiService | null {
  const m = AI_ROLE.exec(role);
  if (!m) return null;
  return m[1] === 'cloudaicompanion' ? 'gemini' : 'vertex';
}

/** The resource an IAM policy is attached to, as a resource name (projects/x, folders/1…). */
export interface PolicySource {
  resource: string;
  /** 'project' | 'folder' | 'organization' */
  level: string;
}

/** Recommender findings keyed by `${member}|${role}|${resource}`. */
export type RecommendationIndex = Map<string, RoleRecommendation>;

export interface RoleRecommendation {
  id: string;
  subtype: string;
  description: string | null;
  replacementRoles: string[];
  lastRefreshTime: string | null;
}

export function recommendationKey(member: string, role: string, resource: string): string {
  return `${member.toLowerCase()}|${role}|${resource}`;
}

/** `//cloudresourcemanager.googleapis.com/projects/p` -> `projects/p`. */
function shortResource(full: string): string {
  return full.replace(/^\/\/cloudresourcemanager\.googleapis\.com\//, '');
}

const ROLE_FILTER = '/iamPolicy/bindings/*/role';
const MEMBER_FILTER = '/iamPolicy/bindings/*/members/*';

/**
 * Reads IAM Recommender recommendations (REMOVE_ROLE, REPLACE_ROLE…): every `remove`
 * operation names a member and a role that went unused over the observation window.
 */
export function indexRecommendations(recs: RawRecommendation[]): RecommendationIndex {
  const index: RecommendationIndex = new Map();
  for (const r of recs) {
    const state = r.stateInfo?.state ?? 'ACTIVE';
    if (state !== 'ACTIVE' && state !== 'CLAIMED') continue;
    const ops = (r.content?.operationGroups ?? []).flatMap((g) => g.operations ?? []);
    const added = ops
      .filter((o) => o.action === 'add')
      .map((o) => o.pathFilters?.[ROLE_FILTER])
      .filter((x): x is string => typeof x === 'string');
    for (const op of ops) {
      if (op.action !== 'remove') continue;
      const role = op.pathFilters?.[ROLE_FILTER];
      const member = op.pathFilters?.[MEMBER_FILTER] ?? op.value;
      if (typeof role !== 'string' || typeof member !== 'string' || !op.resource) continue;
      index.set(recommendationKey(member, role, shortResource(op.resource)), {
        id: lastSegment(r.name),
        subtype: r.recommenderSubtype ?? 'UNKNOWN',
        description: r.description ?? null,
        replacementRoles: added,
        lastRefreshTime: isoOrNull(r.lastRefreshTime),
      });
    }
  }
  return index;
}

/**
 * One grant per (service-account member, binding) of a policy. `recommendations` is null when
 * the recommender could not be read: then nothing is known about use.
 */
export function mapBindings(
  policy: Pick<RawPolicy, 'bindings'>,
  source: PolicySource,
  recommendations: RecommendationIndex | null,
): Grant[] {
  const grants: Grant[] = [];
  for (const b of policy.bindings ?? []) {
    const condition = b.condition
      ? { title: b.condition.title ?? null, expression: b.condition.expression ?? null }
      : null;
    const aiService = roleAiService(b.role);
    for (const member of b.members ?? []) {
      if (!member.startsWith('serviceAccount:')) continue;
      const email = member.slice('serviceAccount:'.length);
      const rec = recommendations?.get(recommendationKey(member, b.role, source.resource)) ?? null;
      // REMOVE_ROLE: none of the role's permissions were used in the window -> known unused.
      const unused = rec !== null && rec.subtype === 'REMOVE_ROLE';
      const attributes: Record<string, unknown> = {
        level: source.level,
        basicRole:
          b.role === 'roles/owner' || b.role === 'roles/editor' || b.role === 'roles/viewer',
        customRole: !b.role.startsWith('roles/'),
        condition,
        ...(aiService ? { aiService } : {}),
      };
      if (rec) {
        attributes.recommendation = { ...rec };
        attributes.unused = unused;
      }
      grants.push({
        externalId: [
          member,
          b.role,
          source.resource,
          condition?.title || condition?.expression || '',
        ]
          .join('|')
          .replace(/\|$/, ''),
        identityExternalId: email,
        credentialExternalId: null,
        permission: b.role,
        resource: source.resource,
        privilege: rolePrivilege(b.role),
        source: `${source.level} IAM policy (${source.resource})`,
        grantedAt: null,
        lastUsedKnown: unused,
        lastUsedAt: null,
        attributes,
      });
    }
  }
  return grants;
}

/**
 * A member that is a user-created SA of another project (`name@other.iam.gserviceaccount.com`)
 * or another project's default SA. Google-managed service agents (gcp-sa-*, cloudservices…)
 * are not returned: they are Google's, not the customer's, identities.
 */
export function foreignServiceAccountProject(email: string): string | null {
  // Service agents are named service-<number>@… or <number>@…; their domains vary by service.
  if (/^(service-)?\d+@/.test(email)) return null;
  const m = /^[^@]+@([a-z][a-z0-9-]{4,28}[a-z0-9])\.iam\.gserviceaccount\.com$/.exec(email);
  if (m && !m[1]!.startsWith('gcp-sa-')) return m[1]!;
  const app = /^([a-z][a-z0-9-]{4,28}[a-z0-9])@appspot\.gserviceaccount\.com$/.exec(email);
  if (app) return app[1]!;
  if (/^\d+-compute@developer\.gserviceaccount\.com$/.test(email)) return '(project number)';
  return null;
}

/** A placeholder identity for an SA of another project granted a role in this one. */
export function foreignServiceAccountIdentity(email: string, homeProject: string): Identity {
  return {
    externalId: email,
    name: email.split('@')[0] ?? email,
    kind: 'service-account',
    owner: null,
    createdAt: null,
    tags: {},
    lastUsedKnown: false,
    lastUsedAt: null,
    attributes: { email, external: true, homeProject },
  };
}
