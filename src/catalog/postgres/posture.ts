/**
 * Posture KPIs in PostgreSQL: the queries of sqlite/posture.ts in PostgreSQL's dialect (ages in
 * days through `nhi_julianday`, which reads an ISO instant as SQLite's julianday does and says
 * NULL for what is not one). Definitions: README, "Posture KPIs".
 */
import type { ScanRun } from '../../model/index.js';
import { AGE_BUCKETS, type PostureQuery, type PostureRows, type RunWindow } from '../store.js';
import type { PgDb } from './db.js';
import { presentAt } from './views.js';
import { READABLE, RUN_HEAD, toRun } from './runs.js';

type Row = Record<string, unknown>;

/** A field's value at run $2: the old value of its first change after the run, else the current. */
const valueAt = (table: string, column: string) =>
  `CASE WHEN NOT $4::boolean THEN ${table}.${column}
     WHEN EXISTS (SELECT 1 FROM changes ch WHERE ch.subject_id = ${table}.id AND ch.field = '${column}' AND ch.run_id > $2)
     THEN (SELECT ch.old_value FROM changes ch WHERE ch.subject_id = ${table}.id AND ch.field = '${column}' AND ch.run_id > $2 ORDER BY ch.run_id, ch.seq LIMIT 1)
     ELSE ${table}.${column} END`;

const AGE = `nhi_julianday($3) - nhi_julianday(c.created_at)`;

/** The AI-reaching subset (`PostureQuery.ai`), as sqlite/posture.ts filters it. */
const aiOnly = (ai: boolean | undefined, column: string) => (ai ? `AND ${column} = 1` : '');

const agesAt = (ai?: boolean) => `
SELECT c.provider, c.scope_id, ${AGE} AS age
FROM scores s JOIN credentials c ON c.id = s.subject_id
WHERE s.evaluation_id = $1 AND s.subject_kind = 'credential' ${aiOnly(ai, 's.ai')}`;

const credentialsAt = (ai?: boolean) => `
SELECT c.id, c.provider, c.scope_id, c.type, c.created_at,
  ${valueAt('c', 'status')} AS status,
  ${valueAt('c', 'expires_at')} AS expires_at,
  ${AGE} AS age
FROM scores s JOIN credentials c ON c.id = s.subject_id
WHERE s.evaluation_id = $1 AND s.subject_kind = 'credential' ${aiOnly(ai, 's.ai')}`;

/** Every query takes the same parameters: $1 evaluation, $2 run, $3 asOf, $4 later changes, … */
export class PgPosture {
  constructor(private readonly db: PgDb) {}

  async runs(w: RunWindow): Promise<ScanRun[]> {
    const rows = await this.db.rows(
      `SELECT * FROM scan_runs r WHERE r.status IN (${READABLE}) AND r.demo = $1
         AND r.id <= $2 AND ($3::text IS NULL OR r.started_at >= $3) AND ${RUN_HEAD}
       ORDER BY r.id DESC LIMIT $4`,
      [w.demo ? 1 : 0, w.toRun, w.since ?? null, w.limit ?? null],
    );
    return rows.map(toRun);
  }

  async rows(q: PostureQuery): Promise<PostureRows> {
    const later = (await this.db.one(`SELECT 1 FROM changes WHERE run_id > $1 LIMIT 1`, [q.runId]))
      ? true
      : false;
    const base = [q.evaluationId, q.runId, q.asOf, later];
    const all = async <T>(sql: string, extra: unknown[] = []): Promise<T[]> => {
      // A parameter a query does not use still needs a type: this CTE gives the shared ones.
      return (await this.db.rows(
        `WITH params AS (SELECT $1::bigint, $2::bigint, $3::text, $4::boolean) ${sql}`,
        [...base, ...extra],
      )) as T[];
    };
    type R = PostureRows;
    const num = <T extends Row>(rows: T[], keys: (keyof T)[]): T[] =>
      rows.map((r) => {
        for (const k of keys) (r as Row)[k as string] = Number(r[k] ?? 0);
        return r;
      });
    const credentials = num(
      await all<R['credentials'][number]>(
        `, cs AS (${credentialsAt(q.ai)}),
       r AS (SELECT cs.*,
         (cs.status = 'active' AND cs.type = ANY($5::text[])) AS rotatable,
         (SELECT f.outcome FROM findings f WHERE f.evaluation_id = $1 AND f.subject_id = cs.id
            AND f.rule_id = 'credential-rotation' ORDER BY f.rank DESC LIMIT 1) AS rotation
         FROM cs)
       SELECT provider, scope_id AS "scopeId", type, status, count(*) AS count,
         count(*) FILTER (WHERE expires_at IS NOT NULL) AS "withExpiry",
         count(*) FILTER (WHERE created_at IS NOT NULL) AS aged,
         coalesce(sum(age), 0) AS "ageSum",
         count(*) FILTER (WHERE rotatable) AS rotatable,
         count(*) FILTER (WHERE rotatable AND rotation = 'fail') AS "rotationFail",
         count(*) FILTER (WHERE rotatable AND rotation = 'not-evaluated') AS "rotationNotEvaluated"
       FROM r GROUP BY provider, scope_id, type, status ORDER BY provider, scope_id, type, status`,
        [q.rotatableTypes],
      ),
      [
        'count',
        'withExpiry',
        'aged',
        'ageSum',
        'rotatable',
        'rotationFail',
        'rotationNotEvaluated',
      ],
    );
    const identities = num(
      await all<R['identities'][number]>(
        `SELECT i.provider, i.scope_id AS "scopeId", count(*) AS count,
         count(*) FILTER (WHERE coalesce(${valueAt('i', 'owner')}, '') <> '') AS "withOwner",
         count(*) FILTER (WHERE EXISTS (SELECT 1 FROM grants g WHERE g.identity_id = i.id AND ${presentAt('g', '$2')})) AS "withGrants"
       FROM scores s JOIN identities i ON i.id = s.subject_id
       WHERE s.evaluation_id = $1 AND s.subject_kind = 'identity' ${aiOnly(q.ai, 's.ai')}
       GROUP BY i.provider, i.scope_id ORDER BY i.provider, i.scope_id`,
      ),
      ['count', 'withOwner', 'withGrants'],
    );
    const findings = num(
      await all<R['findings'][number]>(
        `SELECT provider, scope_id AS "scopeId", rule_id AS "ruleId", outcome, severity,
         suppressed_by IS NOT NULL AS suppressed,
         count(*) AS count, count(DISTINCT identity_external_id) AS identities,
         coalesce(sum(CASE WHEN rule_id = 'unused-grant' AND outcome = 'fail'
           THEN (evidence_json::jsonb ->> 'unusedCount')::float8 END), 0) AS "unusedGrants"
       FROM findings WHERE evaluation_id = $1 ${aiOnly(q.ai, 'ai')}
       GROUP BY provider, scope_id, rule_id, outcome, severity, suppressed_by IS NOT NULL
       ORDER BY provider, scope_id, rule_id, outcome, severity, suppressed`,
      ),
      ['count', 'identities', 'unusedGrants'],
    ).map((r) => ({ ...r, suppressed: Boolean(r.suppressed) }));
    const privileged = num(
      await all<R['privileged'][number]>(
        `SELECT provider, scope_id AS "scopeId", count(DISTINCT identity_external_id) AS identities
       FROM findings
       WHERE evaluation_id = $1 AND outcome = 'fail' AND rule_id = ANY($5::text[]) ${aiOnly(q.ai, 'ai')}
       GROUP BY provider, scope_id ORDER BY provider, scope_id`,
        [q.privilegeRules],
      ),
      ['identities'],
    );
    const notEvaluatedSubjects = num(
      await all<R['notEvaluatedSubjects'][number]>(
        `SELECT provider, scope_id AS "scopeId", count(DISTINCT subject_id) AS subjects FROM findings
       WHERE evaluation_id = $1 AND outcome = 'not-evaluated' ${aiOnly(q.ai, 'ai')}
       GROUP BY provider, scope_id ORDER BY provider, scope_id`,
      ),
      ['subjects'],
    );
    const scopes = (
      await all<R['scopes'][number]>(
        `SELECT provider, scope_id AS "scopeId", scope_name AS "scopeName", status = 'ok' AS ok
       FROM scan_scopes WHERE run_id = $2 ORDER BY provider, scope_id`,
      )
    ).map((r) => ({ ...r, ok: Boolean(r.ok) }));
    const changes =
      q.previousRunId === null
        ? []
        : num(
            await all<R['changes'][number]>(
              `SELECT provider, scope_id AS "scopeId",
               count(*) FILTER (WHERE first_seen_run > $5 AND first_seen_run <= $2) AS added,
               count(*) FILTER (WHERE removed_run > $5 AND removed_run <= $2) AS removed
             FROM credentials c
             WHERE ((first_seen_run > $5 AND first_seen_run <= $2)
                OR (removed_run > $5 AND removed_run <= $2)) ${
                  // AI: added ones reach AI now, removed ones did at the previous run.
                  q.ai
                    ? `AND EXISTS (SELECT 1 FROM scores s WHERE s.subject_id = c.id AND s.ai = 1
                         AND s.evaluation_id = CASE WHEN c.removed_run > $5 AND c.removed_run <= $2
                           THEN $6::bigint ELSE $1 END)`
                    : ''
                }
             GROUP BY provider, scope_id ORDER BY provider, scope_id`,
              q.ai ? [q.previousRunId, q.previousEvaluationId] : [q.previousRunId],
            ),
            ['added', 'removed'],
          );
    const resolved =
      q.previousEvaluationId === null
        ? []
        : num(
            await all<R['resolved'][number]>(
              `SELECT f.provider, f.scope_id AS "scopeId", count(*) AS count,
               sum(nhi_julianday($3) - nhi_julianday((
                 SELECT min(r.started_at) FROM evaluations e JOIN scan_runs r ON r.id = e.run_id
                 WHERE e.status = 'complete' AND e.run_id <= $2 AND EXISTS (
                   SELECT 1 FROM findings f2 WHERE f2.evaluation_id = e.id AND f2.fingerprint = f.fingerprint)))) AS days
             FROM findings f
             WHERE f.evaluation_id = $5 AND f.outcome = 'fail' AND f.suppressed_by IS NULL ${aiOnly(q.ai, 'f.ai')}
               AND NOT EXISTS (SELECT 1 FROM findings g WHERE g.evaluation_id = $1
                 AND g.fingerprint = f.fingerprint AND g.outcome = 'fail' AND g.suppressed_by IS NULL)
             GROUP BY f.provider, f.scope_id ORDER BY f.provider, f.scope_id`,
              [q.previousEvaluationId],
            ),
            ['count', 'days'],
          );
    const p90 = num(
      await all<R['p90'][number]>(
        `, a AS MATERIALIZED (SELECT provider, scope_id, age FROM (${agesAt(q.ai)}) x WHERE age IS NOT NULL),
       ranked AS (SELECT provider, scope_id, age,
         row_number() OVER (PARTITION BY provider, scope_id ORDER BY age) AS rs,
         count(*) OVER (PARTITION BY provider, scope_id) AS ns,
         row_number() OVER (PARTITION BY provider ORDER BY age) AS rp,
         count(*) OVER (PARTITION BY provider) AS np,
         row_number() OVER (ORDER BY age) AS ro,
         count(*) OVER () AS no FROM a)
       SELECT 'scope' AS level, provider, scope_id AS "scopeId", age AS days FROM ranked WHERE rs = (9 * ns + 9) / 10
       UNION ALL SELECT 'provider', provider, NULL, age FROM ranked WHERE rp = (9 * np + 9) / 10
       UNION ALL SELECT 'overall', NULL, NULL, age FROM ranked WHERE ro = (9 * no + 9) / 10`,
      ),
      ['days'],
    );
    const buckets = AGE_BUCKETS.map((b, i) => `WHEN age <= ${b.maxDays ?? 1e9} THEN ${i}`).join(
      ' ',
    );
    const ageDistribution = num(
      await all<R['ageDistribution'][number]>(
        `SELECT provider, bucket, count(*) AS count FROM (
         SELECT provider, CASE WHEN age IS NULL THEN -1 ${buckets} END AS bucket FROM (${agesAt(q.ai)}) x) b
       GROUP BY provider, bucket ORDER BY provider, bucket`,
      ),
      ['bucket', 'count'],
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
