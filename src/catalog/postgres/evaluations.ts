/**
 * Stored evaluations in PostgreSQL: the same tables and rules as sqlite/evaluations.ts. An
 * evaluation is written batch by batch (one transaction each) and made the run's in one
 * transaction holding a per-run advisory lock, so two processes evaluating one run (two views
 * starting at once, the last shards of a group) leave exactly one complete evaluation.
 * Findings stream in canonical order off the `findings_order` index (its text columns compare
 * bytes, as SQLite's do).
 */
import type { Finding, OwnerCandidate, Severity } from '../../model/index.js';
import { currentHolder, holderAlive } from '../holder.js';
import {
  emptyCounts,
  extraOf,
  findingRank,
  logicalName,
  NOT_EVALUATED_RANK,
  ownerKey,
  scopeKeyOf,
  SEVERITY_OF_RANK,
  toFinding,
  toInfo,
  toScore,
} from '../sqlite/evaluations.js';
import type {
  EvaluatedBatch,
  EvaluationCounts,
  EvaluationInfo,
  EvaluationSummary,
  EvaluationWriter,
  ExceptionUse,
  OwnerGroupRow,
  FindingGroup,
  FindingGroupKey,
  FindingQuery,
  ScopeKey,
  StoredException,
  StoredScore,
  UnownedRow,
} from '../store.js';
import { Params, type PgDb } from './db.js';
import { LOCK_NAMESPACE } from './schema.js';

type Row = Record<string, unknown>;

const CHUNK = 1000;

const BANDS = ['low', 'medium', 'high', 'critical'];
const rankOfBand = (b: unknown): number => BANDS.indexOf(b as string);

const CANONICAL =
  'f.rank DESC, f.provider, f.scope_id, f.identity_external_id, f.credential_external_id NULLS FIRST, f.rule_id, f.fingerprint';
export const PG_ORDER_BY: Record<NonNullable<FindingQuery['order']>, string> = {
  canonical: CANONICAL,
  points: `f.points DESC, ${CANONICAL}`,
  sarif: 'f.rule_id, f.logical_name, f.fingerprint',
  fingerprint: 'f.fingerprint',
};

const GROUP_COLUMN: Record<FindingGroupKey, string> = {
  provider: 'f.provider',
  scope: 'f.scope_id',
  rule: 'f.rule_id',
  severity: 'f.severity',
  message: 'f.message',
};

function where(q: FindingQuery, p: Params): string {
  const parts = [`f.evaluation_id = ${p.add(q.evaluationId)}`];
  parts.push(q.suppressed ? 'f.suppressed_by IS NOT NULL' : 'f.suppressed_by IS NULL');
  if (q.outcome === 'fail') {
    parts.push(`f.rank >= ${p.add(q.minRank ?? 0)}`);
  } else if (q.outcome === 'not-evaluated') {
    parts.push(`f.rank = ${NOT_EVALUATED_RANK}`);
  } else if (q.minRank !== undefined) {
    parts.push(`(f.rank >= ${p.add(q.minRank)} OR f.rank = ${NOT_EVALUATED_RANK})`);
  }
  if (q.providers) parts.push(`f.provider = ANY(${p.add(q.providers)}::text[])`);
  if (q.scopes) {
    const s = p.add(q.scopes);
    parts.push(`(f.scope_id = ANY(${s}::text[]) OR f.scope_name = ANY(${s}::text[]))`);
  }
  if (q.rules) parts.push(`f.rule_id = ANY(${p.add(q.rules)}::text[])`);
  if (q.ai) parts.push('f.ai = 1');
  if (q.owner !== undefined) parts.push(`f.owner_key = ${p.add(ownerKey(q.owner))}`);
  if (q.team !== undefined) parts.push(`f.team_key = ${p.add(ownerKey(q.team))}`);
  if (q.absentFrom) {
    const o = q.absentFrom.outcome;
    parts.push(`NOT EXISTS (SELECT 1 FROM findings o WHERE o.evaluation_id = ${p.add(q.absentFrom.evaluationId)}
      AND o.suppressed_by IS NULL AND o.fingerprint = f.fingerprint
      ${o === undefined ? '' : o === 'fail' ? 'AND o.rank >= 0' : `AND o.rank = ${NOT_EVALUATED_RANK}`})`);
  }
  return parts.join(' AND ');
}

export class PgEvaluations {
  constructor(private readonly db: PgDb) {}

  async evaluation(runId: number): Promise<EvaluationInfo | null> {
    const r = await this.db.one(
      `SELECT * FROM evaluations WHERE run_id = $1 AND status = 'complete' ORDER BY id DESC LIMIT 1`,
      [runId],
    );
    return r ? toInfo(r) : null;
  }

  async begin(init: {
    runId: number;
    policyFingerprint: string;
    asOf: string;
    version: string;
    now: Date;
  }): Promise<EvaluationWriter> {
    const db = this.db;
    const holder = currentHolder();
    const running = await db.rows(
      `SELECT * FROM evaluations WHERE run_id = $1 AND status = 'running' ORDER BY id`,
      [init.runId],
    );
    const dead = running.filter((r) => !r.holder || !holderAlive(r.holder as string));
    const resumable = dead.find(
      (r) => r.policy_fingerprint === init.policyFingerprint && r.as_of === init.asOf,
    );
    for (const r of dead) if (r !== resumable) await this.drop(Number(r.id));
    let id: number;
    const doneScopes = new Set<string>();
    if (resumable) {
      id = Number(resumable.id);
      await db.rows(`UPDATE evaluations SET holder = $1 WHERE id = $2`, [holder, id]);
      for (const s of await db.rows(
        `SELECT provider, scope_id FROM evaluation_scopes WHERE evaluation_id = $1`,
        [id],
      ))
        doneScopes.add(scopeKeyOf(s.provider as string, s.scope_id as string));
      // Whatever the dead process wrote of a scope it did not finish is redone.
      await db.tx(async () => {
        for (const table of ['findings', 'scores']) {
          await db.rows(
            `DELETE FROM ${table} t WHERE t.evaluation_id = $1 AND NOT EXISTS (
               SELECT 1 FROM evaluation_scopes s WHERE s.evaluation_id = $1
               AND s.provider = t.provider AND s.scope_id = t.scope_id)`,
            [id],
          );
        }
      });
    } else {
      const r = await db.one<{ id: number }>(
        `INSERT INTO evaluations (run_id, policy_fingerprint, as_of, status, holder, nhi_version, started_at)
         VALUES ($1, $2, $3, 'running', $4, $5, $6) RETURNING id`,
        [
          init.runId,
          init.policyFingerprint,
          init.asOf,
          holder,
          init.version,
          init.now.toISOString(),
        ],
      );
      id = Number(r!.id);
    }
    return new PgEvaluationWriter(db, this, id, init.runId, init.policyFingerprint, doneScopes);
  }

  async drop(id: number): Promise<void> {
    await this.db.tx(async () => {
      for (const table of [
        'findings',
        'scores',
        'evaluation_scopes',
        'evaluation_exceptions',
        'expired_exception_matches',
      ])
        await this.db.rows(`DELETE FROM ${table} WHERE evaluation_id = $1`, [id]);
      await this.db.rows(`DELETE FROM evaluations WHERE id = $1`, [id]);
    });
  }

  async summaryOf(id: number): Promise<EvaluationSummary> {
    const counts = await this.countFindings({ evaluationId: id });
    const r = await this.db.one<{ s: number; e: number }>(
      `SELECT (SELECT count(*) FROM findings WHERE evaluation_id = $1 AND suppressed_by IS NOT NULL) AS s,
         (SELECT count(*) FROM evaluation_exceptions WHERE evaluation_id = $1 AND expired_at IS NOT NULL) AS e`,
      [id],
    );
    return { ...counts, suppressed: Number(r!.s), expiredExceptions: Number(r!.e) };
  }

  findings(q: FindingQuery): AsyncGenerator<Finding[]> {
    const p = new Params();
    const w = where(q, p);
    const limit = q.limit === undefined ? '' : ` LIMIT ${p.add(q.limit)}`;
    return this.db.pages(
      `SELECT f.* FROM findings f WHERE ${w} ORDER BY ${PG_ORDER_BY[q.order ?? 'canonical']}${limit}`,
      p.values,
      toFinding,
    );
  }

  async countFindings(q: FindingQuery): Promise<EvaluationCounts> {
    const p = new Params();
    const w = where(q, p);
    const counts = emptyCounts();
    for (const r of await this.db.rows<{ rank: number; n: number }>(
      `SELECT f.rank AS rank, count(*) AS n FROM findings f WHERE ${w} GROUP BY f.rank`,
      p.values,
    )) {
      if (r.rank === NOT_EVALUATED_RANK) counts.notEvaluated += Number(r.n);
      else counts.bySeverity[SEVERITY_OF_RANK[r.rank]!] += Number(r.n);
    }
    return counts;
  }

  async groups(q: FindingQuery, by: readonly FindingGroupKey[]): Promise<FindingGroup[]> {
    const p = new Params();
    const w = where(q, p);
    const cols = by.map((k) => `${GROUP_COLUMN[k]} AS "${k}"`);
    const keys = by.map((k) => GROUP_COLUMN[k]).join(', ');
    const sql = `SELECT ${[
      ...cols,
      `count(*) FILTER (WHERE f.rank >= 0) AS fail`,
      `count(*) FILTER (WHERE f.rank < 0) AS "notEvaluated"`,
      `coalesce(sum(f.points), 0) AS points`,
      `count(DISTINCT f.subject_id) AS subjects`,
    ].join(', ')}
      FROM findings f WHERE ${w}${by.length ? ` GROUP BY ${keys}` : ''}
      ORDER BY fail DESC, points DESC${by.length ? `, ${keys}` : ''}`;
    const rows = await this.db.rows(sql, p.values);
    // SQLite answers an ungrouped aggregate over no rows with one row of zeros, too.
    return rows.map((r) => ({
      key: Object.fromEntries(by.map((k) => [k, String(r[k])])),
      fail: Number(r.fail ?? 0),
      notEvaluated: Number(r.notEvaluated ?? 0),
      points: Number(r.points ?? 0),
      subjects: Number(r.subjects ?? 0),
    }));
  }

  async findingsOfIdentity(
    evaluationId: number,
    identity: { provider: string; scopeId: string; externalId: string },
  ): Promise<Finding[]> {
    return (
      await this.db.rows(
        `SELECT f.* FROM findings f WHERE f.evaluation_id = $1 AND f.suppressed_by IS NULL
         AND f.provider = $2 AND f.scope_id = $3 AND f.identity_external_id = $4
         ORDER BY ${PG_ORDER_BY.canonical}`,
        [evaluationId, identity.provider, identity.scopeId, identity.externalId],
      )
    ).map(toFinding);
  }

  async scoresOf(
    evaluationId: number,
    subjectIds: readonly string[],
  ): Promise<Map<string, StoredScore>> {
    const rows = await this.db.rows(
      `SELECT * FROM scores WHERE evaluation_id = $1 AND subject_id = ANY($2::text[])`,
      [evaluationId, subjectIds],
    );
    return new Map(rows.map((r) => [r.subject_id as string, toScore(r)]));
  }

  /** Every score, highest first; on a tie credentials before identities (as SQLite merges). */
  scores(evaluationId: number): AsyncGenerator<StoredScore[]> {
    return this.db.pages(
      `SELECT * FROM scores WHERE evaluation_id = $1
       ORDER BY score DESC, subject_kind, created_key, subject_id`,
      [evaluationId],
      toScore,
    );
  }

  async exceptions(evaluationId: number): Promise<ExceptionUse[]> {
    return (
      await this.db.rows(
        `SELECT e.*, CASE WHEN e.expired_at IS NULL
           THEN (SELECT count(*) FROM findings f WHERE f.evaluation_id = e.evaluation_id AND f.suppressed_by = e.idx)
           ELSE (SELECT count(*) FROM expired_exception_matches m WHERE m.evaluation_id = e.evaluation_id AND m.idx = e.idx)
         END AS uses
         FROM evaluation_exceptions e WHERE e.evaluation_id = $1 ORDER BY e.idx`,
        [evaluationId],
      )
    ).map((r) => ({
      index: Number(r.idx),
      exception: JSON.parse(r.exception_json as string) as StoredException['exception'],
      expiredAt: (r.expired_at as string | null) ?? null,
      findings: Number(r.uses),
    }));
  }

  /**
   * Owned subjects (present identities, live credentials) grouped by owner, team and departed,
   * as sqlite/evaluations.ts ownerGroups: counts, worst score and bands from the scores,
   * failing findings by severity and by rule from the findings joined on their subject.
   */
  async ownerGroups(
    evaluationId: number,
    filter: { owner?: string; team?: string },
  ): Promise<OwnerGroupRow[]> {
    const params = [evaluationId, ownerKey(filter.owner), ownerKey(filter.team)];
    const owned = `s.evaluation_id = $1 AND s.owned = 1 AND s.live = 1
      AND ($2::text IS NULL OR s.owner_key = $2) AND ($3::text IS NULL OR s.team_key = $3)`;
    const groups = new Map<string, OwnerGroupRow>();
    const keyOf = (r: Row) => JSON.stringify([r.owner, r.team, Number(r.departed) === 1]);
    const n = (cond: string) => `count(*) FILTER (WHERE ${cond})`;
    for (const r of await this.db.rows(
      `SELECT s.owner, s.team, coalesce(s.departed, 0) AS departed,
         ${n(`s.subject_kind = 'identity'`)} AS identities, ${n(`s.subject_kind = 'credential'`)} AS credentials,
         max(s.score) AS worst, ${n(`s.band = 'critical'`)} AS critical, ${n(`s.band = 'high'`)} AS high,
         ${n(`s.band = 'medium'`)} AS medium, ${n(`s.band = 'low'`)} AS low
       FROM scores s WHERE ${owned} GROUP BY s.owner, s.team, coalesce(s.departed, 0)`,
      params,
    )) {
      groups.set(keyOf(r), {
        owner: (r.owner as string | null) ?? null,
        team: (r.team as string | null) ?? null,
        departed: Number(r.departed) === 1,
        identities: Number(r.identities),
        credentials: Number(r.credentials),
        worstScore: Number(r.worst),
        band: null,
        bands: {
          critical: Number(r.critical),
          high: Number(r.high),
          medium: Number(r.medium),
          low: Number(r.low),
        },
        findings: { critical: 0, high: 0, medium: 0, low: 0 },
        todo: [],
      });
    }
    // The band of the worst score (a band is its subject's worst finding's severity).
    for (const r of await this.db.rows(
      `SELECT s.owner, s.team, coalesce(s.departed, 0) AS departed, s.band, max(s.score) AS score
       FROM scores s WHERE ${owned} GROUP BY s.owner, s.team, coalesce(s.departed, 0), s.band`,
      params,
    )) {
      const g = groups.get(keyOf(r));
      if (g && Number(r.score) === g.worstScore && rankOfBand(r.band) > rankOfBand(g.band))
        g.band = r.band as string;
    }
    for (const r of await this.db.rows(
      `SELECT s.owner, s.team, coalesce(s.departed, 0) AS departed, f.rule_id, f.severity,
         count(*) AS n, sum(f.points) AS points, max(f.playbook) AS playbook
       FROM scores s JOIN findings f ON f.evaluation_id = s.evaluation_id AND f.subject_id = s.subject_id
       WHERE ${owned} AND f.suppressed_by IS NULL AND f.rank >= 0
       GROUP BY s.owner, s.team, coalesce(s.departed, 0), f.rule_id, f.severity`,
      params,
    )) {
      const g = groups.get(keyOf(r));
      if (!g) continue;
      const count = Number(r.n);
      const severity = r.severity as Severity;
      if (severity !== 'info') g.findings[severity] += count;
      const t = g.todo.find((x) => x.ruleId === r.rule_id);
      if (t) {
        t.count += count;
        t.points += Number(r.points);
        t.playbook ??= (r.playbook as string | null) ?? null;
      } else {
        g.todo.push({
          ruleId: r.rule_id as string,
          count,
          points: Number(r.points),
          playbook: (r.playbook as string | null) ?? null,
        });
      }
    }
    for (const g of groups.values())
      g.todo.sort((a, b) => b.points - a.points || a.ruleId.localeCompare(b.ruleId));
    return [...groups.values()];
  }

  /** Present identities nobody owns that hold live credentials, worst first, then by name. */
  unownedIdentities(evaluationId: number): AsyncGenerator<UnownedRow[]> {
    return this.db.pages(
      `SELECT * FROM (
         SELECT s.subject_id, s.candidate_json, i.name, i.kind, i.provider, i.scope_id, i.scope_name,
           (SELECT count(*) FROM scores c WHERE c.evaluation_id = s.evaluation_id
              AND c.identity_id = s.subject_id AND c.live = 1) AS live_credentials,
           greatest(s.score, coalesce((SELECT max(c.score) FROM scores c
              WHERE c.evaluation_id = s.evaluation_id AND c.identity_id = s.subject_id), 0)) AS worst
         FROM scores s JOIN identities i ON i.id = s.subject_id
         WHERE s.evaluation_id = $1 AND s.subject_kind = 'identity' AND s.owned = 0) u
       WHERE u.live_credentials > 0
       ORDER BY u.worst DESC, u.name, u.subject_id`,
      [evaluationId],
      (r: Row): UnownedRow => ({
        identityId: r.subject_id as string,
        name: r.name as string,
        kind: r.kind as string,
        provider: r.provider as UnownedRow['provider'],
        scopeId: r.scope_id as string,
        scopeName: r.scope_name as string,
        liveCredentials: Number(r.live_credentials),
        worstScore: Number(r.worst),
        candidate:
          typeof r.candidate_json === 'string'
            ? (JSON.parse(r.candidate_json) as OwnerCandidate)
            : null,
      }),
    );
  }

  suppressed(evaluationId: number): AsyncGenerator<{ finding: Finding; exceptionIndex: number }[]> {
    return this.db.pages(
      `SELECT f.* FROM findings f WHERE f.evaluation_id = $1 AND f.suppressed_by IS NOT NULL
       ORDER BY ${PG_ORDER_BY.canonical}`,
      [evaluationId],
      (r: Row) => ({ finding: toFinding(r), exceptionIndex: Number(r.suppressed_by) }),
    );
  }

  expiredMatches(evaluationId: number, index: number): AsyncGenerator<string[]> {
    return this.db.pages(
      `SELECT m.fingerprint FROM expired_exception_matches m JOIN findings f
         ON f.evaluation_id = m.evaluation_id AND f.fingerprint = m.fingerprint
       WHERE m.evaluation_id = $1 AND m.idx = $2 ORDER BY ${PG_ORDER_BY.canonical}`,
      [evaluationId, index],
      (r: Row) => r.fingerprint as string,
    );
  }
}

const FINDING_COLS = `evaluation_id bigint, suppressed_by int, rank int, provider text, scope_id text,
  identity_external_id text, credential_external_id text, rule_id text, fingerprint text,
  severity text, outcome text, points int, subject_kind text, subject_id text, scope_name text,
  identity_name text, logical_name text, owasp text, cis text, playbook text, message text,
  evidence_json text, extra_json text, ai int, owner_key text, team_key text`;
const SCORE_COLS = `evaluation_id bigint, subject_kind text, subject_id text, provider text,
  scope_id text, score int, band text, created_key text, contributions_json text, ai int, owner text, team text,
  owner_key text, team_key text, owned int, departed int, live int, identity_id text,
  ownership_json text, candidate_json text`;

const names = (cols: string) => cols.split(',').map((c) => c.trim().split(/\s+/)[0]!);
const insertSql = (table: string, cols: string, conflict = '') =>
  `INSERT INTO ${table} (${names(cols).join(', ')})
   SELECT ${names(cols)
     .map((n) => `r.${n}`)
     .join(', ')} FROM jsonb_to_recordset($1::jsonb) AS r(${cols})${conflict}`;
const INSERT_FINDINGS = insertSql('findings', FINDING_COLS);
const INSERT_SCORES = insertSql('scores', SCORE_COLS);

function* chunks<T>(rows: readonly T[]): Generator<T[]> {
  for (let i = 0; i < rows.length; i += CHUNK) yield rows.slice(i, i + CHUNK);
}

class PgEvaluationWriter implements EvaluationWriter {
  constructor(
    private readonly db: PgDb,
    private readonly evaluations: PgEvaluations,
    readonly id: number,
    private readonly runId: number,
    private readonly fingerprint: string,
    readonly doneScopes: ReadonlySet<string>,
  ) {}

  scopeKey(scope: ScopeKey): string {
    return scopeKeyOf(scope.provider, scope.scopeId);
  }

  private finding(f: Finding, suppressedBy: number | null) {
    return {
      evaluation_id: this.id,
      suppressed_by: suppressedBy,
      rank: findingRank(f),
      provider: f.provider,
      scope_id: f.scopeId,
      identity_external_id: f.identityExternalId,
      credential_external_id: f.credentialExternalId,
      rule_id: f.ruleId,
      fingerprint: f.fingerprint,
      severity: f.severity,
      outcome: f.outcome,
      points: f.points,
      subject_kind: f.subjectKind,
      subject_id: f.subjectId,
      scope_name: f.scopeName,
      identity_name: f.identityName,
      logical_name: logicalName(f),
      owasp: f.owasp,
      cis: f.cis,
      playbook: f.playbook,
      message: f.message,
      evidence_json: JSON.stringify(f.evidence ?? {}),
      extra_json: extraOf(f),
      ai: f.ai ? 1 : 0,
      owner_key: ownerKey(f.owner),
      team_key: ownerKey(f.team),
    };
  }

  async writeBatch(batch: EvaluatedBatch): Promise<void> {
    const findings = [
      ...batch.findings.map((f) => this.finding(f, null)),
      ...batch.suppressed.map((s) => this.finding(s.finding, s.exceptionIndex)),
    ];
    const scores = batch.scores.map((s) => ({
      evaluation_id: this.id,
      subject_kind: s.subjectKind,
      subject_id: s.subjectId,
      provider: s.provider,
      scope_id: s.scopeId,
      score: s.score,
      band: s.band,
      created_key: s.createdAt ?? '~',
      contributions_json: JSON.stringify(s.contributions),
      ai: s.ai ? 1 : 0,
      owner: s.ownership?.owner ?? null,
      team: s.ownership?.team ?? null,
      owner_key: ownerKey(s.ownership?.owner),
      team_key: ownerKey(s.ownership?.team),
      owned: s.ownership?.owned ? 1 : 0,
      departed: s.ownership?.departed === true ? 1 : s.ownership?.departed === false ? 0 : null,
      live: s.live ? 1 : 0,
      identity_id: s.identityId,
      ownership_json: s.ownership ? JSON.stringify(s.ownership) : null,
      candidate_json: s.candidate ? JSON.stringify(s.candidate) : null,
    }));
    await this.db.tx(async () => {
      for (const part of chunks(findings))
        await this.db.rows(INSERT_FINDINGS, [JSON.stringify(part)]);
      for (const part of chunks(scores)) await this.db.rows(INSERT_SCORES, [JSON.stringify(part)]);
      for (const part of chunks(batch.expiredMatches)) {
        await this.db.rows(
          `INSERT INTO expired_exception_matches (evaluation_id, idx, fingerprint)
           SELECT $1, r.idx, r.fingerprint FROM jsonb_to_recordset($2::jsonb) AS r(idx int, fingerprint text)
           ON CONFLICT DO NOTHING`,
          [
            this.id,
            JSON.stringify(
              part.map((m) => ({ idx: m.exceptionIndex, fingerprint: m.fingerprint })),
            ),
          ],
        );
      }
    });
  }

  async finishScope(scope: ScopeKey): Promise<void> {
    await this.db.rows(
      `INSERT INTO evaluation_scopes (evaluation_id, provider, scope_id) VALUES ($1, $2, $3)
       ON CONFLICT DO NOTHING`,
      [this.id, scope.provider, scope.scopeId],
    );
  }

  async complete(exceptions: readonly StoredException[]): Promise<EvaluationInfo> {
    const db = this.db;
    await db.tx(async () => {
      for (const e of exceptions)
        await db.rows(
          `INSERT INTO evaluation_exceptions (evaluation_id, idx, exception_json, expired_at)
           VALUES ($1, $2, $3, $4) ON CONFLICT (evaluation_id, idx) DO UPDATE
           SET exception_json = excluded.exception_json, expired_at = excluded.expired_at`,
          [this.id, e.index, JSON.stringify(e.exception), e.expiredAt],
        );
    });
    const summary = await this.evaluations.summaryOf(this.id);
    // Another process may have finished the same evaluation meanwhile: then keep that one.
    const superseded: number[] = [];
    const winner = await db.tx(async (): Promise<number> => {
      await db.rows(`SELECT pg_advisory_xact_lock($1, hashtext($2))`, [
        LOCK_NAMESPACE,
        `evaluation/${this.runId}`,
      ]);
      const same = await db.one<{ id: number }>(
        `SELECT id FROM evaluations WHERE run_id = $1 AND status = 'complete' AND policy_fingerprint = $2 AND id <> $3`,
        [this.runId, this.fingerprint, this.id],
      );
      if (same) {
        superseded.push(this.id);
        return Number(same.id);
      }
      await db.rows(
        `UPDATE evaluations SET status = 'complete', holder = NULL, finished_at = $1, summary_json = $2 WHERE id = $3`,
        [new Date().toISOString(), JSON.stringify(summary), this.id],
      );
      for (const r of await db.rows<{ id: number }>(
        `SELECT id FROM evaluations WHERE run_id = $1 AND status = 'complete' AND id <> $2`,
        [this.runId, this.id],
      ))
        superseded.push(Number(r.id));
      return this.id;
    });
    for (const id of superseded) await this.evaluations.drop(id);
    return toInfo((await db.one(`SELECT * FROM evaluations WHERE id = $1`, [winner]))!);
  }
}
