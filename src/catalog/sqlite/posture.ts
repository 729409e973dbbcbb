/**
 * Posture KPIs in SQLite: counts per scope over one run's stored evaluation (its `scores` rows
 * are the subjects present at the run, its `findings` what the rules decided), plus age
 * percentiles per scope, per provider and overall. Values that change between scans (a
 * credential's status and expiry, an identity's owner) are read as they were at the run from
 * the `changes` history, so an older run's figures do not move when a later scan updates a row.
 * Definitions: README, "Posture KPIs".
 */
import type { ScanRun } from '../../model/index.js';
import type { Db } from '../open.js';
import { AGE_BUCKETS, type PostureQuery, type PostureRows, type RunWindow } from '../store.js';
import { presentAt } from './views.js';
import { RUN_HEAD } from '../run-groups.js';

type Row = Record<string, unknown>;

const READABLE = "('ok', 'partial', 'interrupted')";

/** A field's value at run @run: the old value of its first change after @run, else the current. */
const valueAt = (table: string, column: string) =>
  `CASE WHEN @later = 0 THEN ${table}.${column}
     WHEN EXISTS (SELECT 1 FROM changes ch WHERE ch.subject_id = ${table}.id AND ch.field = '${column}' AND ch.run_id > @run)
     THEN (SELECT ch.old_value FROM changes ch WHERE ch.subject_id = ${table}.id AND ch.field = '${column}' AND ch.run_id > @run ORDER BY ch.run_id, ch.rowid LIMIT 1)
     ELSE ${table}.${column} END`;

/**
 * The AI-reaching subset (`PostureQuery.ai`): the evaluation's `ai` marker on scores (subjects)
 * and findings. Constant SQL text, so the `scores_ai` index serves the equality.
 */
const aiOnly = (ai: boolean | undefined, column: string) => (ai ? `AND ${column} = 1` : '');

/** Ages in days at the run of the credentials present then (creation dates never change). */
const agesAt = (ai?: boolean) => `
SELECT c.provider, c.scope_id, julianday(@asOf) - julianday(c.created_at) AS age
FROM scores s JOIN credentials c ON c.id = s.subject_id
WHERE s.evaluation_id = @evaluation AND s.subject_kind = 'credential' ${aiOnly(ai, 's.ai')}`;

/** Credentials present at the run (the evaluation's scored credentials), as they were then. */
const credentialsAt = (ai?: boolean) => `
SELECT c.id, c.provider, c.scope_id, c.type, c.created_at,
  ${valueAt('c', 'status')} AS status,
  ${valueAt('c', 'expires_at')} AS expires_at,
  julianday(@asOf) - julianday(c.created_at) AS age
FROM scores s JOIN credentials c ON c.id = s.subject_id
WHERE s.evaluation_id = @evaluation AND s.subject_kind = 'credential' ${aiOnly(ai, 's.ai')}`;

export class SqlitePosture {
  constructor(private readonly db: Db) {}

  /** Readable runs of the catalog's kind, newest first, within the window. */
  runs(w: RunWindow): ScanRun[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM scan_runs r WHERE r.status IN ${READABLE} AND r.demo = @demo
           AND r.id <= @to AND (@since IS NULL OR r.started_at >= @since) AND ${RUN_HEAD}
         ORDER BY r.id DESC LIMIT @limit`,
      )
      .all({
        demo: w.demo ? 1 : 0,
        to: w.toRun,
        since: w.since ?? null,
        limit: w.limit ?? -1,
      }) as Row[];
    return rows.map((r) => ({
      id: r.id as number,
      startedAt: r.started_at as string,
      finishedAt: (r.finished_at as string | null) ?? null,
      status: r.status as ScanRun['status'],
      demo: r.demo === 1,
    }));
  }

  /** Rows of a query whose columns are named as the result's fields. */
  private all<T>(sql: string, params: Record<string, unknown>): T[] {
    return this.db.prepare(sql).all(params) as T[];
  }

  /** Whether any subject of an evaluation reaches AI (a finding's marker is its subject's). */
  private reachesAi(evaluationId: number): boolean {
    return (
      this.db
        .prepare(
          `SELECT 1 FROM scores WHERE evaluation_id = ? AND subject_kind IN ('credential', 'identity') AND ai = 1 LIMIT 1`,
        )
        .get(evaluationId) !== undefined
    );
  }

  private scopesOf(runId: number): PostureRows['scopes'] {
    return this.all<PostureRows['scopes'][number]>(
      `SELECT provider, scope_id AS scopeId, scope_name AS scopeName, status = 'ok' AS ok
       FROM scan_scopes WHERE run_id = @run`,
      { run: runId },
    ).map((r) => ({ ...r, ok: Boolean(r.ok) }));
  }

  rows(q: PostureQuery): PostureRows {
    // No AI-reaching subject now or at the previous run: the AI subset is empty, and its
    // queries (the findings ones scan the evaluation) need not run.
    if (
      q.ai &&
      !this.reachesAi(q.evaluationId) &&
      (q.previousEvaluationId === null || !this.reachesAi(q.previousEvaluationId))
    )
      return {
        credentials: [],
        identities: [],
        findings: [],
        privileged: [],
        notEvaluatedSubjects: [],
        scopes: this.scopesOf(q.runId),
        changes: [],
        resolved: [],
        p90: [],
        ageDistribution: [],
      };
    const later =
      this.db.prepare(`SELECT 1 FROM changes WHERE run_id > ? LIMIT 1`).get(q.runId) !== undefined;
    const p = {
      evaluation: q.evaluationId,
      run: q.runId,
      asOf: q.asOf,
      later: later ? 1 : 0,
      rotatable: JSON.stringify(q.rotatableTypes),
      rules: JSON.stringify(q.privilegeRules),
      prev: q.previousRunId,
      prevEvaluation: q.previousEvaluationId,
    };
    type R = PostureRows;
    const credentials = this.all<R['credentials'][number]>(
      `WITH cs AS (${credentialsAt(q.ai)}),
       r AS (SELECT cs.*,
         (cs.status = 'active' AND cs.type IN (SELECT value FROM json_each(@rotatable))) AS rotatable,
         (SELECT f.outcome FROM findings f WHERE f.evaluation_id = @evaluation AND f.subject_id = cs.id
            AND f.rule_id = 'credential-rotation' ORDER BY f.rank DESC LIMIT 1) AS rotation
         FROM cs)
       SELECT provider, scope_id AS scopeId, type, status, count(*) AS count,
         sum(expires_at IS NOT NULL) AS withExpiry,
         sum(created_at IS NOT NULL) AS aged,
         coalesce(sum(age), 0) AS ageSum,
         sum(rotatable) AS rotatable,
         sum(rotatable AND rotation = 'fail') AS rotationFail,
         sum(rotatable AND rotation = 'not-evaluated') AS rotationNotEvaluated
       FROM r GROUP BY provider, scope_id, type, status`,
      p,
    );
    const identities = this.all<R['identities'][number]>(
      `SELECT i.provider, i.scope_id AS scopeId, count(*) AS count,
         sum(coalesce(${valueAt('i', 'owner')}, '') <> '') AS withOwner,
         sum(EXISTS (SELECT 1 FROM grants g WHERE g.identity_id = i.id AND ${presentAt('g')})) AS withGrants
       FROM scores s JOIN identities i ON i.id = s.subject_id
       WHERE s.evaluation_id = @evaluation AND s.subject_kind = 'identity' ${aiOnly(q.ai, 's.ai')}
       GROUP BY i.provider, i.scope_id`,
      p,
    );
    const findings = this.all<R['findings'][number]>(
      `SELECT provider, scope_id AS scopeId, rule_id AS ruleId, outcome, severity,
         suppressed_by IS NOT NULL AS suppressed,
         count(*) AS count, count(DISTINCT identity_external_id) AS identities,
         coalesce(sum(CASE WHEN rule_id = 'unused-grant' AND outcome = 'fail'
           THEN json_extract(evidence_json, '$.unusedCount') END), 0) AS unusedGrants
       FROM findings WHERE evaluation_id = @evaluation ${aiOnly(q.ai, 'ai')}
       GROUP BY provider, scope_id, rule_id, outcome, severity, suppressed`,
      p,
    ).map((r) => ({ ...r, suppressed: Boolean(r.suppressed) }));
    const privileged = this.all<R['privileged'][number]>(
      `SELECT provider, scope_id AS scopeId, count(DISTINCT identity_external_id) AS identities
       FROM findings
       WHERE evaluation_id = @evaluation AND outcome = 'fail'
         AND rule_id IN (SELECT value FROM json_each(@rules)) ${aiOnly(q.ai, 'ai')}
       GROUP BY provider, scope_id`,
      p,
    );
    const notEvaluatedSubjects = this.all<R['notEvaluatedSubjects'][number]>(
      `SELECT provider, scope_id AS scopeId, count(DISTINCT subject_id) AS subjects FROM findings
       WHERE evaluation_id = @evaluation AND outcome = 'not-evaluated' ${aiOnly(q.ai, 'ai')}
       GROUP BY provider, scope_id`,
      p,
    );
    const scopes = this.scopesOf(q.runId);
    const changes =
      q.previousRunId === null
        ? []
        : this.all<R['changes'][number]>(
            `SELECT provider, scope_id AS scopeId,
               sum(first_seen_run > @prev AND first_seen_run <= @run) AS added,
               sum(removed_run > @prev AND removed_run <= @run) AS removed
             FROM credentials c
             WHERE ((first_seen_run > @prev AND first_seen_run <= @run)
                OR (removed_run > @prev AND removed_run <= @run)) ${
                  // AI: added ones reach AI now, removed ones did at the previous run.
                  q.ai
                    ? `AND EXISTS (SELECT 1 FROM scores s WHERE s.subject_id = c.id AND s.ai = 1
                         AND s.evaluation_id = CASE WHEN c.removed_run > @prev AND c.removed_run <= @run
                           THEN @prevEvaluation ELSE @evaluation END)`
                    : ''
                }
             GROUP BY provider, scope_id`,
            p,
          );
    const resolved =
      q.previousEvaluationId === null
        ? []
        : this.all<R['resolved'][number]>(
            // Reported at the previous run, not reported now; first seen in the earliest
            // stored evaluation that holds its fingerprint (one index probe per evaluation).
            `SELECT f.provider, f.scope_id AS scopeId, count(*) AS count,
               sum(julianday(@asOf) - julianday((
                 SELECT min(r.started_at) FROM evaluations e JOIN scan_runs r ON r.id = e.run_id
                 WHERE e.status = 'complete' AND e.run_id <= @run AND EXISTS (
                   SELECT 1 FROM findings f2 WHERE f2.evaluation_id = e.id AND f2.fingerprint = f.fingerprint)))) AS days
             FROM findings f
             WHERE f.evaluation_id = @prevEvaluation AND f.outcome = 'fail' AND f.suppressed_by IS NULL ${aiOnly(q.ai, 'f.ai')}
               AND NOT EXISTS (SELECT 1 FROM findings g WHERE g.evaluation_id = @evaluation
                 AND g.fingerprint = f.fingerprint AND g.outcome = 'fail' AND g.suppressed_by IS NULL)
             GROUP BY f.provider, f.scope_id`,
            p,
          );
    // Nearest-rank p90 (rank ceil(0.9 n)) at each level.
    const p90 = this.all<R['p90'][number]>(
      `WITH a AS MATERIALIZED (SELECT provider, scope_id, age FROM (${agesAt(q.ai)}) WHERE age IS NOT NULL),
       ranked AS (SELECT provider, scope_id, age,
         row_number() OVER (PARTITION BY provider, scope_id ORDER BY age) AS rs,
         count(*) OVER (PARTITION BY provider, scope_id) AS ns,
         row_number() OVER (PARTITION BY provider ORDER BY age) AS rp,
         count(*) OVER (PARTITION BY provider) AS np,
         row_number() OVER (ORDER BY age) AS ro,
         count(*) OVER () AS no FROM a)
       SELECT 'scope' AS level, provider, scope_id AS scopeId, age AS days FROM ranked WHERE rs = (9 * ns + 9) / 10
       UNION ALL SELECT 'provider', provider, NULL, age FROM ranked WHERE rp = (9 * np + 9) / 10
       UNION ALL SELECT 'overall', NULL, NULL, age FROM ranked WHERE ro = (9 * no + 9) / 10`,
      p,
    );
    const buckets = AGE_BUCKETS.map((b, i) => `WHEN age <= ${b.maxDays ?? 1e9} THEN ${i}`).join(
      ' ',
    );
    const ageDistribution = this.all<R['ageDistribution'][number]>(
      `SELECT provider, CASE WHEN age IS NULL THEN -1 ${buckets} END AS bucket, count(*) AS count
       FROM (${agesAt(q.ai)}) GROUP BY provider, bucket`,
      p,
    );
    return {
      credentials,
      identities,
      findings,
      privileged,
      notEvaluatedSubjects,
      scopes,
      changes,
      resolved,
      p90,
      ageDistribution,
    };
  }
}
