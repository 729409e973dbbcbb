/**
 * SQL for playbooks: runs, the step journal and the tamper-evident audit log. Every write
 * is its own transaction so a process killed at any instant leaves a consistent journal.
 * Audit entries are appended in the same transaction as the journal change they record, each
 * keyed into the chain (audit-log.ts) with a key that lives outside the catalog.
 */
import type Database from 'better-sqlite3';
import {
  OPEN_RUN_STATUSES,
  type AuditAnchor,
  type AuditEntry,
  type JournalStep,
  type Plan,
  type RunRecord,
  type RunStatus,
  type StepStatus,
} from '../model/index.js';
import { auditHash, GENESIS_HASH, type AuditSigner } from './audit-log.js';

export { canonicalJson, GENESIS_HASH, verifyAuditChain } from './audit-log.js';
export type { AuditKey, AuditSigner, AuditVerdict } from './audit-log.js';

type Db = Database.Database;

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

interface AnchorRow {
  at: string;
  kind: string;
  entries: number;
  head: string;
  key_id: string;
  mac: string;
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

const OPEN = OPEN_RUN_STATUSES.map((s) => `'${s}'`).join(', ');

export class PlaybookStore {
  /** `signer` keys the audit chain; only needed by code that appends audit entries. */
  constructor(
    private readonly db: Db,
    private readonly signer?: AuditSigner,
  ) {}

  /**
   * Stores the plan and one pending journal row per step — unless the credential already has
   * an open run (checked and inserted in one immediate transaction, so two processes cannot
   * both succeed).
   */
  createRun(plan: Plan, now: string): number {
    return this.db
      .transaction(() => {
        const open = this.openRunFor(plan.credentialId);
        if (open) throw new OpenRunConflict(open);
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
      })
      .immediate();
  }

  getRun(id: number): RunRecord | null {
    const r = this.db.prepare('SELECT * FROM playbook_runs WHERE id = ?').get(id) as
      RunRow | undefined;
    return r ? toRun(r) : null;
  }

  listRuns(filter: { open?: boolean } = {}): RunRecord[] {
    const where = filter.open ? `WHERE status IN (${OPEN})` : '';
    return (
      this.db.prepare(`SELECT * FROM playbook_runs ${where} ORDER BY id`).all() as RunRow[]
    ).map(toRun);
  }

  /** The credential's open run (the oldest, should a catalog from before 0.2 hold several). */
  openRunFor(credentialId: string): RunRecord | null {
    const r = this.db
      .prepare(
        `SELECT * FROM playbook_runs WHERE credential_id = ? AND status IN (${OPEN}) ORDER BY id LIMIT 1`,
      )
      .get(credentialId) as RunRow | undefined;
    return r ? toRun(r) : null;
  }

  /** Every other open run of the same credential (only catalogs from before 0.2 have any). */
  otherOpenRuns(run: RunRecord): RunRecord[] {
    return (
      this.db
        .prepare(
          `SELECT * FROM playbook_runs WHERE credential_id = ? AND id <> ? AND status IN (${OPEN}) ORDER BY id`,
        )
        .all(run.credentialId, run.id) as RunRow[]
    ).map(toRun);
  }

  /**
   * Waiting runs with something to do now: a delayed step whose time has come, or a cut-over
   * that may finish early (its new credential may be in use by now).
   */
  dueRuns(now: string): number[] {
    const rows = this.db
      .prepare(
        `SELECT DISTINCT r.id FROM playbook_runs r JOIN playbook_steps s ON s.run_id = r.id
         WHERE r.status = 'waiting' AND s.status = 'pending' AND s.not_before IS NOT NULL
           AND (s.not_before <= ? OR s.action = 'cutover')
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
    const entry = this.db.transaction(() => {
      this.db
        .prepare('UPDATE playbook_runs SET status = ?, updated_at = ?, error = ? WHERE id = ?')
        .run(status, now, error, runId);
      return audit ? this.appendAuditInTx(audit) : null;
    })();
    if (entry) this.signer?.appended?.(entry);
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
    const entry = this.db.transaction(() => {
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
      return audit ? this.appendAuditInTx(audit) : null;
    })();
    if (entry) this.signer?.appended?.(entry);
  }

  appendAudit(entry: NewAudit): AuditEntry {
    const e = this.db.transaction(() => this.appendAuditInTx(entry)).immediate();
    this.signer?.appended?.(e);
    return e;
  }

  private appendAuditInTx(e: NewAudit): AuditEntry {
    if (!this.signer) throw new Error('audit entries need the audit key (PlaybookStore signer)');
    const key = this.signer.key();
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
      alg: 'hmac-sha256',
      keyId: key.id,
    };
    const hash = auditHash(draft, key);
    this.db
      .prepare(
        `INSERT INTO audit_log (seq, at, actor, run_id, step, action, result, detail_json, prev_hash, alg, key_id, hash)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
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
        draft.alg,
        draft.keyId,
        hash,
      );
    return { ...draft, hash };
  }

  audit(): AuditEntry[] {
    return (this.db.prepare('SELECT * FROM audit_log ORDER BY seq').all() as AuditRow[]).map(
      toAudit,
    );
  }

  addAnchor(a: AuditAnchor): void {
    this.db
      .prepare(
        'INSERT INTO audit_anchors (at, kind, entries, head, key_id, mac) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run(a.at, a.kind, a.entries, a.head, a.keyId, a.mac);
  }

  anchors(): AuditAnchor[] {
    return (
      this.db
        .prepare('SELECT at, kind, entries, head, key_id, mac FROM audit_anchors ORDER BY id')
        .all() as AnchorRow[]
    ).map((r) => ({
      at: r.at,
      kind: r.kind as AuditAnchor['kind'],
      entries: r.entries,
      head: r.head,
      keyId: r.key_id,
      mac: r.mac,
    }));
  }
}
