/**
 * The PostgreSQL backend of the catalog interface (team catalogs: many scanners, one
 * database). What it implements: runs, scope writes (one transaction per scope, guarded by a
 * per-scope advisory lock so two scanners of one scope never interleave) and the run records
 * a scan reports from; stored evaluations and every view query (evaluations.ts, views.ts,
 * posture.ts), the same answers as SQLite's in the same order.
 */
import pg from 'pg';
import type {
  ProviderId,
  ScanRun,
  ScopeFailure,
  ScopeInventory,
  ScopeResult,
} from '../../model/index.js';
import { currentHolder, holderAlive } from '../holder.js';
import { entityId } from '../ids.js';
import { toGap, toScopeRun } from '../rows.js';
import type {
  CatalogStore,
  DiffField,
  FindingGroupKey,
  FindingQuery,
  PostureQuery,
  PruneRequest,
  RunWindow,
  SubjectKind,
  SubjectQuery,
  PresentScope,
  ScopeKey,
  ScopeRunRecord,
  ScopeWriteStats,
} from '../store.js';
import { connect, redacted } from './connect.js';
import type { CheckAccess } from '../check.js';
import { PgDb } from './db.js';
import { PgHousekeeping } from './housekeeping.js';
import { PgEvaluations } from './evaluations.js';
import { PgPosture } from './posture.js';
import { READABLE, RUN_HEAD, toRun } from './runs.js';
import { PgViews } from './views.js';
import { PgPlaybookStore } from './playbook-store.js';
import type { AuditSigner } from '../audit-log.js';
import { LOCK_NAMESPACE, migrate } from './schema.js';

// BIGINT ids and counts fit a JS number; pg would return them as strings.
pg.types.setTypeParser(20, (v) => Number(v));

type Row = Record<string, unknown>;

/** Rows per INSERT statement: one round trip each, well under PostgreSQL's parameter limits. */
const CHUNK = 1000;

/** A scope another scanner is writing right now: the loser records it failed, with this code. */
export const SCOPE_LOCKED = 'ScopeLocked';

const json = (v: unknown): string => JSON.stringify(v ?? {});
const bool = (b: boolean): number => (b ? 1 : 0);

/**
 * The rows in statements of CHUNK, each external id once with its last copy: an inventory that
 * repeats a row (a provider listing it twice) keeps the later one, as on SQLite, where one
 * statement with both would fail ("ON CONFLICT DO UPDATE command cannot affect row a second time").
 */
function chunks<T extends { externalId: string }>(rows: readonly T[]): T[][] {
  const unique = [...new Map(rows.map((r) => [r.externalId, r])).values()];
  const out: T[][] = [];
  for (let i = 0; i < unique.length; i += CHUNK) out.push(unique.slice(i, i + CHUNK));
  return out;
}

const IDENTITY_COLS = `id text, provider text, scope_id text, scope_name text, external_id text, kind text,
  name text, owner text, created_at text, last_used_at text, last_used_known int, tags_json text,
  attributes_json text`;
const CREDENTIAL_COLS = `id text, provider text, scope_id text, scope_name text, external_id text,
  identity_id text, type text, name text, status text, created_at text, expires_at text,
  last_used_at text, last_used_known int, attributes_json text`;
const GRANT_COLS = `id text, provider text, scope_id text, scope_name text, external_id text,
  identity_id text, credential_id text, permission text, resource text, privilege text, source text,
  granted_at text, last_used_at text, last_used_known int, attributes_json text`;

/** An upsert of a JSON array of rows: one statement per chunk, not one per row. */
function upsertSql(table: string, cols: string, updates: string[]): string {
  const names = cols.split(',').map((c) => c.trim().split(/\s+/)[0]!);
  return `INSERT INTO ${table} (${names.join(', ')}, first_seen_run, last_seen_run, removed_run)
    SELECT ${names.map((n) => `r.${n}`).join(', ')}, $2, $2, NULL
    FROM jsonb_to_recordset($1::jsonb) AS r(${cols})
    ON CONFLICT (id) DO UPDATE SET ${[...updates, 'last_seen_run', 'removed_run']
      .map((c) => `${c} = excluded.${c}`)
      .join(', ')}`;
}

const UPSERT_IDENTITIES = upsertSql('identities', IDENTITY_COLS, [
  'scope_name',
  'kind',
  'name',
  'owner',
  'created_at',
  'last_used_at',
  'last_used_known',
  'tags_json',
  'attributes_json',
]);
const UPSERT_CREDENTIALS = upsertSql('credentials', CREDENTIAL_COLS, [
  'scope_name',
  'identity_id',
  'type',
  'name',
  'status',
  'created_at',
  'expires_at',
  'last_used_at',
  'last_used_known',
  'attributes_json',
]);
const UPSERT_GRANTS = upsertSql('grants', GRANT_COLS, [
  'scope_name',
  'identity_id',
  'credential_id',
  'permission',
  'resource',
  'privilege',
  'source',
  'granted_at',
  'last_used_at',
  'last_used_known',
  'attributes_json',
]);

const UPSERT_SCOPE = `INSERT INTO scan_scopes (run_id, provider, scope_id, scope_name, scope_kind,
    status, error, error_code, identities, credentials, grants, removed, gaps, api_calls, duration_ms)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
  ON CONFLICT (run_id, provider, scope_id) DO UPDATE SET scope_name = excluded.scope_name,
    scope_kind = excluded.scope_kind, status = excluded.status, error = excluded.error,
    error_code = excluded.error_code, identities = excluded.identities,
    credentials = excluded.credentials, grants = excluded.grants, removed = excluded.removed,
    gaps = excluded.gaps, api_calls = excluded.api_calls, duration_ms = excluded.duration_ms`;

export class PostgresStore implements CatalogStore {
  private readonly db: PgDb;
  private readonly evaluations: PgEvaluations;
  private readonly views: PgViews;
  private readonly posture: PgPosture;
  private readonly housekeeping: PgHousekeeping;

  private constructor(
    private readonly client: pg.Client,
    readonly location: string,
    url: string,
  ) {
    this.db = new PgDb(client, url);
    this.evaluations = new PgEvaluations(this.db);
    this.views = new PgViews(this.db);
    this.posture = new PgPosture(this.db);
    this.housekeeping = new PgHousekeeping(this.db);
  }

  static async open(location: string): Promise<PostgresStore> {
    const where = redacted(location);
    const client = await connect(location);
    try {
      await migrate(client, where);
      const store = new PostgresStore(client, where, location);
      await store.abandonDeadRuns(new Date());
      return store;
    } catch (err) {
      await client.end().catch(() => {});
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.db.close();
  }

  private async rows<T = Row>(sql: string, params: unknown[] = []): Promise<T[]> {
    return (await this.client.query(sql, params)).rows as T[];
  }

  /* ----- runs ----- */

  async beginRun(init: Parameters<CatalogStore['beginRun']>[0]): Promise<number> {
    await this.abandonDeadRuns(init.now);
    const [r] = await this.rows<{ id: number }>(
      `INSERT INTO scan_runs (started_at, status, demo, providers, nhi_version, holder, run_group)
       VALUES ($1, 'running', $2, $3, $4, $5, $6) RETURNING id`,
      [
        init.now.toISOString(),
        bool(init.demo),
        init.providers.join(','),
        init.version,
        currentHolder(),
        init.group ?? null,
      ],
    );
    return r!.id;
  }

  async finishRun(runId: number, status: ScanRun['status'], now: Date): Promise<void> {
    await this.client.query(
      `UPDATE scan_runs SET status = $1, finished_at = $2, holder = NULL WHERE id = $3`,
      [status, now.toISOString(), runId],
    );
  }

  /** Runs whose scanner died on this host are marked aborted (other hosts' are presumed alive). */
  async abandonDeadRuns(now: Date): Promise<number[]> {
    const running = await this.rows<{ id: number; holder: string | null }>(
      `SELECT id, holder FROM scan_runs WHERE status = 'running'`,
    );
    const dead = running.filter((r) => !r.holder || !holderAlive(r.holder)).map((r) => r.id);
    if (dead.length) {
      await this.client.query(
        `UPDATE scan_runs SET status = 'aborted', finished_at = $1, holder = NULL
         WHERE id = ANY($2::bigint[]) AND status = 'running'`,
        [now.toISOString(), dead],
      );
    }
    return dead;
  }

  async writeScope(
    runId: number,
    result: ScopeResult,
    durationMs: number,
  ): Promise<ScopeWriteStats | null> {
    const { provider, id: scopeId } = result.scope;
    await this.client.query('BEGIN');
    try {
      // Held to the end of this transaction; a second scanner of the scope does not wait (it
      // could only write the same scope again, interleaved): it records the scope as failed.
      const [lock] = await this.rows<{ ok: boolean }>(
        `SELECT pg_try_advisory_xact_lock($1, hashtext($2)) AS ok`,
        [LOCK_NAMESPACE, `${provider}/${scopeId}`],
      );
      if (!lock!.ok) {
        await this.client.query('ROLLBACK');
        await this.writeFailure(
          runId,
          {
            kind: 'failure',
            scope: result.scope,
            error: `another nhi scan is writing ${provider} scope ${scopeId} to this catalog right now: this run left it unchanged`,
            code: SCOPE_LOCKED,
            apiCalls: result.apiCalls,
          },
          durationMs,
        );
        return null;
      }
      const stats =
        result.kind === 'failure'
          ? (await this.writeFailure(runId, result, durationMs), null)
          : await this.writeInventory(runId, result, durationMs);
      await this.client.query('COMMIT');
      return stats;
    } catch (err) {
      await this.client.query('ROLLBACK').catch(() => {});
      throw err;
    }
  }

  private async writeFailure(runId: number, f: ScopeFailure, durationMs: number): Promise<void> {
    await this.client.query(UPSERT_SCOPE, [
      runId,
      f.scope.provider,
      f.scope.id,
      f.scope.name,
      f.scope.kind,
      f.interrupted ? 'interrupted' : 'failed',
      f.error,
      f.code,
      0,
      0,
      0,
      0,
      0,
      f.apiCalls,
      Math.round(durationMs),
    ]);
  }

  private async writeInventory(
    run: number,
    inv: ScopeInventory,
    durationMs: number,
  ): Promise<ScopeWriteStats> {
    const { provider, id: scopeId, name: scopeName } = inv.scope;
    const identityIds = new Map<string, string>();
    for (const i of inv.identities)
      identityIds.set(i.externalId, entityId('i', provider, scopeId, i.externalId));
    const requireIdentity = (externalId: string, what: string): string => {
      const id = identityIds.get(externalId);
      if (!id)
        throw new Error(
          `${provider} connector returned ${what} for identity '${externalId}' that is not in scope ${scopeId}`,
        );
      return id;
    };
    const base = { provider, scope_id: scopeId, scope_name: scopeName };
    for (const part of chunks(inv.identities)) {
      const rows = part.map((i) => ({
        ...base,
        id: identityIds.get(i.externalId),
        external_id: i.externalId,
        kind: i.kind,
        name: i.name,
        owner: i.owner,
        created_at: i.createdAt,
        last_used_at: i.lastUsedAt,
        last_used_known: bool(i.lastUsedKnown),
        tags_json: json(i.tags),
        attributes_json: json(i.attributes),
      }));
      await this.client.query(UPSERT_IDENTITIES, [JSON.stringify(rows), run]);
    }
    const credentialIds = new Map<string, string>();
    for (const part of chunks(inv.credentials)) {
      const rows = part.map((c) => {
        const id = entityId('c', provider, scopeId, c.externalId);
        credentialIds.set(c.externalId, id);
        return {
          ...base,
          id,
          external_id: c.externalId,
          identity_id: requireIdentity(c.identityExternalId, `credential ${c.externalId}`),
          type: c.type,
          name: c.name,
          status: c.status,
          created_at: c.createdAt,
          expires_at: c.expiresAt,
          last_used_at: c.lastUsedAt,
          last_used_known: bool(c.lastUsedKnown),
          attributes_json: json(c.attributes),
        };
      });
      await this.client.query(UPSERT_CREDENTIALS, [JSON.stringify(rows), run]);
    }
    for (const part of chunks(inv.grants)) {
      const rows = part.map((g) => ({
        ...base,
        id: entityId('g', provider, scopeId, g.externalId),
        external_id: g.externalId,
        identity_id: requireIdentity(g.identityExternalId, `grant ${g.externalId}`),
        credential_id: g.credentialExternalId
          ? (credentialIds.get(g.credentialExternalId) ?? null)
          : null,
        permission: g.permission,
        resource: g.resource,
        privilege: g.privilege,
        source: g.source,
        granted_at: g.grantedAt,
        last_used_at: g.lastUsedAt,
        last_used_known: bool(g.lastUsedKnown),
        attributes_json: json(g.attributes),
      }));
      await this.client.query(UPSERT_GRANTS, [JSON.stringify(rows), run]);
    }
    let removed = 0;
    // What the connector could not fully list is kept as it was: not seen is not gone.
    const incomplete = new Set(inv.incomplete ?? []);
    for (const t of ['identities', 'credentials', 'grants'] as const) {
      if (incomplete.has(t)) continue;
      const r = await this.client.query(
        `UPDATE ${t} SET removed_run = $1 WHERE provider = $2 AND scope_id = $3
         AND last_seen_run < $1 AND removed_run IS NULL`,
        [run, provider, scopeId],
      );
      removed += r.rowCount ?? 0;
    }
    for (const gap of inv.gaps) {
      await this.client.query(
        `INSERT INTO coverage_gaps (run_id, provider, scope_id, signal, message, code, fix)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [run, provider, scopeId, gap.signal, gap.message, gap.code ?? null, gap.fix ?? null],
      );
    }
    const stats = {
      identities: inv.identities.length,
      credentials: inv.credentials.length,
      grants: inv.grants.length,
      removed,
    };
    await this.client.query(UPSERT_SCOPE, [
      run,
      provider,
      scopeId,
      scopeName,
      inv.scope.kind,
      'ok',
      null,
      null,
      stats.identities,
      stats.credentials,
      stats.grants,
      removed,
      inv.gaps.length,
      inv.apiCalls,
      Math.round(durationMs),
    ]);
    return stats;
  }

  async run(runId: number): Promise<ScanRun | null> {
    const [r] = await this.rows(`SELECT * FROM scan_runs WHERE id = $1`, [runId]);
    return r ? toRun(r) : null;
  }

  async latestRun(): Promise<ScanRun | null> {
    const [r] = await this.rows(
      `SELECT * FROM scan_runs r WHERE r.status IN (${READABLE}) AND ${RUN_HEAD} ORDER BY r.id DESC LIMIT 1`,
    );
    return r ? toRun(r) : null;
  }

  async groupHead(runId: number): Promise<ScanRun | null> {
    const [r] = await this.rows(
      `SELECT * FROM scan_runs r WHERE r.status IN (${READABLE}) AND ${RUN_HEAD}
         AND (r.id = $1 OR r.run_group = (SELECT run_group FROM scan_runs WHERE id = $1))
       ORDER BY r.id DESC LIMIT 1`,
      [runId],
    );
    return r ? toRun(r) : null;
  }

  async hasRuns(kind: { demo: boolean }): Promise<boolean> {
    return (
      (await this.rows(`SELECT 1 FROM scan_runs WHERE demo = $1 LIMIT 1`, [bool(kind.demo)]))
        .length > 0
    );
  }

  async previousRun(runId: number): Promise<ScanRun | null> {
    const [r] = await this.rows(
      `SELECT * FROM scan_runs r WHERE r.status IN (${READABLE}) AND r.id < $1 AND ${RUN_HEAD}
         AND (r.run_group IS NULL OR r.run_group IS DISTINCT FROM (SELECT run_group FROM scan_runs WHERE id = $1))
       ORDER BY r.id DESC LIMIT 1`,
      [runId],
    );
    return r ? toRun(r) : null;
  }

  async scopesOfRun(runId: number): Promise<ScopeRunRecord[]> {
    const rows = await this.rows(
      `SELECT * FROM scan_scopes WHERE run_id = $1 ORDER BY provider, scope_id`,
      [runId],
    );
    return rows.map(toScopeRun);
  }

  async gapsInForce(runId: number, scope?: ScopeKey) {
    const one = scope ? ' AND provider = $2 AND scope_id = $3' : '';
    const rows = await this.rows(
      `SELECT g.* FROM coverage_gaps g JOIN (
         SELECT provider, scope_id, max(run_id) AS run_id FROM scan_scopes
         WHERE status = 'ok' AND run_id <= $1${one} GROUP BY provider, scope_id
       ) s ON s.provider = g.provider AND s.scope_id = g.scope_id AND s.run_id = g.run_id
       ORDER BY g.provider, g.scope_id, g.seq`,
      scope ? [runId, scope.provider, scope.scopeId] : [runId],
    );
    return rows.map(toGap);
  }

  async presentScopes(runId: number): Promise<PresentScope[]> {
    const present = (t: string) =>
      `EXISTS (SELECT 1 FROM ${t} t WHERE t.provider = s.provider AND t.scope_id = s.scope_id
         AND t.first_seen_run <= $1 AND (t.removed_run IS NULL OR t.removed_run > $1))`;
    const rows = await this.rows<{
      provider: ProviderId;
      scope_id: string;
      i: boolean;
      c: boolean;
    }>(
      `SELECT s.provider, s.scope_id, ${present('identities')} AS i, ${present('credentials')} AS c
       FROM (SELECT DISTINCT provider, scope_id FROM scan_scopes WHERE run_id <= $1 AND status = 'ok') s
       ORDER BY s.provider COLLATE "C", s.scope_id COLLATE "C"`,
      [runId],
    );
    return rows
      .filter((r) => r.i || r.c)
      .map((r) => ({ provider: r.provider, scopeId: r.scope_id, identities: r.i }));
  }

  /** Read access for `nhi catalog check` (check.ts). */
  checkAccess(): CheckAccess {
    return {
      store: this,
      backend: 'postgres',
      all: (sql) => this.db.rows(sql),
      versions: async () =>
        (
          await this.db.rows<{ version: number }>(`SELECT version FROM nhi_schema ORDER BY version`)
        ).map((r) => Number(r.version)),
      // The declared foreign keys hold by construction in PostgreSQL; check.ts looks for the rest.
      foreignKeyProblems: () => Promise.resolve([]),
    };
  }

  /* ----- evaluation and views (evaluations.ts, views.ts, posture.ts) ----- */

  scopeBatches(runId: number, scope: ScopeKey, identities: number) {
    return this.views.scopeBatches(runId, scope, identities);
  }
  evaluation(runId: number) {
    return this.evaluations.evaluation(runId);
  }
  beginEvaluation(init: Parameters<CatalogStore['beginEvaluation']>[0]) {
    return this.evaluations.begin(init);
  }
  credentials(q: SubjectQuery) {
    return this.views.credentials(q);
  }
  identities(q: SubjectQuery) {
    return this.views.identities(q);
  }
  countSubjects(kind: SubjectKind, q: SubjectQuery) {
    return this.views.countSubjects(kind, q);
  }
  resolve(ref: string) {
    return this.views.resolve(ref);
  }
  candidates(ref: string) {
    return this.views.candidates(ref);
  }
  findingsOfIdentity(
    evaluationId: number,
    identity: { provider: string; scopeId: string; externalId: string },
  ) {
    return this.evaluations.findingsOfIdentity(evaluationId, identity);
  }
  scoresOf(evaluationId: number, subjectIds: readonly string[]) {
    return this.evaluations.scoresOf(evaluationId, subjectIds);
  }
  grantsOfIdentity(identityId: string) {
    return this.views.grantsOfIdentity(identityId);
  }
  history(subjectIds: readonly string[]) {
    return this.views.history(subjectIds);
  }
  credentialsOfIdentity(identityId: string) {
    return this.views.credentialsOfIdentity(identityId);
  }
  openPlaybookRuns(credentialIds: readonly string[]) {
    return this.views.openPlaybookRuns(credentialIds);
  }
  playbooks(signer?: AuditSigner) {
    return new PgPlaybookStore(this.db, signer);
  }
  findings(q: FindingQuery) {
    return this.evaluations.findings(q);
  }
  countFindings(q: FindingQuery) {
    return this.evaluations.countFindings(q);
  }
  findingGroups(q: FindingQuery, by: readonly FindingGroupKey[]) {
    return this.evaluations.groups(q, by);
  }
  scores(evaluationId: number) {
    return this.evaluations.scores(evaluationId);
  }
  ownerGroups(evaluationId: number, filter: { owner?: string; team?: string }) {
    return this.evaluations.ownerGroups(evaluationId, filter);
  }
  unownedIdentities(evaluationId: number) {
    return this.evaluations.unownedIdentities(evaluationId);
  }
  exceptions(evaluationId: number) {
    return this.evaluations.exceptions(evaluationId);
  }
  suppressed(evaluationId: number) {
    return this.evaluations.suppressed(evaluationId);
  }
  expiredMatches(evaluationId: number, index: number) {
    return this.evaluations.expiredMatches(evaluationId, index);
  }
  runs(q: { limit?: number; demo?: boolean }) {
    return this.housekeeping.runs(q);
  }
  firstRunSince(at: string) {
    return this.housekeeping.firstRunSince(at);
  }
  prune(req: PruneRequest) {
    return this.housekeeping.prune(req);
  }
  credentialDiff(fromRun: number, toRun: number, change: 'added' | 'removed') {
    return this.housekeeping.credentialDiff(fromRun, toRun, change);
  }
  fieldChanges(fromRun: number, toRun: number, field: DiffField) {
    return this.housekeeping.fieldChanges(fromRun, toRun, field);
  }
  credentialChanges(fromRun: number, toRun: number, change: 'added' | 'removed') {
    return this.views.credentialChanges(fromRun, toRun, change);
  }
  changes(fromRun: number, toRun: number) {
    return this.views.changes(fromRun, toRun);
  }
  postureRuns(w: RunWindow) {
    return this.posture.runs(w);
  }
  postureRows(q: PostureQuery) {
    return this.posture.rows(q);
  }
  scopes() {
    return this.views.scopes();
  }
}
