/**
 * SQL for playbooks: runs, the step journal and the tamper-evident audit log. Every write
 * is its own transaction so a process killed at any instant leaves a consistent journal.
 * Audit entries are appended in the same transaction as the journal change they record.
 */
import type Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import type {
  AuditEntry,
  JournalStep,
  Plan,
  RunRecord,
  RunStatus,
  StepStatus,
} from '../playbooks/types.js';

type Db = Database.Database;

export const GENESIS_HASH = '0'.repeat(64);

/** JSON with object keys sorted at every level: the same entry always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

/** hash = sha256(prev_hash + canonical JSON of the entry without its hash). */
export function auditHash(entry: Omit<AuditEntry, 'hash'>): string {
  return createHash('sha256').update(entry.prevHash).update(canonicalJson(entry)).digest('hex');
}

export interface NewAudit {
  at: string;
  actor: string;
  runId: number | null;
  step: number | null;
  action: string;
  result: string;
  detail?: Record<string, unknown>;
}

interface RunRow {
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

interface StepRow {
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

interface AuditRow {
  seq: number;
  at: string;
  actor: string;
  run_id: number | null;
  step: number | null;
  action: string;
  result: string;
  detail_json: string;
  prev_hash: string;
  hash: string;
}

function toRun(r: RunRow): RunRecord {
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

function toStep(r: StepRow): JournalStep {
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

function toAudit(r: AuditRow): AuditEntry {
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
    hash: r.hash,
  };
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

export class PlaybookStore {
  constructor(private readonly db: Db) {}

  /** Stores the plan and one pending journal row per step. */
  createRun(plan: Plan, now: string): number {
    return this.db.transaction(() => {
      const info = this.db
        .prepare(
          `INSERT INTO playbook_runs (kind, created_at, updated_at, status, plan_json, provider, credential_id, sink)
           VALUES (?, ?, ?, 'planned', ?, ?, ?, ?)`,
        )
        .run(
          plan.kind,
          now,
          now,
          JSON.stringify(plan),
          plan.provider,
          plan.credentialId,
          plan.sink?.raw ?? null,
        );
      const runId = Number(info.lastInsertRowid);
      const ins = this.db.prepare(
        `INSERT INTO playbook_steps (run_id, seq, action, status) VALUES (?, ?, ?, 'pending')`,
      );
      for (const s of plan.steps) ins.run(runId, s.seq, s.action);
      return runId;
    })();
  }

  getRun(id: number): RunRecord | null {
    const r = this.db.prepare('SELECT * FROM playbook_runs WHERE id = ?').get(id) as
      RunRow | undefined;
    return r ? toRun(r) : null;
  }

  listRuns(): RunRecord[] {
    return (this.db.prepare('SELECT * FROM playbook_runs ORDER BY id').all() as RunRow[]).map(
      toRun,
    );
  }

  /** Runs waiting on a delayed step whose time has come. */
  dueRuns(now: string): number[] {
    const rows = this.db
      .prepare(
        `SELECT DISTINCT r.id FROM playbook_runs r JOIN playbook_steps s ON s.run_id = r.id
         WHERE r.status = 'waiting' AND s.status = 'pending' AND s.not_before IS NOT NULL AND s.not_before <= ?
         ORDER BY r.id`,
      )
      .all(now) as { id: number }[];
    return rows.map((r) => r.id);
  }

  steps(runId: number): JournalStep[] {
    return (
      this.db
        .prepare('SELECT * FROM playbook_steps WHERE run_id = ? ORDER BY seq')
        .all(runId) as StepRow[]
    ).map(toStep);
  }

  setRunStatus(
    runId: number,
    status: RunStatus,
    now: string,
    error: string | null = null,
    audit?: NewAudit,
  ): void {
    this.db.transaction(() => {
      this.db
        .prepare('UPDATE playbook_runs SET status = ?, updated_at = ?, error = ? WHERE id = ?')
        .run(status, now, error, runId);
      if (audit) this.appendAuditInTx(audit);
    })();
  }

  /**
   * Takes the run for this process. Refuses (returns the holder) while another live process on
   * this host holds it; a holder that died (killed, crashed) is simply replaced.
   */
  claim(runId: number, holder: string, isAlive: (holder: string) => boolean): string | null {
    return this.db
      .transaction(() => {
        const r = this.db.prepare('SELECT holder FROM playbook_runs WHERE id = ?').get(runId) as
          { holder: string | null } | undefined;
        if (r?.holder && r.holder !== holder && isAlive(r.holder)) return r.holder;
        this.db.prepare('UPDATE playbook_runs SET holder = ? WHERE id = ?').run(holder, runId);
        return null;
      })
      .immediate();
  }

  release(runId: number, holder: string): void {
    this.db
      .prepare('UPDATE playbook_runs SET holder = NULL WHERE id = ? AND holder = ?')
      .run(runId, holder);
  }

  /** One journal write: the step's new state (and its audit entry) in one transaction. */
  updateStep(runId: number, seq: number, u: StepUpdate, now: string, audit?: NewAudit): void {
    this.db.transaction(() => {
      const sets: string[] = ['status = @status'];
      const params: Record<string, unknown> = { runId, seq, status: u.status };
      const col = (key: keyof StepUpdate, column: string, json = false): void => {
        if (u[key] === undefined) return;
        sets.push(`${column} = @${key}`);
        const v = u[key];
        params[key] = json && v !== null ? JSON.stringify(v) : v;
      };
      col('intent', 'intent_json', true);
      col('result', 'result_json', true);
      col('requestId', 'request_id');
      col('startedAt', 'started_at');
      col('finishedAt', 'finished_at');
      col('notBefore', 'not_before');
      // Column names come from the fixed list above; values are bound parameters.
      this.db
        .prepare(
          `UPDATE playbook_steps SET ${sets.join(', ')} WHERE run_id = @runId AND seq = @seq`,
        )
        .run(params);
      this.db.prepare('UPDATE playbook_runs SET updated_at = ? WHERE id = ?').run(now, runId);
      if (audit) this.appendAuditInTx(audit);
    })();
  }

  appendAudit(entry: NewAudit): AuditEntry {
    return this.db.transaction(() => this.appendAuditInTx(entry))();
  }

  private appendAuditInTx(e: NewAudit): AuditEntry {
    const last = this.db
      .prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1')
      .get() as { seq: number; hash: string } | undefined;
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
    };
    const hash = auditHash(draft);
    this.db
      .prepare(
        `INSERT INTO audit_log (seq, at, actor, run_id, step, action, result, detail_json, prev_hash, hash)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        draft.seq,
        draft.at,
        draft.actor,
        draft.runId,
        draft.step,
        draft.action,
        draft.result,
        JSON.stringify(draft.detail),
        draft.prevHash,
        hash,
      );
    return { ...draft, hash };
  }

  audit(): AuditEntry[] {
    return (this.db.prepare('SELECT * FROM audit_log ORDER BY seq').all() as AuditRow[]).map(
      toAudit,
    );
  }
}

export interface AuditVerdict {
  ok: boolean;
  entries: number;
  /** The first entry whose chain does not hold, with why. */
  brokenAt: number | null;
  reason: string | null;
}

/** Recomputes the chain; works on the catalog's entries or on an exported JSON-lines file. */
export function verifyAuditChain(entries: AuditEntry[]): AuditVerdict {
  let prev = GENESIS_HASH;
  let expectedSeq = 1;
  for (const e of entries) {
    const { hash, ...rest } = e;
    if (e.seq !== expectedSeq) {
      return {
        ok: false,
        entries: entries.length,
        brokenAt: e.seq,
        reason: `entry ${expectedSeq} is missing`,
      };
    }
    if (e.prevHash !== prev) {
      return {
        ok: false,
        entries: entries.length,
        brokenAt: e.seq,
        reason: 'prev_hash does not match the entry before',
      };
    }
    if (auditHash(rest) !== hash) {
      return {
        ok: false,
        entries: entries.length,
        brokenAt: e.seq,
        reason: 'hash does not match the entry content',
      };
    }
    prev = hash;
    expectedSeq++;
  }
  return { ok: true, entries: entries.length, brokenAt: null, reason: null };
}
