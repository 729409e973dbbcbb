/**
 * Provider-neutral records. Connectors produce these; the catalog stores them; rules read
 * them. Dates are ISO-8601 strings (UTC) so records survive JSON and SQLite unchanged.
 * No field ever holds a secret value: only metadata about a secret.
 */

import type { ProviderId } from './providers.js';

export type { ProviderId };
export { PROVIDER_IDS, PROVIDER_LIST, SINK_SCHEMES } from './providers.js';

export type ScopeKind = 'account' | 'tenant' | 'subscription' | 'project' | 'organization';

/** The unit a connector scans and the catalog commits atomically (an AWS account, a GitHub org…). */
export interface Scope {
  provider: ProviderId;
  /** Stable provider id: account id, tenant id, project id, org login. */
  id: string;
  /** Human name when known (account alias/name, org name). */
  name: string;
  kind: ScopeKind;
}

export type IdentityKind =
  | 'root' // cloud account root
  | 'user' // IAM user used by a machine (or a human: see attributes.humanTraits)
  | 'role'
  | 'group'
  | 'application' // Entra app registration
  | 'service-principal'
  | 'managed-identity'
  | 'service-account' // GCP
  | 'github-app'
  | 'github-user' // owner of PATs / SSH keys
  | 'repository' // holder of deploy keys / repo secrets
  | 'organization' // holder of org secrets / webhooks
  | 'environment' // GitHub Actions environment
  | 'project' // holder of keys scoped to a project/workspace (OpenAI project, Anthropic workspace)
  | 'cloud-resource'; // a resource with its own shared keys (Azure AI Services / OpenAI account)

export type CredentialType =
  | 'access-key' // AWS access key
  | 'console-password' // AWS console password on an IAM user (a human trait)
  | 'signing-certificate'
  | 'client-secret' // Entra password credential
  | 'certificate' // Entra key credential
  | 'federated-credential' // workload identity federation (no secret)
  | 'service-account-key' // GCP user-managed key
  | 'api-key'
  | 'fine-grained-pat'
  | 'classic-pat'
  | 'ssh-key'
  | 'oauth-token'
  | 'deploy-key'
  | 'app-installation'
  | 'actions-secret'
  | 'dependabot-secret'
  | 'webhook-secret'
  | 'service-specific-credential' // AWS: Bedrock API keys, CodeCommit/Keyspaces credentials
  | 'account-key'; // a resource's shared keys (key1/key2) with no metadata of their own

export type CredentialStatus = 'active' | 'inactive' | 'expired' | 'unknown';

export type Privilege = 'admin' | 'write' | 'read' | 'unknown';

/**
 * "Never used" and "we could not see" are different facts: `lastUsedKnown` is false when the
 * connector had no usage signal, and then `lastUsedAt` is meaningless (null).
 * When `lastUsedKnown` is true, `lastUsedAt === null` means "never used".
 */
export interface UsageSignal {
  lastUsedAt: string | null;
  lastUsedKnown: boolean;
}

/**
 * A grant's attributes when its last use is its principal's, not its own: the provider reports
 * use per principal (Azure's sign-in activity). Such a grant is proven unused only when the
 * principal itself was idle; one that was used may have used any of its grants.
 */
export const PRINCIPAL_USAGE = { usageOf: 'principal' } as const;

export function usageIsPrincipals(attributes: Record<string, unknown>): boolean {
  return attributes.usageOf === PRINCIPAL_USAGE.usageOf;
}

export interface Identity extends UsageSignal {
  /** Provider-unique id within the scope: ARN, object id, SA email, login… */
  externalId: string;
  name: string;
  kind: IdentityKind;
  /** Owner as recorded by the provider (tag, app owner, added_by); null = no owner known. */
  owner: string | null;
  createdAt: string | null;
  tags: Record<string, string>;
  /**
   * Open-ended provider facts the rules may read, e.g. consolePassword, mfaActive,
   * trustPolicy, serviceLinked, external, path. Never a secret.
   */
  attributes: Record<string, unknown>;
}

export interface Credential extends UsageSignal {
  /** Provider id of the credential: access key id, key id, token id… never the secret. */
  externalId: string;
  identityExternalId: string;
  type: CredentialType;
  name: string | null;
  status: CredentialStatus;
  createdAt: string | null;
  expiresAt: string | null;
  /** e.g. lastUsedService, lastUsedRegion, readOnly, scopes, storesCloudKey, hint. */
  attributes: Record<string, unknown>;
}

export interface Grant extends UsageSignal {
  /** Stable id within the scope, e.g. `${principalArn}|${policyArn}|s3`. */
  externalId: string;
  identityExternalId: string;
  /** Set when the grant belongs to one credential (PAT permissions, deploy key access). */
  credentialExternalId: string | null;
  /** What may be done: `s3:*`, `AdministratorAccess`, `Directory.ReadWrite.All`, `roles/owner`. */
  permission: string;
  /** Where: `*`, an ARN pattern, a subscription scope, a repository. */
  resource: string;
  privilege: Privilege;
  /** Where the grant comes from: policy name/ARN, role definition, app permission set. */
  source: string | null;
  grantedAt: string | null;
  attributes: Record<string, unknown>;
}

/** A signal the connector could not evaluate for a scope: "not evaluated", never "clean". */
export interface CoverageGap {
  /** What could not be read, e.g. 'access-advisor', 'credential-report', 'deploy-keys'. */
  signal: string;
  message: string;
  /** Provider error code when there was one (AccessDenied, 403…). */
  code: string | null;
  /** The permission or setting that would close the gap. */
  fix: string | null;
}

/** Everything one scope yielded, committed to the catalog in one transaction. */
export interface ScopeInventory {
  kind: 'inventory';
  scope: Scope;
  identities: Identity[];
  credentials: Credential[];
  grants: Grant[];
  gaps: CoverageGap[];
  apiCalls: number;
  /**
   * Record kinds this scope could not list completely (a listing was denied or failed
   * part-way). The catalog never marks unseen records of these kinds as removed.
   */
  incomplete?: ('identities' | 'credentials' | 'grants')[];
}

/** A scope that could not be scanned: recorded, and nothing it owns is marked removed. */
export interface ScopeFailure {
  kind: 'failure';
  scope: Scope;
  error: string;
  code: string | null;
  apiCalls: number;
  /** The user stopped the scan (Ctrl-C) before this scope finished: not a failure of access. */
  interrupted?: boolean;
}

export type ScopeResult = ScopeInventory | ScopeFailure;

/* ----- records as the catalog returns them ----- */

export interface StoredMeta {
  /** Short stable id users type: `i-…`, `c-…`, `g-…`. */
  id: string;
  provider: ProviderId;
  scopeId: string;
  scopeName: string;
  firstSeenRun: number;
  lastSeenRun: number;
  /** Run id of the successful scan that no longer saw it; null while present. */
  removedRun: number | null;
}

export type StoredIdentity = Identity & StoredMeta;
export type StoredCredential = Credential & StoredMeta & { identityId: string };
export type StoredGrant = Grant & StoredMeta & { identityId: string; credentialId: string | null };
export type StoredGap = CoverageGap & { provider: ProviderId; scopeId: string; runId: number };

export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info';

export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info'];

/**
 * How to fix one finding: a playbook nhi can run on this very subject (with the command), or a
 * reference to manual steps kept on the rule (console paths, provider CLI commands) where nhi
 * cannot act. The steps are rendered with the finding's names and ids (`fixSteps`).
 */
export type FindingFix =
  | {
      playbook: string;
      /** The command to run, e.g. `nhi revoke c-1a2b3c` (it plans; --apply changes). */
      command: string;
    }
  | {
      /** `rule:<rule id>[:<provider>]`, `root-credential` or `rotate-at-limit`. */
      manual: string;
    };

/** One rule's verdict on one subject, with the evidence a person needs to check it. */
export interface Finding {
  ruleId: string;
  severity: Severity;
  /** 'fail' = risk present; 'not-evaluated' = the data needed was missing. */
  outcome: 'fail' | 'not-evaluated';
  subjectId: string; // credential or identity id
  subjectKind: 'credential' | 'identity';
  provider: ProviderId;
  scopeId: string;
  scopeName: string;
  identityName: string;
  identityExternalId: string;
  credentialExternalId: string | null;
  message: string;
  evidence: Record<string, unknown>;
  owasp: string; // NHI1…NHI10
  cis: string | null;
  /** The playbook that fixes this subject (null where nhi cannot act on it: see `fix`). */
  playbook: string | null;
  /** How to fix it (absent only on findings stored by nhi versions before fixes were recorded). */
  fix?: FindingFix;
  /** Stable across runs: hash of rule + subject; baselines key on it. */
  fingerprint: string;
  points: number;
  /** Who answers for the subject (src/owners attribution), when views attached it. */
  owner?: string | null;
  team?: string | null;
  /** The signal the owner came from and how sure it is: `tag owner (high)`. */
  ownerVia?: string | null;
  purpose?: string | null;
  /** Set when the subject reaches an AI service (scoring/ai.ts); absent otherwise. */
  ai?: true;
}

export interface ScanRun {
  id: number;
  startedAt: string;
  finishedAt: string | null;
  /**
   * 'interrupted': stopped by the user; its committed scopes stand (views read it like a
   * partial scan). 'aborted': the scanning process died; views ignore it.
   */
  status: 'running' | 'ok' | 'partial' | 'failed' | 'interrupted' | 'aborted';
  demo: boolean;
}

/** Runs whose data views read: every scope they committed is complete. */
export const READABLE_RUN_STATUSES = ['ok', 'partial', 'interrupted'] as const;

export * from './playbook.js';
export * from './owners.js';
