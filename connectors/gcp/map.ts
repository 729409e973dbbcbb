/**
 * Raw Google REST payloads -> nhi model records. Pure: no I/O, no clock except the `now`
 * passed in. Every payload is parsed with zod first, so a garbage response fails here with
 * the API and field named, instead of deep inside a rule.
 */
import { z } from 'zod';
import type {
  Credential,
  CredentialStatus,
  Grant,
  Identity,
  Privilege,
} from '../../src/model/index.js';

/* ----- schemas (field names from @googleapis/iam v1 typings and Google's REST reference) ----- */

const str = z.string();
const optStr = z.string().nullish();

export const serviceAccountSchema = z.object({
  name: str,
  email: str,
  uniqueId: optStr,
  displayName: optStr,
  description: optStr,
  disabled: z.boolean().nullish(),
  oauth2ClientId: optStr,
  projectId: optStr,
});
export type RawServiceAccount = z.infer<typeof serviceAccountSchema>;

export const serviceAccountKeySchema = z.object({
  name: str,
  keyType: optStr,
  keyOrigin: optStr,
  keyAlgorithm: optStr,
  validAfterTime: optStr,
  validBeforeTime: optStr,
  disabled: z.boolean().nullish(),
  disableReason: optStr,
  extendedStatus: z.array(z.object({ key: optStr, value: optStr })).nullish(),
});
export type RawServiceAccountKey = z.infer<typeof serviceAccountKeySchema>;

export const listServiceAccountsSchema = z.object({
  accounts: z.array(serviceAccountSchema).nullish(),
  nextPageToken: optStr,
});
export const listKeysSchema = z.object({ keys: z.array(serviceAccountKeySchema).nullish() });

export const projectSchema = z.object({
  name: str, // projects/{number}
  projectId: str,
  displayName: optStr,
  parent: optStr,
  state: optStr,
  createTime: optStr,
});
export type RawProject = z.infer<typeof projectSchema>;
export const listProjectsSchema = z.object({
  projects: z.array(projectSchema).nullish(),
  nextPageToken: optStr,
});
export const folderSchema = z.object({
  name: str, // folders/{id}
  displayName: optStr,
  parent: optStr,
  state: optStr,
});
export type RawFolder = z.infer<typeof folderSchema>;
export const listFoldersSchema = z.object({
  folders: z.array(folderSchema).nullish(),
  nextPageToken: optStr,
});

export const policySchema = z.object({
  version: z.number().nullish(),
  etag: optStr,
  bindings: z
    .array(
      z.object({
        role: str,
        members: z.array(str).nullish(),
        condition: z.object({ title: optStr, description: optStr, expression: optStr }).nullish(),
      }),
    )
    .nullish(),
});
export type RawPolicy = z.infer<typeof policySchema>;

export const activitySchema = z.object({
  fullResourceName: optStr,
  activityType: optStr,
  observationPeriod: z.object({ startTime: optStr, endTime: optStr }).nullish(),
  activity: z
    .object({
      lastAuthenticatedTime: optStr,
      serviceAccount: z.object({ fullResourceName: optStr, serviceAccountId: optStr }).nullish(),
      serviceAccountKey: z.object({ fullResourceName: optStr, serviceAccountId: optStr }).nullish(),
    })
    .passthrough()
    .nullish(),
});
export type RawActivity = z.infer<typeof activitySchema>;
export const queryActivitiesSchema = z.object({
  activities: z.array(activitySchema).nullish(),
  nextPageToken: optStr,
});

const operationSchema = z.object({
  action: optStr,
  resource: optStr,
  resourceType: optStr,
  path: optStr,
  value: z.unknown().optional(),
  pathFilters: z.record(z.string(), z.unknown()).nullish(),
});
export const recommendationSchema = z.object({
  name: str,
  description: optStr,
  recommenderSubtype: optStr,
  lastRefreshTime: optStr,
  priority: optStr,
  stateInfo: z.object({ state: optStr }).nullish(),
  content: z
    .object({
      operationGroups: z
        .array(z.object({ operations: z.array(operationSchema).nullish() }))
        .nullish(),
    })
    .nullish(),
});
export type RawRecommendation = z.infer<typeof recommendationSchema>;
export const listRecommendationsSchema = z.object({
  recommendations: z.array(recommendationSchema).nullish(),
  nextPageToken: optStr,
});

export const apiKeySchema = z.object({
  name: str, // projects/{number}/locations/global/keys/{uid}
  uid: optStr,
  displayName: optStr,
  createTime: optStr,
  updateTime: optStr,
  deleteTime: optStr,
  serviceAccountEmail: optStr,
  restrictions: z.record(z.string(), z.unknown()).nullish(),
});
export type RawApiKey = z.infer<typeof apiKeySchema>;
export const listApiKeysSchema = z.object({
  keys: z.array(apiKeySchema).nullish(),
  nextPageToken: optStr,
});

/** A payload that does not match its schema: names the API call and the offending field. */
export class GcpPayloadError extends Error {
  override name = 'GcpPayloadError';
}

export function parsePayload<T>(schema: z.ZodType<T>, payload: unknown, what: string): T {
  const r = schema.safeParse(payload);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const where = issue && issue.path.length ? issue.path.join('.') : '(root)';
  throw new GcpPayloadError(
    `unexpected ${what} response: ${where}: ${issue?.message ?? 'invalid'}`,
  );
}

/* ----- helpers ----- */

/** GCP writes "never expires" as validBeforeTime 9999-12-31T23:59:59Z; nhi stores null. */
export function expiryOrNull(validBeforeTime: string | null | undefined): string | null {
  if (!validBeforeTime) return null;
  if (validBeforeTime.startsWith('9999-')) return null;
  return isoOrNull(validBeforeTime);
}

function isoOrNull(value: string | null | undefined): string | null {
  if (!value) return null;
  const t = Date.parse(value);
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

/** The last path segment of a resource name: the key id of `projects/p/serviceAccounts/e/keys/ID`. */
export function lastSegment(name: string): string {
  return name.slice(name.lastIndexOf('/') + 1);
}

export function keyResourceName(projectId: string, email: string, keyId: string): string {
  return `projects/${projectId}/serviceAccounts/${email}/keys/${keyId}`;
}

/* ----- service accounts and keys ----- */

/** Last-authentication times keyed by SA email/uniqueId and by key id (see indexActivities). */
export interface LastAuthIndex {
  serviceAccounts: Map<string, string>;
  keys: Map<string, string>;
}

export function mapServiceAccount(
  sa: RawServiceAccount,
  keys: RawServiceAccountKey[],
  lastAuth: LastAuthIndex | null,
): Identity {
  const systemManaged = keys.filter((k) => k.keyType === 'SYSTEM_MANAGED').length;
  const userManaged = keys.filter((k) => k.keyType !== 'SYSTEM_MANAGED').length;
  const last =
    lastAuth === null
      ? null
      : (lastAuth.serviceAccounts.get(sa.email.toLowerCase()) ??
        (sa.uniqueId ? lastAuth.serviceAccounts.get(sa.uniqueId) : undefined) ??
        null);
  return {
    externalId: sa.email,
    name: sa.displayName || sa.email.split('@')[0] || sa.email,
    kind: 'service-account',
    // GCP records no owner or creation time on a service account.
    owner: null,
    createdAt: null,
    tags: {},
    lastUsedKnown: lastAuth !== null,
    lastUsedAt: last,
    attributes: {
      email: sa.email,
      uniqueId: sa.uniqueId ?? null,
      resourceName: sa.name,
      description: sa.description ?? null,
      disabled: sa.disabled === true,
      status: sa.disabled === true ? 'disabled' : 'enabled',
      oauth2ClientId: sa.oauth2ClientId ?? null,
      defaultServiceAccount: isDefaultServiceAccount(sa.email),
      userManagedKeyCount: userManaged,
      systemManagedKeyCount: systemManaged,
      ...(lastAuth ? { lastUsedSource: 'policy-analyzer', lastUsedGranularity: 'day' } : {}),
    },
  };
}

/** Compute Engine and App Engine default SAs are created by Google with broad roles. */
export function isDefaultServiceAccount(email: string): boolean {
  return (
    /-compute@developer\.gserviceaccount\.com$/.test(email) ||
    /@appspot\.gserviceaccount\.com$/.test(email)
  );
}

/** User-managed keys only: system-managed keys are rotated by Google and never leave it. */
export function mapKey(
  key: RawServiceAccountKey,
  sa: RawServiceAccount,
  lastAuth: LastAuthIndex | null,
  now: Date,
): Credential | null {
  if (key.keyType === 'SYSTEM_MANAGED') return null;
  const keyId = lastSegment(key.name);
  const expiresAt = expiryOrNull(key.validBeforeTime);
  let status: CredentialStatus = 'active';
  if (key.disabled === true) status = 'inactive';
  else if (expiresAt !== null && Date.parse(expiresAt) <= now.getTime()) status = 'expired';
  const extended = (key.extendedStatus ?? []).map((s) => ({
    key: s.key ?? null,
    value: s.value ?? null,
  }));
  return {
    externalId: keyId,
    identityExternalId: sa.email,
    type: 'service-account-key',
    name: null,
    status,
    createdAt: isoOrNull(key.validAfterTime),
    expiresAt,
    lastUsedKnown: lastAuth !== null,
    lastUsedAt: lastAuth === null ? null : (lastAuth.keys.get(keyId) ?? null),
    attributes: {
      resourceName: key.name,
      keyOrigin: key.keyOrigin ?? null,
      keyAlgorithm: key.keyAlgorithm ?? null,
      disableReason: key.disableReason ?? null,
      extendedStatus: extended,
      // Google marks keys it found published (e.g. on GitHub) with this status.
      exposed: extended.some((s) => s.key === 'SERVICE_ACCOUNT_KEY_EXPOSED'),
      serviceAccountDisabled: sa.disabled === true,
      ...(lastAuth ? { lastUsedSource: 'policy-analyzer', lastUsedGranularity: 'day' } : {}),
    },
  };
}

/* ----- Policy Analyzer activities ----- */

const SA_PATH = /\/serviceAccounts\/([^/]+)(?:\/keys\/([^/]+))?$/;

/**
 * Builds the last-authentication index from both activity types. Service accounts are keyed
 * by lower-cased email and by unique id, because the fullResourceName may carry either.
 */
export function indexActivities(activities: RawActivity[]): LastAuthIndex {
  const index: LastAuthIndex = { serviceAccounts: new Map(), keys: new Map() };
  for (const a of activities) {
    const when = isoOrNull(a.activity?.lastAuthenticatedTime ?? a.observationPeriod?.endTime);
    const resource =
      a.fullResourceName ??
      a.activity?.serviceAccountKey?.fullResourceName ??
      a.activity?.serviceAccount?.fullResourceName;
    if (!when || !resource) continue;
    const m = SA_PATH.exec(resource);
    if (!m) continue;
    const [, sa, key] = m;
    const target = key ? index.keys : index.serviceAccounts;
    const id = key ? key : decodeURIComponent(sa!).toLowerCase();
    const prev = target.get(id);
    if (!prev || prev < when) target.set(id, when);
    const uid = a.activity?.serviceAccount?.serviceAccountId;
    if (!key && uid) {
      const p = index.serviceAccounts.get(uid);
      if (!p || p < when) index.serviceAccounts.set(uid, when);
    }
  }
  return index;
}

/* ----- IAM bindings -> grants ----- */

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
      .map((o) => o.pathFilters?.['/iamPolicy/bindings/*/role'])
      .filter((x): x is string => typeof x === 'string');
    for (const op of ops) {
      if (op.action !== 'remove') continue;
      const role = op.pathFilters?.['/iamPolicy/bindings/*/role'];
      const member = op.pathFilters?.['/iamPolicy/bindings/*/members/*'] ?? op.value;
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
  policy: RawPolicy,
  source: PolicySource,
  recommendations: RecommendationIndex | null,
): Grant[] {
  const grants: Grant[] = [];
  for (const b of policy.bindings ?? []) {
    for (const member of b.members ?? []) {
      if (!member.startsWith('serviceAccount:')) continue;
      const email = member.slice('serviceAccount:'.length);
      const condition = b.condition
        ? { title: b.condition.title ?? null, expression: b.condition.expression ?? null }
        : null;
      const rec = recommendations?.get(recommendationKey(member, b.role, source.resource)) ?? null;
      // REMOVE_ROLE: none of the role's permissions were used in the window -> known unused.
      const unused = rec !== null && rec.subtype === 'REMOVE_ROLE';
      const attributes: Record<string, unknown> = {
        level: source.level,
        basicRole:
          b.role === 'roles/owner' || b.role === 'roles/editor' || b.role === 'roles/viewer',
        customRole: !b.role.startsWith('roles/'),
        condition,
      };
      if (rec) {
        attributes.recommendation = {
          id: rec.id,
          subtype: rec.subtype,
          description: rec.description,
          replacementRoles: rec.replacementRoles,
          lastRefreshTime: rec.lastRefreshTime,
        };
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

/* ----- API keys ----- */

export const API_KEY_HOLDER_SUFFIX = '/apiKeys';

/**
 * API keys not bound to a service account belong to the project: they hang off one synthetic
 * holder identity per project, because every credential needs an identity.
 */
export function apiKeyHolderIdentity(projectId: string): Identity {
  return {
    externalId: `projects/${projectId}${API_KEY_HOLDER_SUFFIX}`,
    name: `API keys of ${projectId}`,
    kind: 'application',
    owner: null,
    createdAt: null,
    tags: {},
    lastUsedKnown: false,
    lastUsedAt: null,
    attributes: { synthetic: true, holder: 'project-api-keys' },
  };
}

export function mapApiKey(key: RawApiKey, holderExternalId: string): Credential | null {
  if (key.deleteTime) return null; // soft-deleted keys are kept 30 days and cannot be used
  const restrictions = key.restrictions ?? {};
  return {
    externalId: key.uid ?? lastSegment(key.name),
    identityExternalId: key.serviceAccountEmail || holderExternalId,
    type: 'api-key',
    name: key.displayName ?? null,
    status: 'active',
    createdAt: isoOrNull(key.createTime),
    // API keys never expire.
    expiresAt: null,
    // The API Keys API exposes no usage data.
    lastUsedKnown: false,
    lastUsedAt: null,
    attributes: {
      resourceName: key.name,
      restricted: Object.keys(restrictions).length > 0,
      restrictionKinds: Object.keys(restrictions).sort(),
      boundServiceAccount: key.serviceAccountEmail ?? null,
    },
  };
}
