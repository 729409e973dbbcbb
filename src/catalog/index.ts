/**
 * The catalog: the only module that talks to a database. Scans and views use the asynchronous,
 * streaming `CatalogStore` interface (store.ts; `openStore`), which a second backend can
 * implement, playbooks included (`store.playbooks()`). `Catalog` is the SQLite backend's own
 * handle with synchronous accessors, kept for the tests that use them; `catalog.store()` gives
 * its interface.
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
import { READABLE, RUN_HEAD } from './run-groups.js';
import { entityId } from './ids.js';
import { prepareScopeWriter } from './write-scope.js';
import {
  CREDENTIAL_SELECT,
  GRANT_SELECT,
  toCredential,
  toGap,
  toGrant,
  toIdentity,
  toRun,
  toScopeRun,
} from './rows.js';
import type {
  Candidate,
  ChangeRecord,
  CatalogStore,
  Resolved,
  ScopeKey,
  ScopeRunRecord,
  ScopeWriteStats,
  StoredScore,
} from './store.js';
import { SqliteEvaluations, toFinding } from './sqlite/evaluations.js';
import { SqliteViews, presentAt } from './sqlite/views.js';
import { SqliteStore } from './sqlite/store.js';
import type { CheckAccess } from './check.js';
import { isPostgresLocation } from './postgres/location.js';

export { CatalogError } from './errors.js';
export { SCHEMA_VERSION };
export type * from './store.js';

export interface Snapshot {
  run: ScanRun;
  identities: StoredIdentity[];
  credentials: StoredCredential[];
  grants: StoredGrant[];
  gaps: StoredGap[];
}

type Row = Record<string, unknown>;

export class Catalog {
  readonly db: Db;
  private writer: ReturnType<typeof prepareScopeWriter> | undefined;
  private asStore: CatalogStore | undefined;
  /** Stored evaluations (SQL of findings and scores). */
  readonly evaluations: SqliteEvaluations;
  /** Inventory and view queries. */
  readonly views: SqliteViews;

  constructor(
    readonly path: string,
    opts: { readonly?: boolean } = {},
  ) {
    this.db = openDatabase(path, opts);
    this.evaluations = new SqliteEvaluations(this.db);
    this.views = new SqliteViews(this.db);
    // A scan killed mid-way must not look 'running' forever (nor be compared against).
    this.abandonDeadRuns(new Date());
  }

  close(): void {
    this.db.close();
  }

  /* ----- scan runs ----- */

  beginRun(init: {
    providers: ProviderId[];
    demo: boolean;
    version: string;
    now: Date;
    group?: string | null;
  }): number {
    this.abandonDeadRuns(init.now);
    const r = this.db
      .prepare(
        `INSERT INTO scan_runs (started_at, status, demo, providers, nhi_version, holder, run_group) VALUES (?, 'running', ?, ?, ?, ?, ?)`,
      )
      .run(
        init.now.toISOString(),
        init.demo ? 1 : 0,
        init.providers.join(','),
        init.version,
        currentHolder(),
        init.group ?? null,
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
      .prepare(
        `SELECT * FROM scan_runs r WHERE r.status IN (${READABLE}) AND ${RUN_HEAD} ORDER BY r.id DESC LIMIT 1`,
      )
      .get() as Row | undefined;
    return r ? toRun(r) : null;
  }

  /** The head of the run's group (itself without one), or null while the group still runs. */
  groupHead(runId: number): ScanRun | null {
    const r = this.db
      .prepare(
        `SELECT * FROM scan_runs r WHERE r.status IN (${READABLE}) AND ${RUN_HEAD}
           AND (r.id = @run OR r.run_group = (SELECT run_group FROM scan_runs WHERE id = @run))
         ORDER BY r.id DESC LIMIT 1`,
      )
      .get({ run: runId }) as Row | undefined;
    return r ? toRun(r) : null;
  }

  /** The finished run before `runId` (for diff and --new-only). */
  previousRun(runId: number): ScanRun | null {
    const r = this.db
      .prepare(
        `SELECT * FROM scan_runs r WHERE r.status IN (${READABLE}) AND r.id < @run AND ${RUN_HEAD}
           AND (r.run_group IS NULL OR r.run_group IS NOT (SELECT run_group FROM scan_runs WHERE id = @run))
         ORDER BY r.id DESC LIMIT 1`,
      )
      .get({ run: runId }) as Row | undefined;
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
    return rows.map(toScopeRun);
  }

  scopes(): Scope[] {
    const rows = this.db
      .prepare(
        `SELECT s.provider, s.scope_id, s.scope_name, s.scope_kind FROM scan_scopes s
         WHERE s.run_id = (SELECT MAX(t.run_id) FROM scan_scopes t
                           WHERE t.provider = s.provider AND t.scope_id = s.scope_id)
         ORDER BY s.provider, s.scope_id`,
      )
      .all() as Row[];
    return rows.map((r) => ({
      provider: r.provider as ProviderId,
      id: String(r.scope_id),
      name: String(r.scope_name),
      kind: r.scope_kind as ScopeKind,
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
    const gaps = this.gapsInForce(run.id);
    return { run, identities, credentials, grants, gaps };
  }

  /** Coverage gaps in force at a run: each scope's latest successful scan up to it. */
  gapsInForce(runId: number, scope?: ScopeKey): StoredGap[] {
    const one = scope ? ' AND provider = @provider AND scope_id = @scope' : '';
    return (
      this.db
        .prepare(
          `SELECT g.* FROM coverage_gaps g JOIN (
             SELECT provider, scope_id, max(run_id) AS run_id FROM scan_scopes
             WHERE status = 'ok' AND run_id <= @run${one} GROUP BY provider, scope_id
           ) s ON s.provider = g.provider AND s.scope_id = g.scope_id AND s.run_id = g.run_id
           ORDER BY g.provider, g.scope_id, g.rowid`,
        )
        .all(
          scope ? { run: runId, provider: scope.provider, scope: scope.scopeId } : { run: runId },
        ) as Row[]
    ).map(toGap);
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
   * Finds a credential or identity by short id (`c-…`, `i-…`, or a unique prefix of one), by
   * the provider's external id (AKIA…, ARN, key id) or by an identity's name. Short ids are
   * hashes of (provider, scope, external id), so an external id is looked up by the ids it
   * would have in each scanned scope: index lookups, not a scan of the tables.
   */
  resolve(ref: string): Resolved | null {
    const scopes = this.db
      .prepare(`SELECT DISTINCT provider, scope_id FROM scan_scopes WHERE scope_id <> '*'`)
      .all() as { provider: ProviderId; scope_id: string }[];
    const candidates = (prefix: 'c' | 'i') =>
      JSON.stringify([ref, ...scopes.map((s) => entityId(prefix, s.provider, s.scope_id, ref))]);
    const cred = this.db
      .prepare(
        `${CREDENTIAL_SELECT} WHERE c.id IN (SELECT value FROM json_each(?)) ORDER BY c.last_seen_run DESC LIMIT 1`,
      )
      .get(candidates('c')) as Row | undefined;
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
    let idRows = this.db
      .prepare(
        `SELECT * FROM identities WHERE id IN (SELECT value FROM json_each(?)) ORDER BY last_seen_run DESC LIMIT 2`,
      )
      .all(candidates('i')) as Row[];
    if (idRows.length === 0) {
      idRows = this.db
        .prepare(`SELECT * FROM identities WHERE name = ? ORDER BY last_seen_run DESC LIMIT 2`)
        .all(ref) as Row[];
    }
    if (idRows.length > 1) return null;
    const ident = idRows[0];
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
    if (/^[ci]-[0-9a-f]{4,}$/.test(ref)) {
      const table = ref.startsWith('c-') ? 'credentials' : 'identities';
      // A range on the primary key: every id starting with `ref` (ids are lowercase hex).
      const hits = this.db
        .prepare(`SELECT id FROM ${table} WHERE id > ? AND id < ? LIMIT 2`)
        .all(ref, `${ref}~`) as Row[];
      if (hits.length === 1) return this.resolve(String(hits[0]!.id));
    }
    return null;
  }

  /** What an ambiguous reference could mean: identities of that name, ids with that prefix. */
  candidates(ref: string): Candidate[] {
    const rows = this.db
      .prepare(
        `SELECT id, 'identity' AS kind, provider, scope_id, name, external_id FROM identities WHERE name = @ref
         UNION ALL SELECT id, 'identity', provider, scope_id, name, external_id FROM identities WHERE id > @ref AND id < @end
         UNION ALL SELECT id, 'credential', provider, scope_id, name, external_id FROM credentials WHERE id > @ref AND id < @end
         LIMIT 50`,
      )
      .all({ ref, end: `${ref}~` }) as Row[];
    return rows.map((r) => ({
      id: String(r.id),
      kind: r.kind as Candidate['kind'],
      provider: r.provider as ProviderId,
      scope: this.scopeOf(r.provider as ProviderId, String(r.scope_id)).name,
      name: r.name === null ? '' : String(r.name),
      externalId: String(r.external_id),
    }));
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

  /* ----- stored evaluations (SQLite accessors; views use the store) ----- */

  /** Whether the run has a complete stored evaluation. */
  hasEvaluation(runId: number): boolean {
    return this.evaluations.evaluation(runId) !== null;
  }

  /** The reported findings of the run's stored evaluation, canonical order. */
  findings(runId: number): Finding[] {
    const e = this.evaluations.evaluation(runId);
    if (!e) return [];
    return (
      this.db
        .prepare(
          `SELECT * FROM findings f WHERE f.evaluation_id = ? AND f.suppressed_by IS NULL
           ORDER BY f.rank DESC, f.provider, f.scope_id, f.identity_external_id, f.credential_external_id, f.rule_id, f.fingerprint`,
        )
        .all(e.id) as Row[]
    ).map(toFinding);
  }

  /** Every subject's score in the run's stored evaluation. */
  scores(runId: number): Map<string, StoredScore> {
    const e = this.evaluations.evaluation(runId);
    if (!e) return new Map();
    const rows = this.db.prepare(`SELECT * FROM scores WHERE evaluation_id = ?`).all(e.id) as Row[];
    return new Map(
      rows.map((r) => [
        String(r.subject_id),
        {
          subjectId: String(r.subject_id),
          subjectKind: r.subject_kind as 'credential' | 'identity',
          score: Number(r.score),
          band: String(r.band),
          contributions: JSON.parse(String(r.contributions_json)) as unknown[],
          ai: r.ai === 1,
        },
      ]),
    );
  }

  /** Read access for `nhi catalog check` (check.ts). */
  checkAccess(): CheckAccess {
    return {
      store: this.store(),
      backend: 'sqlite',
      all: (sql) => Promise.resolve(this.db.prepare(sql).all() as Row[]),
      versions: () => Promise.resolve([this.db.pragma('user_version', { simple: true }) as number]),
      foreignKeyProblems: () => {
        const broken = this.db.pragma('foreign_key_check') as { table: string; parent: string }[];
        const byTable = new Map<string, number>();
        for (const b of broken) {
          const k = `${b.table} → ${b.parent}`;
          byTable.set(k, (byTable.get(k) ?? 0) + 1);
        }
        return Promise.resolve(
          [...byTable].map(([k, n]) => `${n} row(s) break the foreign key ${k}`),
        );
      },
    };
  }

  /** The asynchronous, streaming interface over this catalog (same connection). */
  store(): CatalogStore {
    return (this.asStore ??= new SqliteStore(this));
  }
}

export function openCatalog(path: string, opts: { readonly?: boolean } = {}): Catalog {
  // Never a file named 'postgres:…': this handle is SQLite's own; both backends use openStore.
  if (isPostgresLocation(path))
    throw new Error(`openCatalog is SQLite's: open ${path} with openStore`);
  return new Catalog(path, opts);
}

/**
 * Opens the catalog at `location` through its interface: a postgres:// (postgresql://) URL
 * selects the PostgreSQL backend, anything else is an SQLite file path. Both answer every
 * query of the interface alike.
 */
export async function openStore(
  location: string,
  opts: { readonly?: boolean } = {},
): Promise<CatalogStore> {
  if (isPostgresLocation(location)) {
    const { PostgresStore } = await import('./postgres/store.js');
    return PostgresStore.open(location);
  }
  return new Catalog(location, opts).store();
}

export { isPostgresLocation };

/** Opens a catalog of either backend for `nhi catalog check`; the caller closes `store`. */
export async function openCheckAccess(location: string): Promise<CheckAccess> {
  if (isPostgresLocation(location)) {
    const { PostgresStore } = await import('./postgres/store.js');
    return (await PostgresStore.open(location)).checkAccess();
  }
  return new Catalog(location, { readonly: true }).checkAccess();
}
