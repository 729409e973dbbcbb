/**
 * Catalog housekeeping in SQLite: the list of scan runs (`nhi runs`) and retention (`nhi prune`,
 * scan's `catalog.retention`).
 *
 * Pruning removes what a run added to the catalog beside the inventory itself: its stored
 * evaluation (findings, scores…), its coverage gaps and scope records, the field history it
 * recorded, and the records removed before every run that stays. Rows present at a run that
 * stays are never removed; their first/last-seen/removed references to a pruned run move to the
 * next run that stays, which keeps "present at run R" and "added/removed between A and B" true
 * for every pair of runs that stay.
 */
import { statSync } from 'node:fs';
import type { ProviderId, ScanRun } from '../../model/index.js';
import { READABLE_RUN_STATUSES } from '../../model/index.js';
import type { Db } from '../open.js';
import type { EvaluationCounts, PruneRequest, PruneResult, RunSummary } from '../store.js';

type Row = Record<string, unknown>;

const READABLE = READABLE_RUN_STATUSES.map((s) => `'${s}'`).join(', ');
const ENTITY_TABLES = ['grants', 'credentials', 'identities'] as const;
/** How prune's summary names the rows of a run it removed, per table. */
const RUN_TABLE_LABELS: Record<string, string> = {
  evaluations: 'evaluations',
  coverage_gaps: 'gaps',
  scan_scopes: 'scopes',
};

export function toRun(r: Row): ScanRun {
  return {
    id: Number(r.id),
    startedAt: String(r.started_at),
    finishedAt: r.finished_at === null ? null : String(r.finished_at),
    status: r.status as ScanRun['status'],
    demo: r.demo === 1,
  };
}

export class SqliteRuns {
  constructor(
    private readonly db: Db,
    private readonly path: string,
  ) {}

  runs(q: { limit?: number; demo?: boolean }): RunSummary[] {
    const rows = this.db
      .prepare(
        `SELECT r.*,
           coalesce(sum(s.status = 'ok'), 0) AS ok,
           coalesce(sum(s.status = 'failed'), 0) AS failed,
           coalesce(sum(s.status = 'interrupted'), 0) AS interrupted,
           coalesce(sum(s.identities), 0) AS identities,
           coalesce(sum(s.credentials), 0) AS credentials,
           coalesce(sum(s.removed), 0) AS removed,
           coalesce(sum(s.gaps), 0) AS gaps,
           (SELECT e.summary_json FROM evaluations e WHERE e.run_id = r.id AND e.status = 'complete'
            ORDER BY e.id DESC LIMIT 1) AS summary_json
         FROM scan_runs r LEFT JOIN scan_scopes s ON s.run_id = r.id
         WHERE @demo IS NULL OR r.demo = @demo
         GROUP BY r.id ORDER BY r.id DESC LIMIT @limit`,
      )
      .all({
        demo: q.demo === undefined ? null : q.demo ? 1 : 0,
        limit: q.limit ?? -1,
      }) as Row[];
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

  firstRunSince(at: string): ScanRun | null {
    const r = this.db
      .prepare(
        `SELECT * FROM scan_runs WHERE status IN (${READABLE}) AND started_at >= ? ORDER BY id LIMIT 1`,
      )
      .get(at) as Row | undefined;
    return r ? toRun(r) : null;
  }

  prune(req: PruneRequest): PruneResult {
    const bytesBefore = this.bytes();
    // A dry run does the same work in a transaction it then rolls back: the counts are exact.
    if (req.dryRun) {
      const result = rolledBack(this.db, () => this.removeRuns(req));
      return { ...result, bytesBefore, bytesAfter: null };
    }
    const result = this.db.transaction(() => this.removeRuns(req)).immediate();
    if (result.runs.length) this.shrink();
    return { ...result, bytesBefore, bytesAfter: this.bytes() };
  }

  /** The runs to remove, and the removal itself (inside the caller's transaction). */
  private removeRuns(req: PruneRequest): Omit<PruneResult, 'bytesBefore' | 'bytesAfter'> {
    const db = this.db;
    const all = db
      .prepare(`SELECT id, started_at, status FROM scan_runs ORDER BY id DESC`)
      .all() as { id: number; started_at: string; status: ScanRun['status'] }[];
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
    const latest = all.find((r) => (READABLE_RUN_STATUSES as readonly string[]).includes(r.status));
    const kept = new Map<number, string>();
    if (latest && matches.some((r) => r.id === latest.id)) kept.set(latest.id, 'the latest scan');
    // Every readable run that stays reads each scope from its latest successful scan up to it
    // (scope names, coverage gaps): those scans stay too.
    const matchIds = new Set(matches.map((r) => r.id));
    const staying = all.filter(
      (r) => !matchIds.has(r.id) && (READABLE_RUN_STATUSES as readonly string[]).includes(r.status),
    );
    if (latest && !staying.includes(latest)) staying.push(latest);
    const needed = db.prepare(
      `SELECT DISTINCT (SELECT max(s.run_id) FROM scan_scopes s
          WHERE s.provider = k.provider AND s.scope_id = k.scope_id AND s.status = 'ok' AND s.run_id <= ?) AS id
       FROM (SELECT DISTINCT provider, scope_id FROM scan_scopes) k`,
    );
    for (const r of staying)
      for (const { id } of needed.all(r.id) as { id: number | null }[])
        if (id !== null && matchIds.has(id) && !kept.has(id))
          kept.set(id, `the latest successful scan of a scope as of scan #${r.id}`);
    const doomed = matches.map((r) => r.id).filter((id) => !kept.has(id));
    const rows: Record<string, number> = {};
    const keptList = [...kept].map(([runId, reason]) => ({ runId, reason }));
    if (!doomed.length) return { runs: [], kept: keptList, rows };

    db.exec(`CREATE TEMP TABLE IF NOT EXISTS prune_runs (id INTEGER PRIMARY KEY)`);
    db.exec(`CREATE TEMP TABLE IF NOT EXISTS prune_keep (id INTEGER PRIMARY KEY)`);
    db.exec(`DELETE FROM temp.prune_runs; DELETE FROM temp.prune_keep`);
    const addDoomed = db.prepare(`INSERT INTO temp.prune_runs (id) VALUES (?)`);
    for (const id of doomed) addDoomed.run(id);
    db.exec(
      `INSERT INTO temp.prune_keep SELECT id FROM scan_runs WHERE id NOT IN (SELECT id FROM temp.prune_runs)`,
    );
    const count = (key: string, sql: string, ...params: unknown[]) => {
      const n = db.prepare(sql).run(...params).changes;
      if (n) rows[key] = (rows[key] ?? 0) + n;
    };

    // Stored evaluations: every table keyed by evaluation (findings, scores, exceptions…),
    // found in the schema so tables added by later migrations go with them.
    const evaluationTables = (
      db
        .prepare(
          `SELECT m.name FROM sqlite_master m JOIN pragma_table_info(m.name) c
           WHERE m.type = 'table' AND c.name = 'evaluation_id' ORDER BY m.name`,
        )
        .all() as { name: string }[]
    ).map((t) => t.name);
    const pruned = `SELECT id FROM evaluations WHERE run_id IN (SELECT id FROM temp.prune_runs)`;
    for (const t of evaluationTables)
      count(
        t === 'findings' || t === 'scores' ? t : 'evaluation details',
        `DELETE FROM "${t}" WHERE evaluation_id IN (${pruned})`,
      );
    // Then every row of a pruned run in a table that references the runs (evaluations, scope
    // records, gaps, and any a later migration adds); the inventory's references move below.
    const byRun = db
      .prepare(
        `SELECT m.name AS tbl, f."from" AS col FROM sqlite_master m
         JOIN pragma_foreign_key_list(m.name) f
         WHERE m.type = 'table' AND f."table" = 'scan_runs' ORDER BY m.name`,
      )
      .all() as { tbl: string; col: string }[];
    for (const { tbl, col } of byRun)
      if (!(ENTITY_TABLES as readonly string[]).includes(tbl))
        count(
          RUN_TABLE_LABELS[tbl] ?? tbl,
          `DELETE FROM "${tbl}" WHERE "${col}" IN (SELECT id FROM temp.prune_runs)`,
        );
    count('history', `DELETE FROM changes WHERE run_id IN (SELECT id FROM temp.prune_runs)`);

    // Records removed before every run that stays: no view of a remaining run shows them.
    const oldest = (db.prepare(`SELECT min(id) AS id FROM temp.prune_keep`).get() as { id: number })
      .id;
    const openPlaybook = `SELECT credential_id FROM playbook_runs
      WHERE status NOT IN ('done', 'rolled-back', 'cancelled')`;
    count('grants', `DELETE FROM grants WHERE removed_run <= ?`, oldest);
    count(
      'credentials',
      `DELETE FROM credentials WHERE removed_run <= ? AND id NOT IN (${openPlaybook})
         AND id NOT IN (SELECT credential_id FROM grants WHERE credential_id IS NOT NULL)`,
      oldest,
    );
    count(
      'identities',
      `DELETE FROM identities WHERE removed_run <= ?
         AND id NOT IN (SELECT identity_id FROM credentials)
         AND id NOT IN (SELECT identity_id FROM grants)`,
      oldest,
    );

    // What stays and points at a pruned run now points at the next run that stays. Moving
    // removed_run fires the history triggers: those rows are not history, so they go again.
    const lastChange = (
      db.prepare(`SELECT coalesce(max(rowid), 0) AS n FROM changes`).get() as { n: number }
    ).n;
    for (const t of ENTITY_TABLES)
      for (const col of ['first_seen_run', 'last_seen_run', 'removed_run'])
        db.prepare(
          `UPDATE ${t} SET ${col} = (SELECT min(k.id) FROM temp.prune_keep k WHERE k.id > ${t}.${col})
           WHERE ${col} IN (SELECT id FROM temp.prune_runs)`,
        ).run();
    db.prepare(`DELETE FROM changes WHERE rowid > ?`).run(lastChange);

    count('runs', `DELETE FROM scan_runs WHERE id IN (SELECT id FROM temp.prune_runs)`);
    db.exec(`DROP TABLE temp.prune_runs; DROP TABLE temp.prune_keep`);
    return { runs: doomed.sort((a, b) => a - b), kept: keptList, rows };
  }

  /**
   * Gives freed pages back to the file system. The first prune switches the catalog to
   * incremental auto-vacuum (one full VACUUM); later ones free pages incrementally.
   */
  private shrink(): void {
    try {
      const mode = this.db.pragma('auto_vacuum', { simple: true }) as number;
      if (mode !== 2) {
        this.db.pragma('auto_vacuum = INCREMENTAL');
        this.db.exec('VACUUM');
      } else {
        this.db.pragma('incremental_vacuum');
      }
      this.db.pragma('wal_checkpoint(TRUNCATE)');
    } catch (err) {
      // Another process holds the catalog open in a transaction (a scan): the removal stands
      // and SQLite reuses the freed pages; the file shrinks at the next prune.
      if (!/SQLITE_BUSY|SQLITE_LOCKED/.test((err as { code?: string }).code ?? '')) throw err;
    }
  }

  private bytes(): number {
    if (this.path === ':memory:') return 0;
    let n = 0;
    for (const f of [this.path, `${this.path}-wal`]) {
      try {
        n += statSync(f).size;
      } catch {
        // no write-ahead log at the moment
      }
    }
    return n;
  }
}

/** Runs `work` inside a transaction that is always rolled back, and returns its result. */
function rolledBack<T>(db: Db, work: () => T): T {
  const rollback = new Error('dry run');
  let result: T | undefined;
  try {
    db.transaction(() => {
      result = work();
      throw rollback;
    }).immediate();
  } catch (err) {
    if (err !== rollback) throw err;
  }
  return result!;
}
