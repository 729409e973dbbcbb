/**
 * The catalog as scans and views use it: asynchronous, streaming queries over a schema with
 * numbered migrations. SQLite implements it (sqlite/store.ts, the embedded default); another
 * backend (PostgreSQL) implements the same interface. Callers never see a driver or SQL.
 *
 * Large results are `Pages`: async iterables of arrays of rows, so a backend fetches them in
 * batches (a statement iterator, a cursor) and a caller's memory is bounded by one page, not by
 * the estate. Consume one stream before starting the next: a backend may serve every query of
 * one store from one connection.
 */
import type { AuditSigner } from './audit-log.js';
import type { PlaybookStore } from './playbook-store.js';
import type {
  Finding,
  OwnerAttribution,
  OwnerCandidate,
  ProviderId,
  ScanRun,
  Scope,
  ScopeKind,
  ScopeResult,
  StoredCredential,
  StoredGap,
  StoredGrant,
  StoredIdentity,
} from '../model/index.js';
import type { PolicyException } from '../scoring/policy.js';

export type Pages<T> = AsyncIterable<readonly T[]>;

export interface ScopeKey {
  provider: ProviderId;
  scopeId: string;
}

/** A scope with records present at a run. */
export interface PresentScope extends ScopeKey {
  /** Whether any identity of it is present (else only credentials whose identity is gone). */
  identities: boolean;
}

export interface ScopeWriteStats {
  identities: number;
  credentials: number;
  grants: number;
  removed: number;
}

export interface ScopeRunRecord {
  runId: number;
  provider: ProviderId;
  scopeId: string;
  scopeName: string;
  scopeKind: ScopeKind;
  status: 'ok' | 'failed' | 'interrupted';
  error: string | null;
  errorCode: string | null;
  identities: number;
  credentials: number;
  grants: number;
  removed: number;
  gaps: number;
  apiCalls: number;
  durationMs: number;
}

export interface ChangeRecord {
  runId: number;
  field: string;
  oldValue: string | null;
  newValue: string | null;
}

export type SubjectKind = 'credential' | 'identity';

/** A subject's stored score: 0–100, its band, and the contributions that add up to it. */
export interface StoredScore {
  subjectId: string;
  subjectKind: SubjectKind;
  score: number;
  band: string;
  contributions: unknown[];
  /** The subject reaches an AI service (scoring/ai.ts). */
  ai: boolean;
  /** Owner, team, signal, confidence and purpose attributed at evaluation (null: none stored). */
  ownership?: OwnerAttribution | null;
}

/** What the evaluator stores per subject (a score plus the columns views sort and filter on). */
export interface ScoreRecord extends StoredScore {
  provider: ProviderId;
  scopeId: string;
  createdAt: string | null;
  ownership: OwnerAttribution | null;
  /** A credential's identity (null for identities). */
  identityId: string | null;
  /** A credential that is not inactive (identities: true): `nhi owners` counts these. */
  live: boolean;
  /** Identities nobody owns: the strongest hint over the identity and its live credentials. */
  candidate: OwnerCandidate | null;
}

export type Resolved =
  | {
      kind: 'credential';
      credential: StoredCredential;
      identity: StoredIdentity;
      scope: Scope;
      runDemo: boolean;
    }
  | {
      kind: 'identity';
      identity: StoredIdentity;
      scope: Scope;
      credentials: StoredCredential[];
      grants: StoredGrant[];
      runDemo: boolean;
    };

/** A subject an ambiguous reference could mean (`nhi show ci-deployer`). */
export interface Candidate {
  id: string;
  kind: 'credential' | 'identity';
  provider: ProviderId;
  scope: string;
  name: string;
  externalId: string;
}

/* ----- stored evaluations ----- */

export interface EvaluationCounts {
  /** Reported failing findings by severity. */
  bySeverity: Record<'critical' | 'high' | 'medium' | 'low' | 'info', number>;
  notEvaluated: number;
}

export interface EvaluationSummary extends EvaluationCounts {
  suppressed: number;
  expiredExceptions: number;
}

export interface EvaluationInfo {
  id: number;
  runId: number;
  policyFingerprint: string;
  /** ISO instant the rules were evaluated as of (the scan's start). */
  asOf: string;
  status: 'running' | 'complete';
  nhiVersion: string;
  startedAt: string;
  finishedAt: string | null;
  summary: EvaluationSummary;
}

/** One batch of a scope as present at a run: identities with all their credentials and grants. */
export interface ScopeBatch {
  identities: StoredIdentity[];
  credentials: StoredCredential[];
  grants: StoredGrant[];
  /** Removed identities whose credentials are still present (their owner signals still count). */
  removedIdentities?: StoredIdentity[];
}

/** What the evaluator stores for one batch. */
export interface EvaluatedBatch {
  findings: readonly Finding[];
  suppressed: readonly { finding: Finding; exceptionIndex: number }[];
  scores: readonly ScoreRecord[];
  /** Findings that an expired exception would still match (they are reported again). */
  expiredMatches: readonly { exceptionIndex: number; fingerprint: string }[];
}

export interface StoredException {
  index: number;
  exception: PolicyException;
  /** When it stopped applying, as of the evaluation; null while it applies. */
  expiredAt: string | null;
}

/** A stored exception with how many findings it suppresses, or (expired) still matches. */
export interface ExceptionUse extends StoredException {
  findings: number;
}

/** Writes one evaluation, scope by scope; readers see it only once `complete` has run. */
export interface EvaluationWriter {
  readonly id: number;
  /** Scopes already stored by an earlier, interrupted attempt of the same evaluation. */
  readonly doneScopes: ReadonlySet<string>;
  /** The key `doneScopes` holds for a scope. */
  scopeKey(scope: ScopeKey): string;
  writeBatch(batch: EvaluatedBatch): Promise<void>;
  finishScope(scope: ScopeKey): Promise<void>;
  /** Records the policy's exceptions, makes the evaluation the run's, and drops older ones. */
  complete(exceptions: readonly StoredException[]): Promise<EvaluationInfo>;
}

/* ----- view queries ----- */

export type SubjectSort = 'score' | 'age' | 'last-used' | 'provider';

export interface SubjectQuery {
  evaluationId: number;
  /** Credentials or identities present at this run (with `includeRemoved`, every one ever seen). */
  runId: number;
  includeRemoved?: boolean;
  providers?: readonly string[];
  /** Credential types, or identity kinds. */
  types?: readonly string[];
  /** Credential statuses (credentials only). */
  statuses?: readonly string[];
  /** Scope id or name. */
  scope?: string;
  bands?: readonly string[];
  /** Only subjects that reach an AI service. */
  ai?: boolean;
  /** Only subjects whose stored owner / team is this (case-insensitive). */
  owner?: string;
  team?: string;
  sort: SubjectSort;
  limit?: number;
}

export interface ScoreCell {
  score: number;
  band: string;
  /** The subject reaches an AI service (scoring/ai.ts). */
  ai: boolean;
}

export interface CredentialRow {
  credential: StoredCredential;
  identity: { name: string; kind: string; externalId: string } | null;
  score: ScoreCell | null;
  /** Stored with the evaluation (null: removed subjects, which have none). */
  ownership: OwnerAttribution | null;
}

export interface IdentityRow {
  identity: StoredIdentity;
  /** Credentials present at the run. */
  credentials: number;
  score: ScoreCell | null;
  ownership: OwnerAttribution | null;
}

export interface FindingQuery {
  evaluationId: number;
  /** The suppressed findings instead of the reported ones. */
  suppressed?: boolean;
  outcome?: Finding['outcome'];
  /** Failing findings at or above this severity rank (critical 4 … info 0); not-evaluated ones are kept unless `outcome` excludes them. */
  minRank?: number;
  providers?: readonly string[];
  /** Scope ids or names. */
  scopes?: readonly string[];
  rules?: readonly string[];
  /** Only findings about subjects that reach an AI service. */
  ai?: boolean;
  /** Only findings about subjects whose stored owner / team is this (case-insensitive). */
  owner?: string;
  team?: string;
  /** Only findings whose fingerprint is not among another evaluation's reported findings (of `outcome` when given). */
  absentFrom?: { evaluationId: number; outcome?: Finding['outcome'] };
  /**
   * canonical: worst first (the documented report order); sarif: by rule, logical name,
   * fingerprint; fingerprint: by fingerprint (baselines); points: highest-scored first (a
   * finding's points, doubled on AI-reaching subjects for ranked rules), then canonical (the HTML
   * report's capped findings table).
   */
  order?: 'canonical' | 'sarif' | 'fingerprint' | 'points';
  limit?: number;
}

export type FindingGroupKey = 'provider' | 'scope' | 'rule' | 'severity' | 'message';

export interface FindingGroup {
  key: Partial<Record<FindingGroupKey, string>>;
  fail: number;
  notEvaluated: number;
  points: number;
  subjects: number;
}

/** Failing findings of one owner group by rule: what needs doing (`nhi owners`). */
export interface OwnerTodoRow {
  ruleId: string;
  count: number;
  points: number;
  playbook: string | null;
}

type BandCounts = Record<'critical' | 'high' | 'medium' | 'low', number>;

/**
 * One owner (owner, team, departed) of the evaluation's owned subjects: present identities and
 * live credentials, their scores and failing findings, grouped by the backend.
 */
export interface OwnerGroupRow {
  owner: string | null;
  team: string | null;
  departed: boolean;
  identities: number;
  credentials: number;
  worstScore: number;
  band: string | null;
  /** Subjects (identities and live credentials) per band. */
  bands: BandCounts;
  /** Reported failing findings per severity (info left out). */
  findings: BandCounts;
  /** Most points first. */
  todo: OwnerTodoRow[];
}

/** A present identity with live credentials and no high-confidence owner. */
export interface UnownedRow {
  identityId: string;
  name: string;
  kind: string;
  provider: ProviderId;
  scopeId: string;
  scopeName: string;
  liveCredentials: number;
  /** Highest score of the identity and its credentials. */
  worstScore: number;
  candidate: OwnerCandidate | null;
}

export interface CredentialChange {
  change: 'added' | 'removed';
  credential: StoredCredential;
}

/** A credential added or removed between two runs, named the way diff shows it. */
export interface CredentialDiffRow {
  id: string;
  provider: ProviderId;
  scopeId: string;
  scopeName: string;
  identityId: string;
  identityName: string;
  identityExternalId: string;
  externalId: string;
  name: string | null;
  type: string;
  status: string;
  createdAt: string | null;
  expiresAt: string | null;
}

/** Fields whose net change `diff` reports (the columns the history triggers record). */
export type DiffField = 'status' | 'expires_at' | 'owner' | 'privilege' | 'last_used_at';

/**
 * A subject's net change of one field between two runs (its value before the first change in
 * the window → after the last), named by provider/scope/identity/credential.
 */
export interface FieldChangeRow {
  field: DiffField;
  oldValue: string | null;
  newValue: string | null;
  subjectId: string;
  subjectKind: 'credential' | 'identity' | 'grant';
  provider: ProviderId;
  scopeId: string;
  scopeName: string;
  identityName: string | null;
  identityExternalId: string | null;
  credentialExternalId: string | null;
  /** Grants: what they allow, `permission on resource`. */
  grant: string | null;
}

/**
 * The catalog interface. Writes of a scope are transactional (all of it or nothing); the
 * history (first/last seen, removed, field changes) is kept by the backend.
 */
/** A playbook run not yet finished, as views mention it. */
export interface OpenPlaybookRun {
  id: number;
  kind: string;
  status: string;
  credentialId: string;
}

/** A scan run as `nhi runs` lists it: how it ended, what it covered, what it found. */
export interface RunSummary extends ScanRun {
  providers: string[];
  nhiVersion: string;
  scopes: { ok: number; failed: number; interrupted: number };
  /** Records written by the run's successful scopes. */
  identities: number;
  credentials: number;
  removed: number;
  gaps: number;
  /** Reported failing findings of its stored evaluation, by severity; null when not evaluated. */
  findings: EvaluationCounts['bySeverity'] | null;
  notEvaluated: number | null;
}

/**
 * What `nhi prune` (and scan's retention) removes: runs outside every limit given — not among
 * the newest `keepRuns` and started before `before` — except the ones views still need.
 */
export interface PruneRequest {
  keepRuns?: number;
  /** ISO instant. */
  before?: string;
  dryRun: boolean;
}

export interface PruneResult {
  /** Runs removed (or, on a dry run, that would be). */
  runs: number[];
  /** Runs that matched the limits but were kept, and why. */
  kept: { runId: number; reason: string }[];
  /** Rows removed per kind (evaluations, findings, scores, gaps, scopes, history, credentials…). */
  rows: Record<string, number>;
  /** Catalog size (file + write-ahead log) before and after; after is null on a dry run. */
  bytesBefore: number;
  bytesAfter: number | null;
}

export interface CatalogStore extends PostureStore {
  readonly location: string;
  close(): Promise<void>;

  /**
   * Playbook runs, their journal and the audit log, on this store's connection. `signer` keys
   * the audit chain; only code that appends audit entries needs one.
   */
  playbooks(signer?: AuditSigner): PlaybookStore;

  /* runs */
  beginRun(init: {
    providers: ProviderId[];
    demo: boolean;
    version: string;
    now: Date;
    /** The run group (shards of one logical scan, run-groups.ts); none: a scan of its own. */
    group?: string | null;
  }): Promise<number>;
  writeScope(
    runId: number,
    result: ScopeResult,
    durationMs: number,
  ): Promise<ScopeWriteStats | null>;
  finishRun(runId: number, status: ScanRun['status'], now: Date): Promise<void>;
  run(runId: number): Promise<ScanRun | null>;
  /**
   * The newest finished run that produced data (ok, partial, or interrupted after committing);
   * of a run group, its head once none of its runs is still running (run-groups.ts).
   */
  latestRun(): Promise<ScanRun | null>;
  /** The head of `runId`'s group (itself when it has none), or null while the group still runs. */
  groupHead(runId: number): Promise<ScanRun | null>;
  /** Whether any run of that kind (the demo estate, or a real one) was recorded. */
  hasRuns(kind: { demo: boolean }): Promise<boolean>;
  /** The finished run before `runId` (for diff and --new-only). */
  previousRun(runId: number): Promise<ScanRun | null>;
  /** Runs newest first, every status, with their counts (`nhi runs`). */
  runs(q: { limit?: number; demo?: boolean }): Promise<RunSummary[]>;
  /** The first readable run started at or after `at` (ISO instant), for `diff --since`. */
  firstRunSince(at: string): Promise<ScanRun | null>;
  /** Removes old runs' evaluations, gaps and history in one transaction, then shrinks the file. */
  prune(req: PruneRequest): Promise<PruneResult>;
  scopesOfRun(runId: number): Promise<ScopeRunRecord[]>;
  /** Every scope any run recorded, with its latest name (for `--scope` validation). */
  scopes(): Promise<Scope[]>;
  /** Coverage gaps in force at a run: each scope's latest successful scan up to it. */
  gapsInForce(runId: number, scope?: ScopeKey): Promise<StoredGap[]>;

  /* evaluation input */
  /** Scopes with records present at a run, in (provider, scope id) order. */
  presentScopes(runId: number): Promise<PresentScope[]>;
  /** A scope as present at a run, in batches of about `identities` identities. */
  scopeBatches(runId: number, scope: ScopeKey, identities: number): AsyncIterable<ScopeBatch>;

  /* stored evaluations */
  /** The run's complete evaluation, if any. */
  evaluation(runId: number): Promise<EvaluationInfo | null>;
  beginEvaluation(init: {
    runId: number;
    policyFingerprint: string;
    asOf: string;
    version: string;
    now: Date;
  }): Promise<EvaluationWriter>;

  /* views */
  credentials(q: SubjectQuery): Pages<CredentialRow>;
  identities(q: SubjectQuery): Pages<IdentityRow>;
  countSubjects(kind: SubjectKind, q: SubjectQuery): Promise<number>;
  resolve(ref: string): Promise<Resolved | null>;
  /** When `resolve` finds nothing: the subjects `ref` could mean (a shared name, an id prefix). */
  candidates(ref: string): Promise<Candidate[]>;
  /** Reported findings about an identity and its credentials, canonical order. */
  findingsOfIdentity(
    evaluationId: number,
    identity: { provider: string; scopeId: string; externalId: string },
  ): Promise<Finding[]>;
  scoresOf(evaluationId: number, subjectIds: readonly string[]): Promise<Map<string, StoredScore>>;
  grantsOfIdentity(identityId: string): Promise<StoredGrant[]>;
  /** Every credential of the identity, removed ones included, oldest first (plans' siblings). */
  credentialsOfIdentity(identityId: string): Promise<StoredCredential[]>;
  history(subjectIds: readonly string[]): Promise<(ChangeRecord & { subjectId: string })[]>;
  /** The open playbook run of each credential that has one (show mentions it). */
  openPlaybookRuns(credentialIds: readonly string[]): Promise<OpenPlaybookRun[]>;
  findings(q: FindingQuery): Pages<Finding>;
  countFindings(q: FindingQuery): Promise<EvaluationCounts>;
  findingGroups(q: FindingQuery, by: readonly FindingGroupKey[]): Promise<FindingGroup[]>;
  scores(evaluationId: number): Pages<StoredScore>;
  /** Owned subjects grouped by owner, team and departed (`owner`/`team`: only that one). */
  ownerGroups(
    evaluationId: number,
    filter: { owner?: string; team?: string },
  ): Promise<OwnerGroupRow[]>;
  /** Unowned identities, worst first, then by name. */
  unownedIdentities(evaluationId: number): Pages<UnownedRow>;
  exceptions(evaluationId: number): Promise<ExceptionUse[]>;
  /** The suppressed findings, canonical order, each with the index of its exception. */
  suppressed(evaluationId: number): Pages<{ finding: Finding; exceptionIndex: number }>;
  expiredMatches(evaluationId: number, index: number): Pages<string>;
  /** Credentials first seen (added), or removed, in runs after `fromRun` up to `toRun`. */
  credentialChanges(
    fromRun: number,
    toRun: number,
    change: CredentialChange['change'],
  ): Pages<StoredCredential>;
  /** Field changes recorded in runs after `fromRun` up to `toRun` (removals excluded). */
  changes(fromRun: number, toRun: number): Pages<ChangeRecord & { subjectId: string }>;
  /** Credentials first seen (added), or removed, after `fromRun` up to `toRun`, with their identity's name. */
  credentialDiff(
    fromRun: number,
    toRun: number,
    change: CredentialChange['change'],
  ): Pages<CredentialDiffRow>;
  /** Net changes of `field` after `fromRun` up to `toRun`; values that changed back are left out. */
  fieldChanges(fromRun: number, toRun: number, field: DiffField): Pages<FieldChangeRow>;
}

/* ----- posture (KPIs over a run's stored evaluation; see src/posture) ----- */

/** Which runs a trend covers: readable runs of one kind up to `toRun`, newest first. */
export interface RunWindow {
  demo: boolean;
  toRun: number;
  /** ISO date-time: runs started at or after it. */
  since?: string;
  limit?: number;
}

export interface PostureQuery {
  runId: number;
  evaluationId: number;
  /** The run's start: ages and windows are measured from it. */
  asOf: string;
  /** The run before (for credentials added/removed), and its evaluation (findings resolved). */
  previousRunId: number | null;
  previousEvaluationId: number | null;
  /** Credential types the rotation KPI counts (the rotation rule's types). */
  rotatableTypes: readonly string[];
  /** Rules whose failing findings mean admin or privilege-escalation grants. */
  privilegeRules: readonly string[];
  /**
   * Only the subjects that reach an AI service (the evaluation's `ai` marker on scores and
   * findings; removed credentials by the previous evaluation's marker). Scopes and gaps stay
   * every scope's: they describe coverage, not subjects.
   */
  ai?: boolean;
}

export interface AgeBucket {
  label: string;
  /** Upper bound in days (inclusive); null for the last bucket. */
  maxDays: number | null;
}

/** Age buckets (days since creation) of the age distribution, in display order. */
export const AGE_BUCKETS: readonly AgeBucket[] = [
  { label: '≤30 d', maxDays: 30 },
  { label: '31–90 d', maxDays: 90 },
  { label: '91–180 d', maxDays: 180 },
  { label: '181–365 d', maxDays: 365 },
  { label: '1–2 y', maxDays: 730 },
  { label: '>2 y', maxDays: null },
];

type AtScope = { provider: string; scopeId: string };

/** Per-scope counts a backend computes by query; src/posture rolls them up. */
export interface PostureRows {
  /** Credentials present at the run, by type and status as of the run. */
  credentials: (AtScope & {
    type: string;
    status: string;
    count: number;
    withExpiry: number;
    /** With a known creation date; `ageSum` their ages in days. */
    aged: number;
    ageSum: number;
    rotatable: number;
    rotationFail: number;
    rotationNotEvaluated: number;
  })[];
  identities: (AtScope & { count: number; withOwner: number; withGrants: number })[];
  /** Findings by rule, outcome, severity and suppression (`identities`: distinct identities). */
  findings: (AtScope & {
    ruleId: string;
    outcome: 'fail' | 'not-evaluated';
    severity: string;
    suppressed: boolean;
    count: number;
    identities: number;
    /** unused-grant: the grants its failing findings name. */
    unusedGrants: number;
  })[];
  /** Distinct identities with a failing finding of a privilege rule. */
  privileged: (AtScope & { identities: number })[];
  notEvaluatedSubjects: (AtScope & { subjects: number })[];
  /** Scopes the run tried, and whether they succeeded. */
  scopes: (AtScope & { scopeName: string; ok: boolean })[];
  changes: (AtScope & { added: number; removed: number })[];
  /** Findings reported at the previous run and not now; `days` sums first seen → this run. */
  resolved: (AtScope & { count: number; days: number })[];
  /** Nearest-rank p90 of credential age in days at each level. */
  p90: {
    level: 'overall' | 'provider' | 'scope';
    provider: string | null;
    scopeId: string | null;
    days: number;
  }[];
  /** Credentials per provider and age bucket (index into the backend's buckets; -1: unknown). */
  ageDistribution: { provider: string; bucket: number; count: number }[];
}

/** Posture reads; a second backend implements these two next to the views. */
export interface PostureStore {
  postureRuns(w: RunWindow): Promise<ScanRun[]>;
  postureRows(q: PostureQuery): Promise<PostureRows>;
}
