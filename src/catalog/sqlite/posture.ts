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

type Row = Record<string, unknown>;

const READABLE = "('ok', 'partial', 'interrupted')";

/** A field's value at run @run: the old value of its first change after @run, else the current. */
const valueAt = (table: string, column: string) =>
  `CASE WHEN @later = 0 THEN ${table}.${column}
     WHEN EXISTS (SELECT 1 FROM changes ch WHERE ch.subject_id = ${table}.id AND ch.field = '${column}' AND ch.run_id > @run)
     THEN (SELECT ch.old_value FROM changes ch WHERE ch.subject_id = ${table}.id AND ch.field = '${column}' AND ch.run_id > @run ORDER BY ch.run_id, ch.rowid LIMIT 1)
     ELSE ${table}.${column} END`;

/** Ages in days at the run of the credentials present then (creation dates never change). */
const AGES_AT = `
SELECT c.provider, c.scope_id, julianday(@asOf) - julianday(c.created_at) AS age
FROM scores s JOIN credentials c ON c.id = s.subject_id
WHERE s.evaluation_id = @evaluation AND s.subject_kind = 'credential'`;

/** Credentials present at the run (the evaluation's scored credentials), as they were then. */
const CREDENTIALS_AT = `
SELECT c.id, c.provider, c.scope_id, c.type, c.created_at,
  ${valueAt('c', 'status')} AS status,
  ${valueAt('c', 'expires_at')} AS expires_at,
  julianday(@asOf) - julianday(c.created_at) AS age
FROM scores s JOIN credentials c ON c.id = s.subject_id
WHERE s.evaluation_id = @evaluation AND s.subject_kind = 'credential'`;

export class SqlitePosture {
  constructor(private readonly db: Db) {}

  /** Readable runs of the catalog's kind, newest first, within the window. */
  runs(w: RunWindow): ScanRun[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM scan_runs WHERE status IN ${READABLE} AND demo = @demo
           AND id <= @to AND (@since IS NULL OR started_at >= @since)
         ORDER BY id DESC LIMIT @limit`,
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

  rows(q: PostureQuery): PostureRows {
    const later =
      this.db.prepare(`SELECT 1 FROM changes WHERE run_id > ? LIMIT 1`).get(q.runId) !== undefined;
    const p = {
      evaluation: q.evaluationId,
      run: q.runId,
      asOf: q.asOf,
      later: later ? 1 : 0,
      rotatable: JSON.stringify(q.rotatableTypes),
    };
    const credentials = this.db
      .prepare(
        `WITH cs AS (${CREDENTIALS_AT}),
         r AS (SELECT cs.*,
           (cs.status = 'active' AND cs.type IN (SELECT value FROM json_each(@rotatable))) AS rotatable,
           (SELECT f.outcome FROM findings f WHERE f.evaluation_id = @evaluation AND f.subject_id = cs.id
              AND f.rule_id = 'credential-rotation' ORDER BY f.rank DESC LIMIT 1) AS rotation
           FROM cs)
         SELECT provider, scope_id, type, status, count(*) AS n,
           sum(expires_at IS NOT NULL) AS withExpiry,
           sum(created_at IS NOT NULL) AS aged,
           coalesce(sum(age), 0) AS ageSum,
           sum(rotatable) AS rotatable,
           sum(rotatable AND rotation = 'fail') AS rotationFail,
           sum(rotatable AND rotation = 'not-evaluated') AS rotationNotEvaluated
         FROM r GROUP BY provider, scope_id, type, status`,
      )
      .all(p) as Row[];
    const identities = this.db
      .prepare(
        `SELECT i.provider, i.scope_id, count(*) AS n,
           sum(coalesce(${valueAt('i', 'owner')}, '') <> '') AS withOwner,
           sum(EXISTS (SELECT 1 FROM grants g WHERE g.identity_id = i.id AND ${presentAt('g')})) AS withGrants
         FROM scores s JOIN identities i ON i.id = s.subject_id
         WHERE s.evaluation_id = @evaluation AND s.subject_kind = 'identity'
         GROUP BY i.provider, i.scope_id`,
      )
      .all(p) as Row[];
    const findings = this.db
      .prepare(
        `SELECT provider, scope_id, rule_id, outcome, severity, suppressed_by IS NOT NULL AS suppressed,
           count(*) AS n, count(DISTINCT identity_external_id) AS identities,
           coalesce(sum(CASE WHEN rule_id = 'unused-grant' AND outcome = 'fail'
             THEN json_extract(evidence_json, '$.unusedCount') END), 0) AS unusedGrants
         FROM findings WHERE evaluation_id = @evaluation
         GROUP BY provider, scope_id, rule_id, outcome, severity, suppressed`,
      )
      .all(p) as Row[];
    const privileged = this.db
      .prepare(
        `SELECT provider, scope_id, count(DISTINCT identity_external_id) AS n FROM findings
         WHERE evaluation_id = @evaluation AND outcome = 'fail'
           AND rule_id IN (SELECT value FROM json_each(@rules))
         GROUP BY provider, scope_id`,
      )
      .all({ evaluation: q.evaluationId, rules: JSON.stringify(q.privilegeRules) }) as Row[];
    const notEvaluated = this.db
      .prepare(
        `SELECT provider, scope_id, count(DISTINCT subject_id) AS n FROM findings
         WHERE evaluation_id = @evaluation AND outcome = 'not-evaluated'
         GROUP BY provider, scope_id`,
      )
      .all(p) as Row[];
    const scopes = this.db
      .prepare(`SELECT provider, scope_id, scope_name, status FROM scan_scopes WHERE run_id = ?`)
      .all(q.runId) as Row[];
    const changes =
      q.previousRunId === null
        ? []
        : (this.db
            .prepare(
              `SELECT provider, scope_id,
                 sum(first_seen_run > @prev AND first_seen_run <= @run) AS added,
                 sum(removed_run > @prev AND removed_run <= @run) AS removed
               FROM credentials
               WHERE (first_seen_run > @prev AND first_seen_run <= @run)
                  OR (removed_run > @prev AND removed_run <= @run)
               GROUP BY provider, scope_id`,
            )
            .all({ prev: q.previousRunId, run: q.runId }) as Row[]);
    const resolved =
      q.previousEvaluationId === null
        ? []
        : (this.db
            .prepare(
              // Reported at the previous run, not reported now; first seen in the earliest
              // stored evaluation that holds its fingerprint (one index probe per evaluation).
              `SELECT f.provider, f.scope_id, count(*) AS n,
                 sum(julianday(@asOf) - julianday((
                   SELECT min(r.started_at) FROM evaluations e JOIN scan_runs r ON r.id = e.run_id
                   WHERE e.status = 'complete' AND e.run_id <= @run AND EXISTS (
                     SELECT 1 FROM findings f2 WHERE f2.evaluation_id = e.id AND f2.fingerprint = f.fingerprint)))) AS days
               FROM findings f
               WHERE f.evaluation_id = @prevEvaluation AND f.outcome = 'fail' AND f.suppressed_by IS NULL
                 AND NOT EXISTS (SELECT 1 FROM findings g WHERE g.evaluation_id = @evaluation
                   AND g.fingerprint = f.fingerprint AND g.outcome = 'fail' AND g.suppressed_by IS NULL)
               GROUP BY f.provider, f.scope_id`,
            )
            .all({
              prevEvaluation: q.previousEvaluationId,
              evaluation: q.evaluationId,
              asOf: q.asOf,
              run: q.runId,
            }) as Row[]);
    // Nearest-rank p90 (rank ceil(0.9 n)) and the age distribution at each level.
    const percentiles = this.db
      .prepare(
        `WITH a AS MATERIALIZED (SELECT provider, scope_id, age FROM (${AGES_AT}) WHERE age IS NOT NULL),
         ranked AS (SELECT provider, scope_id, age,
           row_number() OVER (PARTITION BY provider, scope_id ORDER BY age) AS rs,
           count(*) OVER (PARTITION BY provider, scope_id) AS ns,
           row_number() OVER (PARTITION BY provider ORDER BY age) AS rp,
           count(*) OVER (PARTITION BY provider) AS np,
           row_number() OVER (ORDER BY age) AS ro,
           count(*) OVER () AS no FROM a)
         SELECT 'scope' AS level, provider, scope_id, age FROM ranked WHERE rs = (9 * ns + 9) / 10
         UNION ALL SELECT 'provider', provider, NULL, age FROM ranked WHERE rp = (9 * np + 9) / 10
         UNION ALL SELECT 'overall', NULL, NULL, age FROM ranked WHERE ro = (9 * no + 9) / 10`,
      )
      .all(p) as Row[];
    const buckets = AGE_BUCKETS.map((b, i) => `WHEN age <= ${b.maxDays ?? 1e9} THEN ${i}`).join(
      ' ',
    );
    const ages = this.db
      .prepare(
        `SELECT provider, CASE WHEN age IS NULL THEN -1 ${buckets} END AS bucket, count(*) AS n
         FROM (${AGES_AT}) GROUP BY provider, bucket`,
      )
      .all(p) as Row[];
    return {
      credentials: credentials.map((r) => ({
        provider: r.provider as string,
        scopeId: r.scope_id as string,
        type: r.type as string,
        status: r.status as string,
        count: r.n as number,
        withExpiry: r.withExpiry as number,
        aged: r.aged as number,
        ageSum: r.ageSum as number,
        rotatable: r.rotatable as number,
        rotationFail: r.rotationFail as number,
        rotationNotEvaluated: r.rotationNotEvaluated as number,
      })),
      identities: identities.map((r) => ({
        provider: r.provider as string,
        scopeId: r.scope_id as string,
        count: r.n as number,
        withOwner: r.withOwner as number,
        withGrants: r.withGrants as number,
      })),
      findings: findings.map((r) => ({
        provider: r.provider as string,
        scopeId: r.scope_id as string,
        ruleId: r.rule_id as string,
        outcome: r.outcome as 'fail' | 'not-evaluated',
        severity: r.severity as string,
        suppressed: r.suppressed === 1,
        count: r.n as number,
        identities: r.identities as number,
        unusedGrants: r.unusedGrants as number,
      })),
      privileged: privileged.map((r) => ({
        provider: r.provider as string,
        scopeId: r.scope_id as string,
        identities: r.n as number,
      })),
      notEvaluatedSubjects: notEvaluated.map((r) => ({
        provider: r.provider as string,
        scopeId: r.scope_id as string,
        subjects: r.n as number,
      })),
      scopes: scopes.map((r) => ({
        provider: r.provider as string,
        scopeId: r.scope_id as string,
        scopeName: r.scope_name as string,
        ok: r.status === 'ok',
      })),
      changes: changes.map((r) => ({
        provider: r.provider as string,
        scopeId: r.scope_id as string,
        added: r.added as number,
        removed: r.removed as number,
      })),
      resolved: resolved.map((r) => ({
        provider: r.provider as string,
        scopeId: r.scope_id as string,
        count: r.n as number,
        days: r.days as number,
      })),
      p90: percentiles.map((r) => ({
        level: r.level as 'overall' | 'provider' | 'scope',
        provider: (r.provider as string | null) ?? null,
        scopeId: (r.scope_id as string | null) ?? null,
        days: r.age as number,
      })),
      ageDistribution: ages.map((r) => ({
        provider: r.provider as string,
        bucket: r.bucket as number,
        count: r.n as number,
      })),
    };
  }
}
