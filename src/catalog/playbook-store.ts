/**
 * The playbook store contract: runs, the step journal and the tamper-evident audit log, on
 * either backend (sqlite/playbook-store.ts, postgres/playbook-store.ts; `store.playbooks()`
 * gives the catalog's). Every write is its own transaction and is durable when its promise
 * resolves, so a process killed at any instant leaves a consistent journal: the engine awaits
 * each journal write before the side effect it precedes. Audit entries are appended in the
 * same transaction as the journal change they record, each keyed into the chain
 * (audit-log.ts) with a key that lives outside the catalog; appends are serialised so any
 * number of processes keep one valid chain.
 */
import type {
  AuditAnchor,
  AuditEntry,
  JournalStep,
  Plan,
  RunRecord,
  RunStatus,
  StepStatus,
} from '../model/index.js';
import { auditHash, GENESIS_HASH, type AuditKey } from './audit-log.js';

export { canonicalJson, GENESIS_HASH, verifyAuditChain } from './audit-log.js';
export type { AuditKey, AuditSigner, AuditVerdict } from './audit-log.js';

export interface NewAudit {
  at: string;
  actor: string;
  runId: number | null;
  step: number | null;
  action: string;
  result: string;
  detail?: Record<string, unknown>;
}

export interface StepUpdate {
  status: StepStatus;
  intent?: Record<string, unknown> | null;
  result?: Record<string, unknown> | null;
  requestId?: string | null;
  startedAt?: string | null;
  finishedAt?: string | null;
  notBefore?: string | null;
}

/** A credential already has an open run: the new plan was not saved. */
export class OpenRunConflict extends Error {
  override name = 'OpenRunConflict';
  constructor(readonly open: RunRecord) {
    super(`run ${open.id} is open for ${open.credentialId}`);
  }
}

export interface PlaybookStore {
  /**
   * Stores the plan and one pending journal row per step — unless the credential already has
   * an open run (then OpenRunConflict; checked and inserted atomically, so two processes
   * cannot both succeed).
   */
  createRun(plan: Plan, now: string): Promise<number>;
  getRun(id: number): Promise<RunRecord | null>;
  listRuns(filter?: { open?: boolean }): Promise<RunRecord[]>;
  /** The credential's open run (the oldest, should a catalog from before 0.2 hold several). */
  openRunFor(credentialId: string): Promise<RunRecord | null>;
  /** Every other open run of the same credential (only catalogs from before 0.2 have any). */
  otherOpenRuns(run: RunRecord): Promise<RunRecord[]>;
  /**
   * Waiting runs with something to do now: a delayed step whose time has come, or a cut-over
   * that may finish early (its new credential may be in use by now).
   */
  dueRuns(now: string): Promise<number[]>;
  steps(runId: number): Promise<JournalStep[]>;
  setRunStatus(
    runId: number,
    status: RunStatus,
    now: string,
    error?: string | null,
    audit?: NewAudit,
  ): Promise<void>;
  /**
   * Takes the run for this process; returns the holder that has it instead (null: taken).
   * SQLite: refused while a live process on this host holds it, a dead holder is replaced.
   * PostgreSQL: a session lock on the run, so one process on any machine; it ends with the
   * holder's connection (killed, crashed), `isAlive` is not needed.
   */
  claim(
    runId: number,
    holder: string,
    isAlive: (holder: string) => boolean,
  ): Promise<string | null>;
  release(runId: number, holder: string): Promise<void>;
  /** One journal write: the step's new state (and its audit entry) in one transaction. */
  updateStep(
    runId: number,
    seq: number,
    u: StepUpdate,
    now: string,
    audit?: NewAudit,
  ): Promise<void>;
  appendAudit(entry: NewAudit): Promise<AuditEntry>;
  audit(): Promise<AuditEntry[]>;
  addAnchor(a: AuditAnchor): Promise<void>;
  anchors(): Promise<AuditAnchor[]>;
}

/* ----- rows and entries, as both backends store them ----- */

export interface RunRow {
  id: number;
  kind: string;
  created_at: string;
  updated_at: string;
  status: string;
  plan_json: string;
  provider: string;
  credential_id: string;
  sink: string | null;
  error: string | null;
}

export interface StepRow {
  run_id: number;
  seq: number;
  action: string;
  status: string;
  intent_json: string | null;
  result_json: string | null;
  request_id: string | null;
  started_at: string | null;
  finished_at: string | null;
  not_before: string | null;
}

export interface AuditRow {
  seq: number;
  at: string;
  actor: string;
  run_id: number | null;
  step: number | null;
  action: string;
  result: string;
  detail_json: string;
  prev_hash: string;
  alg: string | null;
  key_id: string | null;
  hash: string;
}

export interface AnchorRow {
  at: string;
  kind: string;
  entries: number;
  head: string;
  key_id: string;
  mac: string;
}

export function toRun(r: RunRow): RunRecord {
  return {
    id: r.id,
    kind: r.kind as RunRecord['kind'],
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    status: r.status as RunStatus,
    plan: JSON.parse(r.plan_json) as Plan,
    provider: r.provider as RunRecord['provider'],
    credentialId: r.credential_id,
    sink: r.sink,
    error: r.error,
  };
}

export function toStep(r: StepRow): JournalStep {
  return {
    runId: r.run_id,
    seq: r.seq,
    action: r.action as JournalStep['action'],
    status: r.status as StepStatus,
    intent: r.intent_json ? (JSON.parse(r.intent_json) as Record<string, unknown>) : null,
    result: r.result_json ? (JSON.parse(r.result_json) as Record<string, unknown>) : null,
    requestId: r.request_id,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    notBefore: r.not_before,
  };
}

export function toAudit(r: AuditRow): AuditEntry {
  return {
    seq: r.seq,
    at: r.at,
    actor: r.actor,
    runId: r.run_id,
    step: r.step,
    action: r.action,
    result: r.result,
    detail: JSON.parse(r.detail_json) as Record<string, unknown>,
    prevHash: r.prev_hash,
    // Entries from before the log was keyed carry neither field (their hash never covered them).
    ...(r.alg === 'hmac-sha256' ? { alg: 'hmac-sha256' as const, keyId: r.key_id } : {}),
    hash: r.hash,
  };
}

export function toAnchor(r: AnchorRow): AuditAnchor {
  return {
    at: r.at,
    kind: r.kind as AuditAnchor['kind'],
    entries: r.entries,
    head: r.head,
    keyId: r.key_id,
    mac: r.mac,
  };
}

/** The entry that follows the chain's head (`last`; none: the genesis), keyed with `key`. */
export function nextAuditEntry(
  e: NewAudit,
  last: { seq: number; hash: string } | undefined,
  key: AuditKey,
): AuditEntry {
  const draft: Omit<AuditEntry, 'hash'> = {
    seq: (last?.seq ?? 0) + 1,
    at: e.at,
    actor: e.actor,
    runId: e.runId,
    step: e.step,
    action: e.action,
    result: e.result,
    detail: e.detail ?? {},
    prevHash: last?.hash ?? GENESIS_HASH,
    alg: 'hmac-sha256',
    keyId: key.id,
  };
  return { ...draft, hash: auditHash(draft, key) };
}

/** An entry's columns in audit_log's insert order. */
export function auditValues(e: AuditEntry): unknown[] {
  return [
    e.seq,
    e.at,
    e.actor,
    e.runId,
    e.step,
    e.action,
    e.result,
    JSON.stringify(e.detail),
    e.prevHash,
    e.alg,
    e.keyId,
    e.hash,
  ];
}

export const AUDIT_COLUMNS =
  'seq, at, actor, run_id, step, action, result, detail_json, prev_hash, alg, key_id, hash';

/** The journal columns a step update sets (fixed names), with their bound values. */
export function stepAssignments(u: StepUpdate): [column: string, value: unknown][] {
  const out: [string, unknown][] = [['status', u.status]];
  const col = (key: keyof StepUpdate, column: string, json = false): void => {
    const v = u[key];
    if (v === undefined) return;
    out.push([column, json && v !== null ? JSON.stringify(v) : v]);
  };
  col('intent', 'intent_json', true);
  col('result', 'result_json', true);
  col('requestId', 'request_id');
  col('startedAt', 'started_at');
  col('finishedAt', 'finished_at');
  col('notBefore', 'not_before');
  return out;
}

export const NO_SIGNER =
  'audit entries need the audit key (the playbook store was opened without a signer)';
