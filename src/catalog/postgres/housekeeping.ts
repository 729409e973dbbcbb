/**
 * Catalog housekeeping in PostgreSQL, as sqlite/runs.ts and sqlite/diff.ts do it: the list of
 * scan runs (`nhi runs`), the first scan since an instant and what changed between two scans
 * (`nhi diff`), and retention (`nhi prune`, scan's `catalog.retention`).
 *
 * Pruning follows SQLite's rules exactly (same runs removed, same runs kept and why, same rows
 * counted) in one transaction; references to a pruned run move to the next run that stays.
 * No VACUUM: PostgreSQL's autovacuum reuses the freed space, so the size reported after is the
 * database's size at commit (it shrinks only as autovacuum and later writes reuse the pages).
 */
import type { ProviderId, ScanRun } from '../../model/index.js';
import { READABLE_RUN_STATUSES } from '../../model/index.js';
import { toRun } from '../rows.js';
import type {
  CredentialChange,
  CredentialDiffRow,
  DiffField,
  EvaluationCounts,
  FieldChangeRow,
  PruneRequest,
  PruneResult,
  RunSummary,
} from '../store.js';
import type { PgDb } from './db.js';

type Row = Record<string, unknown>;

const READABLE = READABLE_RUN_STATUSES.map((s) => `'${s}'`).join(', ');
const ENTITY_TABLES = ['grants', 'credentials', 'identities'] as const;
/** How prune's summary names the rows of a run it removed, per table (as SQLite's). */
const RUN_TABLE_LABELS: Record<string, string> = {
  evaluations: 'evaluations',
  coverage_gaps: 'gaps',
  scan_scopes: 'scopes',
};

const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

/** A dry run's transaction ends in this: the counts are exact, nothing stays. */
class DryRun extends Error {
  constructor(readonly result: Omit<PruneResult, 'bytesBefore' | 'bytesAfter'>) {
    super('dry run');
  }
}

export class PgHousekeeping {
  constructor(private readonly db: PgDb) {}

  async runs(q: { limit?: number; demo?: boolean }): Promise<RunSummary[]> {
    const n = (cond: string) => `count(*) FILTER (WHERE ${cond})`;
    const rows = await this.db.rows(
      `SELECT r.*,
         ${n(`s.status = 'ok'`)} AS ok,
         ${n(`s.status = 'failed'`)} AS failed,
         ${n(`s.status = 'interrupted'`)} AS interrupted,
         coalesce(sum(s.identities), 0) AS identities,
         coalesce(sum(s.credentials), 0) AS credentials,
         coalesce(sum(s.removed), 0) AS removed,
         coalesce(sum(s.gaps), 0) AS gaps,
         (SELECT e.summary_json FROM evaluations e WHERE e.run_id = r.id AND e.status = 'complete'
          ORDER BY e.id DESC LIMIT 1) AS summary_json
       FROM scan_runs r LEFT JOIN scan_scopes s ON s.run_id = r.id
       WHERE $1::int IS NULL OR r.demo = $1
       GROUP BY r.id ORDER BY r.id DESC LIMIT $2`,
      [q.demo === undefined ? null : q.demo ? 1 : 0, q.limit ?? null],
    );
    return rows.map((r) => {
      const summary =
        typeof r.summary_json === 'string'
          ? (JSON.parse(r.summary_json) as Partial<EvaluationCounts>)
          : null;
      return {
        ...toRun(r),
        providers: String(r.providers).split(',').filter(Boolean) as ProviderId[],
        nhiVersion: String(r.nhi_version),
        scopes: {
          ok: Number(r.ok),
          failed: Number(r.failed),
          interrupted: Number(r.interrupted),
        },
        identities: Number(r.identities),
        credentials: Number(r.credentials),
        removed: Number(r.removed),
        gaps: Number(r.gaps),
        findings: summary
          ? { critical: 0, high: 0, medium: 0, low: 0, info: 0, ...summary.bySeverity }
          : null,
        notEvaluated: summary ? (summary.notEvaluated ?? 0) : null,
      };
    });
  }

  async firstRunSince(at: string): Promise<ScanRun | null> {
    const r = await this.db.one(
      `SELECT * FROM scan_runs WHERE status IN (${READABLE}) AND started_at >= $1 ORDER BY id LIMIT 1`,
      [at],
    );
    return r ? toRun(r) : null;
  }

  credentialDiff(
    fromRun: number,
    toRun: number,
    change: CredentialChange['change'],
  ): AsyncGenerator<CredentialDiffRow[]> {
    const column = change === 'added' ? 'first_seen_run' : 'removed_run';
    return this.db.pages(
      `SELECT c.*, i.name AS identity_name, i.external_id AS identity_external_id
       FROM credentials c JOIN identities i ON i.id = c.identity_id
       WHERE c.${column} > $1 AND c.${column} <= $2
       ORDER BY c.provider, c.scope_id, i.name, c.external_id`,
      [fromRun, toRun],
      (r: Row): CredentialDiffRow => ({
        id: String(r.id),
        provider: r.provider as ProviderId,
        scopeId: String(r.scope_id),
        scopeName: String(r.scope_name),
        identityId: String(r.identity_id),
        identityName: String(r.identity_name),
        identityExternalId: String(r.identity_external_id),
        externalId: String(r.external_id),
        name: str(r.name),
        type: String(r.type),
        status: String(r.status),
        createdAt: str(r.created_at),
        expiresAt: str(r.expires_at),
      }),
    );
  }

  /** The net change of a tracked field between two runs (SQLite's rowid order is `seq` here). */
  fieldChanges(fromRun: number, toRun: number, field: DiffField): AsyncGenerator<FieldChangeRow[]> {
    return this.db.pages(
      `SELECT x.subject_id, x.old_value, x.new_value,
         CASE WHEN c.id IS NOT NULL THEN 'credential' WHEN g.id IS NOT NULL THEN 'grant' ELSE 'identity' END AS kind,
         coalesce(c.provider, g.provider, i.provider) AS provider,
         coalesce(c.scope_id, g.scope_id, i.scope_id) AS scope_id,
         coalesce(c.scope_name, g.scope_name, i.scope_name) AS scope_name,
         i.name AS identity_name, i.external_id AS identity_external_id,
         coalesce(c.external_id, gc.external_id) AS credential_external_id,
         CASE WHEN g.id IS NOT NULL THEN g.permission || ' on ' || g.resource END AS grant_text
       FROM (
         SELECT subject_id, old_value, new_value FROM (
           SELECT subject_id,
             first_value(old_value) OVER w AS old_value,
             last_value(new_value) OVER w AS new_value,
             row_number() OVER (PARTITION BY subject_id ORDER BY seq) AS n
           FROM changes WHERE field = $1 AND run_id > $2 AND run_id <= $3
           WINDOW w AS (PARTITION BY subject_id ORDER BY seq
                        ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
         ) w WHERE n = 1 AND old_value IS DISTINCT FROM new_value
           -- An expiry moved by less than a minute is clock jitter of the source, as in SQLite.
           AND NOT ($1 = 'expires_at' AND old_value IS NOT NULL AND new_value IS NOT NULL
                    AND coalesce(abs(nhi_julianday(new_value) - nhi_julianday(old_value)) < 1.0 / 1440, false))
       ) x
       LEFT JOIN credentials c ON c.id = x.subject_id
       LEFT JOIN grants g ON g.id = x.subject_id
       LEFT JOIN credentials gc ON gc.id = g.credential_id
       LEFT JOIN identities i ON i.id = coalesce(c.identity_id, g.identity_id, x.subject_id)
       WHERE coalesce(c.id, g.id, i.id) IS NOT NULL
       ORDER BY provider, scope_id, identity_name NULLS FIRST, credential_external_id NULLS FIRST,
         x.subject_id`,
      [field, fromRun, toRun],
      (r: Row): FieldChangeRow => ({
        field,
        oldValue: str(r.old_value),
        newValue: str(r.new_value),
        subjectId: String(r.subject_id),
        subjectKind: r.kind as FieldChangeRow['subjectKind'],
        provider: r.provider as ProviderId,
        scopeId: String(r.scope_id),
        scopeName: String(r.scope_name),
        identityName: str(r.identity_name),
        identityExternalId: str(r.identity_external_id),
        credentialExternalId: str(r.credential_external_id),
        grant: str(r.grant_text),
      }),
    );
  }

  async prune(req: PruneRequest): Promise<PruneResult> {
    const bytesBefore = await this.bytes();
    try {
      const result = await this.db.tx(async () => {
        const r = await this.removeRuns(req);
        if (req.dryRun) throw new DryRun(r);
        return r;
      });
      return { ...result, bytesBefore, bytesAfter: await this.bytes() };
    } catch (err) {
      if (err instanceof DryRun) return { ...err.result, bytesBefore, bytesAfter: null };
      throw err;
    }
  }

  /** The runs to remove, and the removal itself (inside the caller's transaction). */
  private async removeRuns(
    req: PruneRequest,
  ): Promise<Omit<PruneResult, 'bytesBefore' | 'bytesAfter'>> {
    const db = this.db;
    // One prune at a time, and no scan starts or finishes a run while the list is decided.
    await db.rows(`LOCK TABLE scan_runs IN SHARE ROW EXCLUSIVE MODE`);
    const all = (
      await db.rows<{ id: string; started_at: string; status: ScanRun['status'] }>(
        `SELECT id, started_at, status FROM scan_runs ORDER BY id DESC`,
      )
    ).map((r) => ({ id: Number(r.id), started_at: r.started_at, status: r.status }));
    const finished = all.filter((r) => r.status !== 'running');
    const newest = new Set(
      req.keepRuns === undefined ? [] : finished.slice(0, req.keepRuns).map((r) => r.id),
    );
    const matches = finished.filter(
      (r) =>
        (req.keepRuns !== undefined || req.before !== undefined) &&
        !newest.has(r.id) &&
        (req.before === undefined || r.started_at < req.before),
    );
    const readable = (s: string) => (READABLE_RUN_STATUSES as readonly string[]).includes(s);
    const latest = all.find((r) => readable(r.status));
    const kept = new Map<number, string>();
    if (latest && matches.some((r) => r.id === latest.id)) kept.set(latest.id, 'the latest scan');
    // Every readable run that stays reads each scope from its latest successful scan up to it.
    const matchIds = new Set(matches.map((r) => r.id));
    const staying = all.filter((r) => !matchIds.has(r.id) && readable(r.status));
    if (latest && !staying.includes(latest)) staying.push(latest);
    for (const r of staying)
      for (const { id } of await db.rows<{ id: string | null }>(
        `SELECT DISTINCT (SELECT max(s.run_id) FROM scan_scopes s
            WHERE s.provider = k.provider AND s.scope_id = k.scope_id AND s.status = 'ok' AND s.run_id <= $1) AS id
         FROM (SELECT DISTINCT provider, scope_id FROM scan_scopes) k`,
        [r.id],
      )) {
        const n = id === null ? null : Number(id);
        if (n !== null && matchIds.has(n) && !kept.has(n))
          kept.set(n, `the latest successful scan of a scope as of scan #${r.id}`);
      }
    const doomed = matches.map((r) => r.id).filter((id) => !kept.has(id));
    const rows: Record<string, number> = {};
    const keptList = [...kept].map(([runId, reason]) => ({ runId, reason }));
    if (!doomed.length) return { runs: [], kept: keptList, rows };

    const doomedSet = new Set(doomed);
    const keep = all.map((r) => r.id).filter((id) => !doomedSet.has(id));
    const count = async (key: string, sql: string, params: readonly unknown[]) => {
      const n = (await db.client.query(sql, params as unknown[])).rowCount ?? 0;
      if (n) rows[key] = (rows[key] ?? 0) + n;
    };

    // Stored evaluations: every table keyed by evaluation, found in the schema.
    const evaluationTables = (
      await db.rows<{ name: string }>(
        `SELECT table_name AS name FROM information_schema.columns
         WHERE table_schema = current_schema() AND column_name = 'evaluation_id' ORDER BY table_name`,
      )
    ).map((t) => t.name);
    const pruned = `SELECT id FROM evaluations WHERE run_id = ANY($1::bigint[])`;
    for (const t of evaluationTables)
      await count(
        t === 'findings' || t === 'scores' ? t : 'evaluation details',
        `DELETE FROM "${t}" WHERE evaluation_id IN (${pruned})`,
        [doomed],
      );
    // Then every row of a pruned run in a table that references the runs.
    const byRun = await db.rows<{ tbl: string; col: string }>(
      `SELECT c.conrelid::regclass::text AS tbl, a.attname AS col
       FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
       WHERE c.contype = 'f' AND c.confrelid = 'scan_runs'::regclass
       ORDER BY 1, 2`,
    );
    for (const { tbl, col } of byRun)
      if (!(ENTITY_TABLES as readonly string[]).includes(tbl))
        await count(
          RUN_TABLE_LABELS[tbl] ?? tbl,
          `DELETE FROM "${tbl}" WHERE "${col}" = ANY($1::bigint[])`,
          [doomed],
        );
    await count('history', `DELETE FROM changes WHERE run_id = ANY($1::bigint[])`, [doomed]);

    // Records removed before every run that stays: no view of a remaining run shows them.
    const oldest = Math.min(...keep);
    const openPlaybook = `SELECT credential_id FROM playbook_runs
      WHERE status NOT IN ('done', 'rolled-back', 'cancelled') AND credential_id IS NOT NULL`;
    await count('grants', `DELETE FROM grants WHERE removed_run <= $1`, [oldest]);
    await count(
      'credentials',
      `DELETE FROM credentials WHERE removed_run <= $1 AND id NOT IN (${openPlaybook})
         AND id NOT IN (SELECT credential_id FROM grants WHERE credential_id IS NOT NULL)`,
      [oldest],
    );
    await count(
      'identities',
      `DELETE FROM identities WHERE removed_run <= $1
         AND id NOT IN (SELECT identity_id FROM credentials)
         AND id NOT IN (SELECT identity_id FROM grants)`,
      [oldest],
    );

    // What stays and points at a pruned run now points at the next run that stays. Moving
    // removed_run fires the history triggers: those rows are not history, so they go again.
    const lastChange = Number(
      (await db.one<{ n: string }>(`SELECT coalesce(max(seq), 0) AS n FROM changes`))!.n,
    );
    for (const t of ENTITY_TABLES)
      for (const col of ['first_seen_run', 'last_seen_run', 'removed_run'])
        await db.rows(
          `UPDATE ${t} SET ${col} = (SELECT min(k) FROM unnest($1::bigint[]) k WHERE k > ${t}.${col})
           WHERE ${col} = ANY($2::bigint[])`,
          [keep, doomed],
        );
    await db.rows(`DELETE FROM changes WHERE seq > $1`, [lastChange]);

    await count('runs', `DELETE FROM scan_runs WHERE id = ANY($1::bigint[])`, [doomed]);
    return { runs: doomed.sort((a, b) => a - b), kept: keptList, rows };
  }

  private async bytes(): Promise<number> {
    const r = await this.db.one<{ n: string }>(`SELECT pg_database_size(current_database()) AS n`);
    return Number(r?.n ?? 0);
  }
}
