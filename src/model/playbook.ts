/**
 * Playbook records as the catalog stores them: plans are plain data made by a pure function,
 * printed, saved and applied exactly as saved; the journal and the audit log record what
 * happened. Nothing here ever holds a secret value (only ids, versions and keyed fingerprints).
 */
import type { CredentialStatus, CredentialType, ProviderId, Scope } from './index.js';

/**
 * Where a credential lives, as the catalog recorded it. A playbook also acts on the credential
 * it creates and on siblings with the planned credential's ref and another
 * `credentialExternalId`: connectors name the credential by `credentialExternalId` and use
 * `attributes` only for facts about its identity (user name, owner object), never to find it.
 */
export interface CredentialRef {
  scope: Scope;
  identityExternalId: string;
  identityName: string;
  credentialExternalId: string;
  /** null for a trim: `credentialExternalId` then names the identity. */
  type: CredentialType | null;
  attributes: Record<string, unknown>;
}

export type PlaybookKind = 'revoke' | 'rotate' | 'trim';

export type StepAction =
  /** Remove an inactive second credential to make room under a per-identity limit. */
  | 'delete-sibling'
  /** Create the replacement credential (its id is journaled as soon as it exists). */
  | 'create'
  /** Deliver the new secret to the sink. */
  | 'sink-put'
  /** Prove the sink holds this run's delivery and the new credential authenticates. */
  | 'sink-verify'
  /** Wait until the new credential is seen in use, or the overlap has passed. */
  | 'cutover'
  /** Switch the old credential off, reversibly. */
  | 'deactivate'
  /** Delete the old credential (after the grace period when `delayDays` > 0). */
  | 'delete'
  /** Tell the credential's owner what is about to happen (webhook), before anything changes. */
  | 'notify'
  /** Wait the notice period after the owner was told; nothing changes meanwhile. */
  | 'notice-period'
  /** Trim: change one grant document (`Plan.trim.changes[targetExternalId]`). */
  | 'grant-change';

/** When the old credential is retired after a rotation. */
export type CutoverMode =
  /** Right after the new one is delivered and proven (the behaviour before 0.2). */
  | 'now'
  /** Once the provider reports the new one in use, or when the overlap ends. */
  | 'in-use';

/** Limits checked when a plan is made and again before any of its steps runs. */
export const PLAYBOOK_LIMITS = {
  /** Grace period between deactivating and deleting a credential. */
  deleteAfterDays: { min: 0, max: 365, default: 7 },
  /** How long a rotation keeps the old credential while waiting for the new one to be used. */
  overlapDays: { min: 0, max: 90, default: 7 },
  /** Days between telling a credential's owner and the first change. */
  noticeDays: { min: 0, max: 90, default: 3 },
} as const;

export interface PlanStep {
  seq: number;
  action: StepAction;
  /** The credential the step acts on; null for the one `create` makes. */
  targetExternalId: string | null;
  /** One line: what the step does. */
  summary: string;
  /** What changes at the provider or the sink. */
  changes: string;
  /** How to undo it, or why it cannot be undone. */
  undo: string;
  reversible: boolean;
  /** Changes or removes an existing credential: asked for before it runs unless --yes. */
  destructive: boolean;
  /**
   * Runs only this many days after the step before it finished (staged deletion). For a
   * `cutover` step: the longest wait; it finishes earlier once the new credential is in use.
   */
  delayDays: number;
}

export interface LastUse {
  known: boolean;
  at: string | null;
  service: string | null;
  region: string | null;
}

export interface SiblingSnapshot {
  externalId: string;
  status: CredentialStatus;
}

export interface SinkSpec {
  /** As the user typed it: `scheme:target`, never a secret. */
  raw: string;
  scheme: string;
  target: string;
  /** The file sink may replace an existing file only when the plan says so. */
  overwrite: boolean;
}

export interface Plan {
  /** 1: before cut-over existed (no `cutover`); 2: with it. Both are applied. */
  version: 1 | 2;
  kind: PlaybookKind;
  createdAt: string;
  provider: ProviderId;
  /** Catalog id of the credential (`c-…`). */
  credentialId: string;
  /** null for a trim (its subject is an identity). */
  credentialType: CredentialType | null;
  identityName: string;
  ref: CredentialRef;
  sink: SinkSpec | null;
  /** Rotation only: when the old credential is retired. */
  cutover?: { mode: CutoverMode; overlapDays: number };
  /** What the catalog knew when the plan was made; apply refuses if the provider differs. */
  snapshot: { status: CredentialStatus; siblings: SiblingSnapshot[] };
  lastUse: LastUse;
  /** The credential came from a demo scan: apply talks to the provider's stand-in. */
  demo: boolean;
  /** Facts the user should read before applying (who will break, limits). */
  notes: string[];
  /** Whom the `notify` step tells, through which channel (never the channel's secret URL). */
  notice?: PlanNotice;
  steps: PlanStep[];
  /** A trim plan: the identity's document changes, the permission diff and its evidence. */
  trim?: TrimDetail;
  /** Rotation only: how the replacement differs from the old credential (absent: same access). */
  replacement?: ReplacementSpec;
}

/**
 * A rotation whose replacement is narrower than the credential it replaces: `nhi trim` on
 * GitHub replaces a write deploy key by a read-only one through the rotation steps.
 */
export interface ReplacementSpec {
  /** The replacement may only read (a read-only deploy key). */
  access: 'read';
  /** Why, with the usage evidence: shown in the plan. */
  why: string;
  /**
   * false: the scan has no evidence either way that the removed access is unused (GitHub does
   * not record whether a deploy key pushed); the user confirmed it (`--confirm-unused`).
   */
  evidenced: boolean;
}

/** What a document is, so the core knows how it may be narrowed. */
export type GrantDocumentKind =
  /** A policy embedded in the identity (AWS inline policy): rewritten in place. */
  | 'inline-policy'
  /** The attachment of a policy the identity does not own (AWS-managed): detached, not edited. */
  | 'attachment'
  /** The default version of a policy the customer owns: a new version becomes default. */
  | 'policy-version'
  /** An IAM policy binding set on a resource (GCP): etag-checked read-modify-write. */
  | 'binding'
  /** A role assignment (Azure RBAC, app role): removed. */
  | 'assignment';

/** One planned change of one document: the exact text before and after. */
export interface TrimChange {
  address: string;
  kind: GrantDocumentKind;
  name: string;
  /** Exact text when planned; null = did not exist. */
  before: string | null;
  /** Version when planned (drift: someone made another version default). */
  beforeVersion: string | null;
  /** Exact text to hold after the change; null = removed / detached. */
  after: string | null;
  /** Facts of the document when planned (versions that existed, to tell ours apart). */
  facts: Record<string, unknown>;
}

/** One permission before → after, with the usage evidence that decided it. */
export interface PermissionDiffLine {
  /** The document (policy name / ARN) granting it. */
  source: string;
  permission: string;
  service: string;
  change: 'removed' | 'kept' | 'added';
  /** Last use of the service (null: never within the tracking period). */
  lastUsedAt: string | null;
  /** Why: 'not used for 212 days (Access Advisor)', 'granted 12 days ago: younger than the window'. */
  evidence: string;
}

export interface TrimDetail {
  /** Identity catalog id and kind. */
  identityId: string;
  identityKind: string;
  windowDays: number;
  /** Where the usage came from (Access Advisor via the scan of <date>; seeded by a test…). */
  usageSource: string;
  changes: TrimChange[];
  diff: PermissionDiffLine[];
  /**
   * Set on a manual-only plan (GitHub): the steps a person takes; nhi changes nothing and
   * `--apply` refuses.
   */
  manual?: string[];
  /**
   * Credentials of a manual plan that nhi can narrow itself by replacing them (a write deploy
   * key by a read-only one): `nhi trim <identity> --sink …` plans one rotation each.
   */
  replacements?: TrimReplacement[];
}

/** A credential a trim narrows by rotating it to a narrower replacement. */
export interface TrimReplacement {
  /** Catalog id (`c-…`) of the credential replaced. */
  credentialId: string;
  credentialExternalId: string;
  /** Its name, as the provider holds it (hostile: neutralise before showing). */
  name: string | null;
  replacement: ReplacementSpec;
}

/** The owner told before a playbook changes anything, as attributed when the plan was made. */
export interface PlanNotice {
  owner: string | null;
  team: string | null;
  /** Why this owner: the attribution's signal (`tag owner`, `owners.map at nhi.config.yaml:4:5`). */
  via: string;
  purpose: string | null;
  /**
   * `webhook`: a JSON POST to the URL in the environment variable `webhookEnv`;
   * `github-issue`: an issue opened in `repo` with the GitHub credentials of the environment.
   */
  channel: 'webhook' | 'github-issue';
  webhookEnv: string;
  /** github-issue: the owning repository (owner/name). */
  repo?: string | null;
  noticeDays: number;
}

export type RunStatus =
  | 'planned'
  | 'applying'
  | 'waiting'
  | 'stopped'
  | 'failed'
  | 'done'
  | 'rolling-back'
  | 'rolled-back'
  | 'cancelled';

/** Runs that still hold their credential: at most one per credential. */
export const OPEN_RUN_STATUSES: readonly RunStatus[] = [
  'planned',
  'applying',
  'waiting',
  'stopped',
  'failed',
  'rolling-back',
];

export type StepStatus = 'pending' | 'running' | 'done' | 'failed' | 'undone';

export interface JournalStep {
  runId: number;
  seq: number;
  action: StepAction;
  status: StepStatus;
  intent: Record<string, unknown> | null;
  result: Record<string, unknown> | null;
  requestId: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  notBefore: string | null;
}

export interface RunRecord {
  id: number;
  kind: PlaybookKind;
  createdAt: string;
  updatedAt: string;
  status: RunStatus;
  plan: Plan;
  provider: ProviderId;
  credentialId: string;
  sink: string | null;
  error: string | null;
}

/**
 * One audit log entry. `hash` = HMAC-SHA256(key, prevHash + canonical JSON of the entry
 * without `hash`) for `alg: 'hmac-sha256'`; entries written before the log was keyed
 * (`alg: 'sha256'`) used a plain SHA-256.
 */
export interface AuditEntry {
  seq: number;
  at: string;
  actor: string;
  runId: number | null;
  step: number | null;
  action: string;
  result: string;
  detail: Record<string, unknown>;
  prevHash: string;
  alg?: 'sha256' | 'hmac-sha256';
  /** Which key signed the entry (a fingerprint of the key, not the key). */
  keyId?: string | null;
  hash: string;
}

/** What the log looked like at a moment: so a later, shorter or rewritten log is caught. */
export interface AuditAnchor {
  at: string;
  /** What recorded it: an export, a verification, an append. */
  kind: 'export' | 'verify' | 'append';
  entries: number;
  /** Hash of entry `entries` (the genesis hash for an empty log). */
  head: string;
  keyId: string;
  /** HMAC of the fields above with the audit key: an anchor cannot be forged without it. */
  mac: string;
}
