/**
 * The playbook store on PostgreSQL, for playbooks run from many processes and machines against
 * one catalog. Each write is one transaction, committed before its promise resolves. Advisory
 * locks (schema.ts) stand in for SQLite's whole-file write lock where two processes could
 * otherwise both succeed: planning a credential's one open run, appending to the audit chain
 * (every appender waits for the head, so the chain never forks and no entry is lost), and
 * applying a run (a session lock: held by one connection, gone when it is — a killed or
 * crashed holder on any machine frees the run at once, with no liveness guess).
 */
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
import { Params, type PgDb } from './db.js';
import { AUDIT_LOCKS, CREDENTIAL_LOCKS, RUN_LOCKS } from './schema.js';

const OPEN = OPEN_RUN_STATUSES.map((s) => `'${s}'`).join(', ');

export class PgPlaybookStore implements PlaybookStore {
  /** Runs this connection holds the session lock of (a lock taken twice must be freed twice). */
  private readonly held = new Set<number>();

  constructor(
    private readonly db: PgDb,
    private readonly signer?: AuditSigner,
  ) {}

  async createRun(plan: Plan, now: string): Promise<number> {
    return this.db.tx(async () => {
      await this.db.rows(`SELECT pg_advisory_xact_lock($1, hashtext($2))`, [
        CREDENTIAL_LOCKS,
        plan.credentialId,
      ]);
      const open = await this.openRunFor(plan.credentialId);
      if (open) throw new OpenRunConflict(open);
      const [r] = await this.db.rows<{ id: number }>(
        `INSERT INTO playbook_runs (kind, created_at, updated_at, status, plan_json, provider, credential_id, sink)
         VALUES ($1, $2, $2, 'planned', $3, $4, $5, $6) RETURNING id`,
        [
          plan.kind,
          now,
          JSON.stringify(plan),
          plan.provider,
          plan.credentialId,
          plan.sink?.raw ?? null,
        ],
      );
      const runId = r!.id;
      await this.db.rows(
        `INSERT INTO playbook_steps (run_id, seq, action, status)
         SELECT $1, s.seq, s.action, 'pending' FROM unnest($2::int[], $3::text[]) AS s(seq, action)`,
        [runId, plan.steps.map((s) => s.seq), plan.steps.map((s) => s.action)],
      );
      return runId;
    });
  }

  async getRun(id: number): Promise<RunRecord | null> {
    const r = await this.db.one<RunRow>('SELECT * FROM playbook_runs WHERE id = $1', [id]);
    return r ? toRun(r) : null;
  }

  async listRuns(filter: { open?: boolean } = {}): Promise<RunRecord[]> {
    const where = filter.open ? `WHERE status IN (${OPEN})` : '';
    const rows = await this.db.rows<RunRow>(`SELECT * FROM playbook_runs ${where} ORDER BY id`);
    return rows.map(toRun);
  }

  async openRunFor(credentialId: string): Promise<RunRecord | null> {
    const r = await this.db.one<RunRow>(
      `SELECT * FROM playbook_runs WHERE credential_id = $1 AND status IN (${OPEN}) ORDER BY id LIMIT 1`,
      [credentialId],
    );
    return r ? toRun(r) : null;
  }

  async otherOpenRuns(run: RunRecord): Promise<RunRecord[]> {
    const rows = await this.db.rows<RunRow>(
      `SELECT * FROM playbook_runs WHERE credential_id = $1 AND id <> $2 AND status IN (${OPEN}) ORDER BY id`,
      [run.credentialId, run.id],
    );
    return rows.map(toRun);
  }

  async dueRuns(now: string): Promise<number[]> {
    const rows = await this.db.rows<{ id: number }>(
      `SELECT DISTINCT r.id FROM playbook_runs r JOIN playbook_steps s ON s.run_id = r.id
       WHERE r.status = 'waiting' AND s.status = 'pending' AND s.not_before IS NOT NULL
         AND (s.not_before <= $1 OR s.action = 'cutover')
       ORDER BY r.id`,
      [now],
    );
    return rows.map((r) => r.id);
  }

  async steps(runId: number): Promise<JournalStep[]> {
    const rows = await this.db.rows<StepRow>(
      'SELECT * FROM playbook_steps WHERE run_id = $1 ORDER BY seq',
      [runId],
    );
    return rows.map(toStep);
  }

  async setRunStatus(
    runId: number,
    status: RunStatus,
    now: string,
    error: string | null = null,
    audit?: NewAudit,
  ): Promise<void> {
    const entry = await this.db.tx(async () => {
      await this.db.rows(
        'UPDATE playbook_runs SET status = $1, updated_at = $2, error = $3 WHERE id = $4',
        [status, now, error, runId],
      );
      return audit ? this.appendAuditInTx(audit) : null;
    });
    if (entry) this.signer?.appended?.(entry);
  }

  /** `isAlive` is SQLite's: here the lock's own connection says whether its holder lives. */
  async claim(runId: number, holder: string): Promise<string | null> {
    if (!this.held.has(runId)) {
      const [lock] = await this.db.rows<{ ok: boolean }>(
        'SELECT pg_try_advisory_lock($1, $2::int) AS ok',
        [RUN_LOCKS, runId],
      );
      if (!lock!.ok) {
        const r = await this.db.one<{ holder: string | null }>(
          'SELECT holder FROM playbook_runs WHERE id = $1',
          [runId],
        );
        return r?.holder ?? 'another process';
      }
      this.held.add(runId);
    }
    // Who holds it, for the loser's message (the lock, not this column, decides).
    await this.db.rows('UPDATE playbook_runs SET holder = $1 WHERE id = $2', [holder, runId]);
    return null;
  }

  async release(runId: number, holder: string): Promise<void> {
    await this.db.rows('UPDATE playbook_runs SET holder = NULL WHERE id = $1 AND holder = $2', [
      runId,
      holder,
    ]);
    if (this.held.delete(runId))
      await this.db.rows('SELECT pg_advisory_unlock($1, $2::int)', [RUN_LOCKS, runId]);
  }

  async updateStep(
    runId: number,
    seq: number,
    u: StepUpdate,
    now: string,
    audit?: NewAudit,
  ): Promise<void> {
    const p = new Params();
    // Column names come from the fixed list in stepAssignments; values are bound parameters.
    const sets = stepAssignments(u).map(([c, v]) => `${c} = ${p.add(v)}`);
    const entry = await this.db.tx(async () => {
      await this.db.rows(
        `UPDATE playbook_steps SET ${sets.join(', ')} WHERE run_id = ${p.add(runId)} AND seq = ${p.add(seq)}`,
        p.values,
      );
      await this.db.rows('UPDATE playbook_runs SET updated_at = $1 WHERE id = $2', [now, runId]);
      return audit ? this.appendAuditInTx(audit) : null;
    });
    if (entry) this.signer?.appended?.(entry);
  }

  async appendAudit(entry: NewAudit): Promise<AuditEntry> {
    const e = await this.db.tx(() => this.appendAuditInTx(entry));
    this.signer?.appended?.(e);
    return e;
  }

  /**
   * Inside a transaction: waits for the chain's head (held to commit), then links the entry
   * to it. Read committed: the head read after the lock is the last committed appender's.
   */
  private async appendAuditInTx(e: NewAudit): Promise<AuditEntry> {
    if (!this.signer) throw new Error(NO_SIGNER);
    const key = this.signer.key();
    await this.db.rows('SELECT pg_advisory_xact_lock($1, 0)', [AUDIT_LOCKS]);
    const last = await this.db.one<{ seq: number; hash: string }>(
      'SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1',
    );
    const entry = nextAuditEntry(e, last, key);
    const values = auditValues(entry);
    await this.db.rows(
      `INSERT INTO audit_log (${AUDIT_COLUMNS}) VALUES (${values.map((_, i) => `$${i + 1}`).join(', ')})`,
      values,
    );
    return entry;
  }

  async audit(): Promise<AuditEntry[]> {
    return (await this.db.rows<AuditRow>('SELECT * FROM audit_log ORDER BY seq')).map(toAudit);
  }

  async addAnchor(a: AuditAnchor): Promise<void> {
    await this.db.rows(
      'INSERT INTO audit_anchors (at, kind, entries, head, key_id, mac) VALUES ($1, $2, $3, $4, $5, $6)',
      [a.at, a.kind, a.entries, a.head, a.keyId, a.mac],
    );
  }

  async anchors(): Promise<AuditAnchor[]> {
    const rows = await this.db.rows<AnchorRow>(
      'SELECT at, kind, entries, head, key_id, mac FROM audit_anchors ORDER BY id',
    );
    return rows.map(toAnchor);
  }
}
