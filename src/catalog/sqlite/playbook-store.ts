/**
 * The playbook store on SQLite. better-sqlite3 commits synchronously, so each write is durable
 * by the time its promise resolves; immediate transactions keep a check and its insert (one
 * open run per credential, a claim, the audit chain's head) atomic across processes.
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
} from '../../model/index.js';
import type { AuditSigner } from '../audit-log.js';
import {
  AUDIT_COLUMNS,
  auditValues,
  nextAuditEntry,
  NO_SIGNER,
  OpenRunConflict,
  stepAssignments,
  toAnchor,
  toAudit,
  toRun,
  toStep,
  type AnchorRow,
  type AuditRow,
  type NewAudit,
  type PlaybookStore,
  type RunRow,
  type StepRow,
  type StepUpdate,
} from '../playbook-store.js';

type Db = Database.Database;

const OPEN = OPEN_RUN_STATUSES.map((s) => `'${s}'`).join(', ');

export class SqlitePlaybookStore implements PlaybookStore {
  /** `signer` keys the audit chain; only needed by code that appends audit entries. */
  constructor(
    private readonly db: Db,
    private readonly signer?: AuditSigner,
  ) {}

  async createRun(plan: Plan, now: string): Promise<number> {
    return this.db
      .transaction(() => {
        const open = this.openRun(plan.credentialId);
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

  async getRun(id: number): Promise<RunRecord | null> {
    const r = this.db.prepare('SELECT * FROM playbook_runs WHERE id = ?').get(id) as
      RunRow | undefined;
    return r ? toRun(r) : null;
  }

  async listRuns(filter: { open?: boolean } = {}): Promise<RunRecord[]> {
    const where = filter.open ? `WHERE status IN (${OPEN})` : '';
    const rows = this.db
      .prepare(`SELECT * FROM playbook_runs ${where} ORDER BY id`)
      .all() as RunRow[];
    return rows.map(toRun);
  }

  async openRunFor(credentialId: string): Promise<RunRecord | null> {
    return this.openRun(credentialId);
  }

  private openRun(credentialId: string): RunRecord | null {
    const r = this.db
      .prepare(
        `SELECT * FROM playbook_runs WHERE credential_id = ? AND status IN (${OPEN}) ORDER BY id LIMIT 1`,
      )
      .get(credentialId) as RunRow | undefined;
    return r ? toRun(r) : null;
  }

  async otherOpenRuns(run: RunRecord): Promise<RunRecord[]> {
    const rows = this.db
      .prepare(
        `SELECT * FROM playbook_runs WHERE credential_id = ? AND id <> ? AND status IN (${OPEN}) ORDER BY id`,
      )
      .all(run.credentialId, run.id) as RunRow[];
    return rows.map(toRun);
  }

  async dueRuns(now: string): Promise<number[]> {
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

  async steps(runId: number): Promise<JournalStep[]> {
    const rows = this.db
      .prepare('SELECT * FROM playbook_steps WHERE run_id = ? ORDER BY seq')
      .all(runId) as StepRow[];
    return rows.map(toStep);
  }

  async setRunStatus(
    runId: number,
    status: RunStatus,
    now: string,
    error: string | null = null,
    audit?: NewAudit,
  ): Promise<void> {
    const entry = this.db.transaction(() => {
      this.db
        .prepare('UPDATE playbook_runs SET status = ?, updated_at = ?, error = ? WHERE id = ?')
        .run(status, now, error, runId);
      return audit ? this.appendAuditInTx(audit) : null;
    })();
    if (entry) this.signer?.appended?.(entry);
  }

  async claim(
    runId: number,
    holder: string,
    isAlive: (holder: string) => boolean,
  ): Promise<string | null> {
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

  async release(runId: number, holder: string): Promise<void> {
    this.db
      .prepare('UPDATE playbook_runs SET holder = NULL WHERE id = ? AND holder = ?')
      .run(runId, holder);
  }

  async updateStep(
    runId: number,
    seq: number,
    u: StepUpdate,
    now: string,
    audit?: NewAudit,
  ): Promise<void> {
    const sets = stepAssignments(u);
    const entry = this.db.transaction(() => {
      // Column names come from the fixed list in stepAssignments; values are bound parameters.
      this.db
        .prepare(
          `UPDATE playbook_steps SET ${sets.map(([c]) => `${c} = ?`).join(', ')} WHERE run_id = ? AND seq = ?`,
        )
        .run(...sets.map(([, v]) => v), runId, seq);
      this.db.prepare('UPDATE playbook_runs SET updated_at = ? WHERE id = ?').run(now, runId);
      return audit ? this.appendAuditInTx(audit) : null;
    })();
    if (entry) this.signer?.appended?.(entry);
  }

  async appendAudit(entry: NewAudit): Promise<AuditEntry> {
    const e = this.db.transaction(() => this.appendAuditInTx(entry)).immediate();
    this.signer?.appended?.(e);
    return e;
  }

  private appendAuditInTx(e: NewAudit): AuditEntry {
    if (!this.signer) throw new Error(NO_SIGNER);
    const key = this.signer.key();
    const last = this.db
      .prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1')
      .get() as { seq: number; hash: string } | undefined;
    const entry = nextAuditEntry(e, last, key);
    this.db
      .prepare(
        `INSERT INTO audit_log (${AUDIT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(...auditValues(entry));
    return entry;
  }

  async audit(): Promise<AuditEntry[]> {
    const rows = this.db.prepare('SELECT * FROM audit_log ORDER BY seq').all() as AuditRow[];
    return rows.map(toAudit);
  }

  async addAnchor(a: AuditAnchor): Promise<void> {
    this.db
      .prepare(
        'INSERT INTO audit_anchors (at, kind, entries, head, key_id, mac) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run(a.at, a.kind, a.entries, a.head, a.keyId, a.mac);
  }

  async anchors(): Promise<AuditAnchor[]> {
    const rows = this.db
      .prepare('SELECT at, kind, entries, head, key_id, mac FROM audit_anchors ORDER BY id')
      .all() as AnchorRow[];
    return rows.map(toAnchor);
  }
}
