/**
 * The shape of a GCP estate the stand-in serves: projects, their service accounts and keys,
 * IAM bindings, last-authentication facts and IAM recommendations. Fixtures build it; the
 * stand-in renders it as Google's REST payloads.
 */

export type StandInApi =
  'iam' | 'cloudresourcemanager' | 'policyanalyzer' | 'recommender' | 'apikeys';

/** GCP's "never expires" validBeforeTime. */
export const NEVER_EXPIRES = '9999-12-31T23:59:59Z';

export interface StandInKey {
  /** 40 hex characters, as Google issues them. */
  keyId: string;
  keyType: 'USER_MANAGED' | 'SYSTEM_MANAGED';
  keyOrigin?: 'GOOGLE_PROVIDED' | 'USER_PROVIDED';
  validAfterTime: string;
  /** NEVER_EXPIRES for keys without expiry. */
  validBeforeTime: string;
  disabled?: boolean;
  /** Google found the key published (extendedStatus SERVICE_ACCOUNT_KEY_EXPOSED). */
  exposed?: boolean;
  /** Served by Policy Analyzer (serviceAccountKeyLastAuthentication); absent = never. */
  lastAuthenticatedTime?: string;
  /** SPKI PEM of a key the stand-in issued: its token endpoint checks JWT signatures with it. */
  publicKeyPem?: string;
}

export interface StandInServiceAccount {
  /** The part before @; the email is accountId@projectId.iam.gserviceaccount.com unless `email` is set. */
  accountId: string;
  email?: string;
  uniqueId: string;
  displayName?: string;
  description?: string;
  disabled?: boolean;
  keys: StandInKey[];
  /** Served by Policy Analyzer (serviceAccountLastAuthentication); absent = never. */
  lastAuthenticatedTime?: string;
}

export interface StandInBinding {
  role: string;
  members: string[];
  condition?: { title: string; expression: string; description?: string };
}

export interface StandInRecommendation {
  member: string;
  role: string;
  subtype: 'REMOVE_ROLE' | 'REPLACE_ROLE';
  /** For REPLACE_ROLE: the roles the recommender suggests instead. */
  replacementRoles?: string[];
  /** Recommender's state machine: ACTIVE until someone marks it (markClaimed/markSucceeded…). */
  state?: 'ACTIVE' | 'CLAIMED' | 'SUCCEEDED' | 'FAILED' | 'DISMISSED';
}

export interface StandInApiKey {
  uid: string;
  displayName: string;
  createTime: string;
  restrictions?: Record<string, unknown>;
  serviceAccountEmail?: string;
}

export interface StandInProject {
  projectId: string;
  projectNumber: string;
  displayName: string;
  /** organizations/{id} or folders/{id} */
  parent: string;
  state?: 'ACTIVE' | 'DELETE_REQUESTED';
  createTime: string;
  /** Project labels (`owner`, `team`…), as projects.get and projects.search return them. */
  labels?: Record<string, string>;
  serviceAccounts: StandInServiceAccount[];
  bindings: StandInBinding[];
  recommendations?: StandInRecommendation[];
  apiKeys?: StandInApiKey[];
  /** APIs that answer 403 PERMISSION_DENIED for this project (as if a role were missing). */
  denied?: StandInApi[];
  /**
   * Permissions the caller holds on this project, as projects.testIamPermissions reports them;
   * absent = every permission asked (the stand-in serves every call the token makes).
   */
  callerPermissions?: string[];
  /** Bumped by every setIamPolicy: the policy's etag follows it. */
  policyRevision?: number;
  /** The next N setIamPolicy calls find that someone else wrote first (409 ABORTED). */
  policyConflicts?: number;
}

export interface StandInFolder {
  id: string;
  displayName: string;
  parent: string;
  bindings: StandInBinding[];
}

export interface GcpEstate {
  organization?: { id: string; displayName: string; bindings: StandInBinding[] };
  folders?: StandInFolder[];
  projects: StandInProject[];
}

export function serviceAccountEmail(project: StandInProject, sa: StandInServiceAccount): string {
  return sa.email ?? `${sa.accountId}@${project.projectId}.iam.gserviceaccount.com`;
}
