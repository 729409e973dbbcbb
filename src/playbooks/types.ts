/**
 * Plans are plain data: made by a pure function, printed, stored in the catalog and applied
 * exactly as stored. Nothing here holds a secret value.
 */
import type {
  CredentialRef,
  CredentialStatus,
  CredentialType,
  ProviderId,
} from '../connector/index.js';

export type PlaybookKind = 'revoke' | 'rotate';

export type StepAction =
  /** Remove an inactive second credential to make room under a per-identity limit. */
  | 'delete-sibling'
  /** Create the replacement credential (its id is journaled as soon as it exists). */
  | 'create'
  /** Deliver the new secret to the sink. */
  | 'sink-put'
  /** Read back the sink's metadata to prove it holds the new version. */
  | 'sink-verify'
  /** Switch the old credential off, reversibly. */
  | 'deactivate'
  /** Delete the old credential (after the grace period when `delayDays` > 0). */
  | 'delete';

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
  /** Runs only this many days after the step before it finished (staged deletion). */
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
  version: 1;
  kind: PlaybookKind;
  createdAt: string;
  provider: ProviderId;
  /** Catalog id of the credential (`c-…`). */
  credentialId: string;
  credentialType: CredentialType;
  identityName: string;
  ref: CredentialRef;
  sink: SinkSpec | null;
  /** What the catalog knew when the plan was made; apply refuses if the provider differs. */
  snapshot: { status: CredentialStatus; siblings: SiblingSnapshot[] };
  lastUse: LastUse;
  /** The credential came from a demo scan: apply talks to the provider's stand-in. */
  demo: boolean;
  /** Facts the user should read before applying (who will break, limits). */
  notes: string[];
  steps: PlanStep[];
}

export type RunStatus =
  | 'planned'
  | 'applying'
  | 'waiting'
  | 'stopped'
  | 'failed'
  | 'done'
  | 'rolling-back'
  | 'rolled-back';

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
  hash: string;
}
