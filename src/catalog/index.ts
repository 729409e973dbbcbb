/**
 * The catalog: the only module that talks to SQLite. Everything above it sees model records.
 */
import type {
  Finding,
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
import { openDatabase, SCHEMA_VERSION, type Db } from './open.js';
import { currentHolder, holderAlive } from './holder.js';
import { READABLE_RUN_STATUSES } from '../model/index.js';
import { prepareScopeWriter, type ScopeWriteStats } from './write-scope.js';
import {
  CREDENTIAL_SELECT,
  GRANT_SELECT,
  toCredential,
  toGap,
  toGrant,
  toIdentity,
} from './rows.js';

export { CatalogError } from './errors.js';
export { SCHEMA_VERSION };
export type { ScopeWriteStats };

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

export interface Snapshot {
  run: ScanRun;
  identities: StoredIdentity[];
  credentials: StoredCredential[];
  grants: StoredGrant[];
  gaps: StoredGap[];
}

export interface ChangeRecord {
  runId: number;
  field: string;
  oldValue: string | null;
  newValue: string | null;
}

export interface StoredScore {
  subjectId: string;
  subjectKind: 'credential' | 'identity';
  score: number;
  band: string;
  contributions: unknown[];
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

type Row = Record<string, unknown>;

function toRun(r: Row): ScanRun {
  return {
    id: Number(r.id),
    startedAt: String(r.started_at),
    finishedAt: r.finished_at === null ? null : String(r.finished_at),
    status: r.status as ScanRun['status'],
    demo: r.demo === 1,
  };
}

const READABLE = READABLE_RUN_STATUSES.map((s) => `'${s}'`).join(', ');

/** Present as of run R: seen by then and not removed by then. */
const presentAt = (t: string): string =>
  `${t}.first_seen_run <= @run AND (${t}.removed_run IS NULL OR ${t}.removed_run > @run)`;

export class Catalog {
  readonly db: Db;
  private writer: ReturnType<typeof prepareScopeWriter> | undefined;

  constructor(
    readonly path: string,
    opts: { readonly?: boolean } = {},
  ) {
    this.db = openDatabase(path, opts);
    // A scan killed mid-way must not look 'running' forever (nor be compared against).
    this.abandonDeadRuns(new Date());
  }

  close(): void {
    this.db.close();
  }

  /* ----- scan runs ----- */

  beginRun(init: { providers: ProviderId[]; demo: boolean; version: string; now: Date }): number {
    this.abandonDeadRuns(init.now);
    const r = this.db
      .prepare(
        `INSERT INTO scan_runs (started_at, status, demo, providers, nhi_version, holder) VALUES (?, 'running', ?, ?, ?, ?)`,
      )
      .run(
        init.now.toISOString(),
        init.demo ? 1 : 0,
        init.providers.join(','),
        init.version,
        currentHolder(),
      );
    return Number(r.lastInsertRowid);
  }

  finishRun(runId: number, status: ScanRun['status'], now: Date): void {
    this.db
      .prepare(`UPDATE scan_runs SET status = ?, finished_at = ?, holder = NULL WHERE id = ?`)
      .run(status, now.toISOString(), runId);
  }

  /**
   * Marks runs whose scanning process died (killed, crashed, machine rebooted) as aborted, so
   * no view waits for them or compares against them. Returns the run ids it marked.
   */
  abandonDeadRuns(now: Date): number[] {
    const running = this.db
      .prepare(`SELECT id, holder FROM scan_runs WHERE status = 'running'`)
      .all() as { id: number; holder: string | null }[];
    const dead = running.filter((r) => !r.holder || !holderAlive(r.holder)).map((r) => r.id);
    const mark = this.db.prepare(
      `UPDATE scan_runs SET status = 'aborted', finished_at = ?, holder = NULL WHERE id = ? AND status = 'running'`,
    );
    for (const id of dead) mark.run(now.toISOString(), id);
    return dead;
  }

  /** Commits one scope's result in one transaction (inventory) or records its failure. */
  writeScope(runId: number, result: ScopeResult, durationMs: number): ScopeWriteStats | null {
    this.writer ??= prepareScopeWriter(this.db);
    if (result.kind === 'failure') {
      this.writer.writeFailure(runId, result, durationMs);
      return null;
    }
    return this.writer.writeInventory(runId, result, durationMs);
  }

  run(runId: number): ScanRun | null {
    const r = this.db.prepare(`SELECT * FROM scan_runs WHERE id = ?`).get(runId) as Row | undefined;
    return r ? toRun(r) : null;
  }

  /** The newest finished run that produced data (ok, partial, or interrupted after committing). */
  latestRun(): ScanRun | null {
    const r = this.db
      .prepare(`SELECT * FROM scan_runs WHERE status IN (${READABLE}) ORDER BY id DESC LIMIT 1`)
      .get() as Row | undefined;
    return r ? toRun(r) : null;
  }

  /** The finished run before `runId` (for diff and --new-only). */
  previousRun(runId: number): ScanRun | null {
    const r = this.db
      .prepare(
        `SELECT * FROM scan_runs WHERE status IN (${READABLE}) AND id < ? ORDER BY id DESC LIMIT 1`,
      )
      .get(runId) as Row | undefined;
    return r ? toRun(r) : null;
  }

  runs(limit = 20): ScanRun[] {
    return (
      this.db.prepare(`SELECT * FROM scan_runs ORDER BY id DESC LIMIT ?`).all(limit) as Row[]
    ).map(toRun);
  }

  scopesOfRun(runId: number): ScopeRunRecord[] {
    const rows = this.db
      .prepare(`SELECT * FROM scan_scopes WHERE run_id = ? ORDER BY provider, scope_id`)
      .all(runId) as Row[];
    return rows.map((r) => ({
      runId: Number(r.run_id),
      provider: r.provider as ProviderId,
      scopeId: String(r.scope_id),
      scopeName: String(r.scope_name),
      scopeKind: r.scope_kind as ScopeKind,
      status: r.status as ScopeRunRecord['status'],
      error: (r.error as string | null) ?? null,
      errorCode: (r.error_code as string | null) ?? null,
      identities: Number(r.identities),
      credentials: Number(r.credentials),
      grants: Number(r.grants),
      removed: Number(r.removed),
      gaps: Number(r.gaps),
      apiCalls: Number(r.api_calls),
      durationMs: Number(r.duration_ms),
    }));
  }

  /* ----- inventory reads ----- */

  /** Everything present as of a run (default: the latest), with the coverage gaps in force. */
  snapshot(runId?: number): Snapshot | null {
    const run = runId === undefined ? this.latestRun() : this.run(runId);
    if (!run) return null;
    const p = { run: run.id };
    const identities = (
      this.db
        .prepare(`SELECT * FROM identities i WHERE ${presentAt('i')} ORDER BY i.id`)
        .all(p) as Row[]
    ).map(toIdentity);
    const credentials = (
      this.db.prepare(`${CREDENTIAL_SELECT} WHERE ${presentAt('c')} ORDER BY c.id`).all(p) as Row[]
    ).map(toCredential);
    const grants = (
      this.db.prepare(`${GRANT_SELECT} WHERE ${presentAt('g')} ORDER BY g.id`).all(p) as Row[]
    ).map(toGrant);
    // Gaps come from each scope's latest successful scan up to this run: that is the data in force.
    const gaps = (
      this.db
        .prepare(
          `SELECT g.* FROM coverage_gaps g JOIN (
             SELECT provider, scope_id, max(run_id) AS run_id FROM scan_scopes
             WHERE status = 'ok' AND run_id <= @run GROUP BY provider, scope_id
           ) s ON s.provider = g.provider AND s.scope_id = g.scope_id AND s.run_id = g.run_id`,
        )
        .all(p) as Row[]
    ).map(toGap);
    return { run, identities, credentials, grants, gaps };
  }

  /** Every credential ever seen, removed ones included (`nhi list --removed`). */
  allCredentials(): StoredCredential[] {
    return (this.db.prepare(`${CREDENTIAL_SELECT} ORDER BY c.id`).all() as Row[]).map(toCredential);
  }

  allIdentities(): StoredIdentity[] {
    return (this.db.prepare(`SELECT * FROM identities ORDER BY id`).all() as Row[]).map(toIdentity);
  }

  identity(id: string): StoredIdentity | null {
    const r = this.db.prepare(`SELECT * FROM identities WHERE id = ?`).get(id) as Row | undefined;
    return r ? toIdentity(r) : null;
  }

  credentialsOfIdentity(identityId: string): StoredCredential[] {
    return (
      this.db
        .prepare(`${CREDENTIAL_SELECT} WHERE c.identity_id = ? ORDER BY c.created_at`)
        .all(identityId) as Row[]
    ).map(toCredential);
  }

  grantsOfIdentity(identityId: string): StoredGrant[] {
    return (
      this.db
        .prepare(`${GRANT_SELECT} WHERE g.identity_id = ? ORDER BY g.permission`)
        .all(identityId) as Row[]
    ).map(toGrant);
  }

  scopeOf(provider: ProviderId, scopeId: string): Scope {
    const r = this.db
      .prepare(
        `SELECT scope_name, scope_kind FROM scan_scopes WHERE provider = ? AND scope_id = ? ORDER BY run_id DESC LIMIT 1`,
      )
      .get(provider, scopeId) as Row | undefined;
    return {
      provider,
      id: scopeId,
      name: r ? String(r.scope_name) : scopeId,
      kind: (r?.scope_kind as ScopeKind) ?? 'account',
    };
  }

  private seenInDemo(runId: number): boolean {
    return this.run(runId)?.demo ?? false;
  }

  /**
   * Finds a credential or identity by short id (`c-…`, `i-…`, or a unique prefix of one) or by
   * the provider's external id (AKIA…, ARN, key id).
   */
  resolve(ref: string): Resolved | null {
    const credRow = this.db
      .prepare(
        `${CREDENTIAL_SELECT} WHERE c.id = @ref OR c.external_id = @ref ORDER BY c.last_seen_run DESC LIMIT 1`,
      )
      .get({ ref }) as Row | undefined;
    const idRow = credRow
      ? undefined
      : (this.db
          .prepare(
            `SELECT * FROM identities WHERE id = @ref OR external_id = @ref OR name = @ref ORDER BY last_seen_run DESC LIMIT 2`,
          )
          .all({ ref }) as Row[]);
    if (idRow && idRow.length > 1) return null;
    const cred = credRow;
    const ident = idRow?.[0];
    if (!cred && !ident && /^[ci]-[0-9a-f]{4,}$/.test(ref)) {
      const table = ref.startsWith('c-') ? 'credentials' : 'identities';
      const hits = this.db
        .prepare(`SELECT id FROM ${table} WHERE id LIKE ? LIMIT 2`)
        .all(`${ref}%`) as Row[];
      if (hits.length === 1) return this.resolve(String(hits[0]!.id));
    }
    if (cred) {
      const credential = toCredential(cred);
      const identity = this.identity(credential.identityId)!;
      return {
        kind: 'credential',
        credential,
        identity,
        scope: this.scopeOf(credential.provider, credential.scopeId),
        runDemo: this.seenInDemo(credential.lastSeenRun),
      };
    }
    if (ident) {
      const identity = toIdentity(ident);
      return {
        kind: 'identity',
        identity,
        scope: this.scopeOf(identity.provider, identity.scopeId),
        credentials: this.credentialsOfIdentity(identity.id),
        grants: this.grantsOfIdentity(identity.id),
        runDemo: this.seenInDemo(identity.lastSeenRun),
      };
    }
    return null;
  }

  history(subjectId: string): ChangeRecord[] {
    return (
      this.db
        .prepare(`SELECT * FROM changes WHERE subject_id = ? ORDER BY rowid`)
        .all(subjectId) as Row[]
    ).map((r) => ({
      runId: Number(r.run_id),
      field: String(r.field),
      oldValue: (r.old_value as string | null) ?? null,
      newValue: (r.new_value as string | null) ?? null,
    }));
  }

  /** Credentials first seen in, or removed by, a given run (for `nhi diff`). */
  credentialChanges(runId: number): { added: StoredCredential[]; removed: StoredCredential[] } {
    const q = (col: string) =>
      (
        this.db
          .prepare(`${CREDENTIAL_SELECT} WHERE c.${col} = ? ORDER BY c.provider, c.scope_id, c.id`)
          .all(runId) as Row[]
      ).map(toCredential);
    return { added: q('first_seen_run'), removed: q('removed_run') };
  }

  /** Field changes recorded in a run (status, last use, expiry, privilege…). */
  changesInRun(runId: number): (ChangeRecord & { subjectId: string })[] {
    return (
      this.db.prepare(`SELECT * FROM changes WHERE run_id = ? ORDER BY rowid`).all(runId) as Row[]
    ).map((r) => ({
      subjectId: String(r.subject_id),
      runId: Number(r.run_id),
      field: String(r.field),
      oldValue: (r.old_value as string | null) ?? null,
      newValue: (r.new_value as string | null) ?? null,
    }));
  }

  /* ----- findings and scores per run ----- */

  saveEvaluation(runId: number, findings: Finding[], scores: StoredScore[]): void {
    const insF = this.db
      .prepare(`INSERT OR REPLACE INTO findings (run_id, fingerprint, rule_id, severity, outcome,
      subject_id, provider, scope_id, points, finding_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    const insS = this.db
      .prepare(`INSERT OR REPLACE INTO scores (run_id, subject_id, subject_kind, score, band,
      contributions_json) VALUES (?, ?, ?, ?, ?, ?)`);
    this.db.transaction(() => {
      this.db.prepare(`DELETE FROM findings WHERE run_id = ?`).run(runId);
      this.db.prepare(`DELETE FROM scores WHERE run_id = ?`).run(runId);
      for (const f of findings) {
        insF.run(
          runId,
          f.fingerprint,
          f.ruleId,
          f.severity,
          f.outcome,
          f.subjectId,
          f.provider,
          f.scopeId,
          f.points,
          JSON.stringify(f),
        );
      }
      for (const s of scores) {
        insS.run(
          runId,
          s.subjectId,
          s.subjectKind,
          s.score,
          s.band,
          JSON.stringify(s.contributions),
        );
      }
    })();
  }

  hasEvaluation(runId: number): boolean {
    return (
      this.db.prepare(`SELECT 1 FROM scores WHERE run_id = ? LIMIT 1`).get(runId) !== undefined
    );
  }

  findings(runId: number): Finding[] {
    return (
      this.db
        .prepare(`SELECT finding_json FROM findings WHERE run_id = ? ORDER BY fingerprint`)
        .all(runId) as Row[]
    ).map((r) => JSON.parse(String(r.finding_json)) as Finding);
  }

  scores(runId: number): Map<string, StoredScore> {
    const rows = this.db.prepare(`SELECT * FROM scores WHERE run_id = ?`).all(runId) as Row[];
    return new Map(
      rows.map((r) => [
        String(r.subject_id),
        {
          subjectId: String(r.subject_id),
          subjectKind: r.subject_kind as 'credential' | 'identity',
          score: Number(r.score),
          band: String(r.band),
          contributions: JSON.parse(String(r.contributions_json)) as unknown[],
        },
      ]),
    );
  }
}

export function openCatalog(path: string, opts: { readonly?: boolean } = {}): Catalog {
  return new Catalog(path, opts);
}
