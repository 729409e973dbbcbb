/**
 * The least-privilege part of the connector contract (`nhi trim`): a connector that can narrow
 * what an identity may do exposes `ConnectorActions.trim`. It reads the documents that grant an
 * identity its permissions exactly as the provider holds them, and writes or restores one
 * document at a time; the core plans the change (pure), journals it and rolls it back.
 */
import type { ActionResult, ConnectorContext } from './index.js';
import type { IdentityKind, Scope } from '../model/index.js';

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

/** One document granting an identity permissions, exactly as the provider holds it now. */
export interface GrantDocument {
  /** Stable within the identity, e.g. `inline:deploy`, `attachment:arn:…`, `version:arn:…`. */
  address: string;
  kind: GrantDocumentKind;
  /** Policy name or ARN, role name: what a person recognises. */
  name: string;
  /**
   * The document's exact text (policy JSON as stored, the attachment marker); null = absent.
   * Rollback writes this text back byte for byte.
   */
  document: string | null;
  /** Version or etag the provider holds (a managed policy's default version id). */
  version: string | null;
  /** Who maintains its content: the provider (AWS-managed), the customer, or it is inline. */
  owner: 'provider' | 'customer' | 'inline';
  /** When the document last changed (a policy version's creation), if the provider says. */
  changedAt: string | null;
  /** Open-ended facts the planner reads: `versions` (ids), `attachments` (count). */
  facts: Record<string, unknown>;
}

/** The identity being trimmed, as the catalog knows it. */
export interface TrimSubject {
  scope: Scope;
  identityExternalId: string;
  identityName: string;
  identityKind: IdentityKind;
  attributes: Record<string, unknown>;
}

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

/** What a write did, journaled so `restore` can undo it in another process. */
export interface TrimWriteResult extends ActionResult {
  detail: Record<string, string | null>;
}

export interface TrimActions {
  /** Every grant document of the identity, read now: plan, drift checks and verification. */
  read(ctx: ConnectorContext, subject: TrimSubject): Promise<GrantDocument[]>;
  /** Makes `change.after` hold. Idempotent: a document already holding `after` is left alone. */
  write(ctx: ConnectorContext, subject: TrimSubject, change: TrimChange): Promise<TrimWriteResult>;
  /**
   * Makes `change.before` hold again, byte for byte. `written` is what `write` journaled (null
   * when the process died before journaling it: the connector then finds its own traces).
   */
  restore(
    ctx: ConnectorContext,
    subject: TrimSubject,
    change: TrimChange,
    written: Record<string, string | null> | null,
  ): Promise<ActionResult>;
  /** A provider-side reason this identity must never be trimmed (service-linked role), or null. */
  untouchable?(subject: TrimSubject): string | null;
}
