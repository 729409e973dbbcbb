/**
 * The least-privilege part of the connector contract (`nhi trim`): a connector that can narrow
 * what an identity may do exposes `ConnectorActions.trim`. It reads the documents that grant an
 * identity its permissions exactly as the provider holds them, and writes or restores one
 * document at a time; the core plans the change (pure), journals it and rolls it back.
 */
import type { ActionResult, ConnectorContext } from './index.js';
import type {
  GrantDocumentKind,
  IdentityKind,
  PermissionDiffLine,
  Scope,
  StoredCredential,
  StoredGrant,
  TrimChange,
  TrimReplacement,
} from '../model/index.js';

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

/** What a write did, journaled so `restore` can undo it in another process. */
export interface TrimWriteResult extends ActionResult {
  detail: Record<string, string | null>;
}

/** Called after each provider write inside one `write`/`restore`, with a short label. */
export type TrimProgress = (label: string) => void;

/** One permission a document grants, and the usage key evidence is kept under. */
export interface GrantedPermission {
  /** As written: `s3:GetObject`, `s3:*`, `*`, `roles/storage.admin`. */
  permission: string;
  /** The unit usage is reported for (AWS Access Advisor: the service namespace); `*` = all. */
  service: string;
}

/** A narrowed document: its new text (null = remove or detach it entirely). */
export interface Narrowed {
  after: string | null;
  /** Permissions the new text no longer grants. */
  removed: GrantedPermission[];
  /** Permissions it newly grants in place of broader ones (GCP role replacement), with why. */
  added?: (GrantedPermission & { evidence: string })[];
}

/** Last use per usage key, as the plan's evidence. */
export interface TrimUsage {
  /** false: the provider gave no usage (a gap): nothing may be removed. */
  known: boolean;
  /** Usage key -> last use; null = not used within the tracking period. */
  services: ReadonlyMap<string, string | null>;
  /** When the evidence was read. */
  observedAt: string | null;
  /** Human words: where it came from. */
  source: string;
  /**
   * Set when the evidence itself proves the identity was observed long enough (GCP IAM
   * Recommender recommends only after its observation window): the minimum-age rule is met
   * even where the provider records no creation time. The words say why.
   */
  ageCovered?: string;
}

export interface TrimActions {
  /** What a document grants (its Allow statements), per usage key. */
  permissionsOf(doc: GrantDocument): GrantedPermission[];
  /**
   * The document without the services in `unused`; a grant of everything (`*`) becomes a grant
   * of the `used` services. null: this document cannot be narrowed this way (an AWS-managed
   * policy that is only partly unused: it can only be detached whole).
   */
  narrow(doc: GrantDocument, unused: ReadonlySet<string>, used: readonly string[]): Narrowed | null;
  /** Every grant document of the identity, read now: plan, drift checks and verification. */
  read(ctx: ConnectorContext, subject: TrimSubject): Promise<GrantDocument[]>;
  /**
   * Makes `change.after` hold. Idempotent: a document already holding `after` is left alone.
   * A change made of several provider writes calls `progress` after each (crash tests stop there).
   */
  write(
    ctx: ConnectorContext,
    subject: TrimSubject,
    change: TrimChange,
    progress?: TrimProgress,
  ): Promise<TrimWriteResult>;
  /**
   * Makes `change.before` hold again, byte for byte. `written` is what `write` journaled (null
   * when the process died before journaling it: the connector then finds its own traces).
   */
  restore(
    ctx: ConnectorContext,
    subject: TrimSubject,
    change: TrimChange,
    written: Record<string, string | null> | null,
    progress?: TrimProgress,
  ): Promise<ActionResult | TrimWriteResult>;
  /**
   * Usage read with the documents (the provider's own recommendations, e.g. GCP IAM
   * Recommender), used instead of what the scan recorded; absent: the scan's grants decide.
   */
  usageOf?(docs: GrantDocument[], now: Date): TrimUsage;
  /** A provider-side reason this identity must never be trimmed (service-linked role), or null. */
  untouchable?(subject: TrimSubject): string | null;
  /**
   * A provider where nhi cannot narrow documents through the API (GitHub: a deploy key's access
   * is fixed at creation; an App's permissions are its owner's) plans manual steps instead: the
   * plan is shown like any trim plan and `--apply` refuses, except for the `replacements` it
   * names, which `nhi trim … --sink` narrows through rotations. The catalog's credentials and
   * grants are the evidence; `read`/`write`/`restore` are then never called.
   */
  manual?(ctx: ConnectorContext, subject: TrimSubject, evidence: ManualTrimEvidence): ManualTrim;
}

/** What the scan recorded about the identity: its credentials and their grants. */
export interface ManualTrimEvidence {
  credentials: readonly StoredCredential[];
  grants: readonly StoredGrant[];
  windowDays: number;
  now: Date;
}

/** A manual-only trim: the effective permissions before → after and the steps a person takes. */
export interface ManualTrim {
  diff: PermissionDiffLine[];
  /** One entry per change, each naming the exact `gh` command or settings page, and why. */
  steps: string[];
  /** Where the usage evidence came from. */
  usageSource: string;
  /** Credentials nhi can narrow itself by replacing them (`nhi trim … --sink`): see TrimDetail. */
  replacements?: TrimReplacement[];
}
