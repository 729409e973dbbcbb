/**
 * Stored evaluations in SQLite: writing one scope by scope, and the queries views answer from.
 * Findings are read in canonical order straight off the `findings_order` index, so a report
 * streams without sorting; SARIF's order (rule, logical name) is sorted by SQLite, in bounded
 * memory (its sorter spills to temporary files).
 */
import type { Finding, OwnerAttribution, OwnerCandidate, Severity } from '../../model/index.js';
import type {
  EvaluatedBatch,
  EvaluationCounts,
  EvaluationInfo,
  EvaluationSummary,
  EvaluationWriter,
  ExceptionUse,
  FindingGroup,
  FindingGroupKey,
  FindingQuery,
  OwnerGroupRow,
  ScopeKey,
  UnownedRow,
  StoredException,
  StoredScore,
} from '../store.js';
import { currentHolder, holderAlive } from '../holder.js';
import type { Statement } from 'better-sqlite3';
import type { Db } from '../open.js';
import { pagesOf } from './pages.js';

type Row = Record<string, unknown>;

const RANK: Readonly<Record<Severity, number>> = {
  critical: 4,
  high: 3,
  medium: 2,
  low: 1,
  info: 0,
};
const SEVERITY_OF_RANK: readonly Severity[] = ['info', 'low', 'medium', 'high', 'critical'];
export const NOT_EVALUATED_RANK = -1;
export { SEVERITY_OF_RANK };
const BANDS = ['low', 'medium', 'high', 'critical'];
const rankOfBand = (b: unknown): number => BANDS.indexOf(b as string);

/** A finding's place in the canonical order: failing by severity, then not evaluated. */
export function findingRank(f: Pick<Finding, 'outcome' | 'severity'>): number {
  return f.outcome === 'fail' ? RANK[f.severity] : NOT_EVALUATED_RANK;
}

export function severityRank(s: Severity): number {
  return RANK[s];
}

/** Finding fields stored in columns; any other field is kept in extra_json as it is. */
const COLUMN_FIELDS = new Set<string>([
  'ruleId',
  'severity',
  'outcome',
  'subjectId',
  'subjectKind',
  'provider',
  'scopeId',
  'scopeName',
  'identityName',
  'identityExternalId',
  'credentialExternalId',
  'message',
  'evidence',
  'owasp',
  'cis',
  'playbook',
  'fingerprint',
  'points',
  'ai',
]);

export function extraOf(f: Finding): string | null {
  let extra: Record<string, unknown> | undefined;
  for (const k of Object.keys(f)) {
    if (COLUMN_FIELDS.has(k)) continue;
    const v = (f as unknown as Record<string, unknown>)[k];
    if (v !== undefined) (extra ??= {})[k] = v;
  }
  return extra ? JSON.stringify(extra) : null;
}

/** `provider/scope/identity[/credential]`, as report/common.ts `logicalName` builds it. */
export function logicalName(f: Finding): string {
  return [
    f.provider,
    f.scopeId,
    f.identityName,
    ...(f.credentialExternalId ? [f.credentialExternalId] : []),
  ].join('/');
}

/**
 * The columns a finding is built from: one per column field, in that order, then extra_json
 * (`findingFrom` reads them by position). Views read them as raw rows (arrays): better-sqlite3
 * builds an object per row otherwise, and for a report of a million findings that object costs
 * more than reading the row (bench/README.md, round 5).
 */
const FINDING_COLUMNS = [
  ...[...COLUMN_FIELDS].map((k) =>
    k === 'evidence' ? 'evidence_json' : k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`),
  ),
  'extra_json',
];

/** `f.rule_id, f.severity, …`: the select list of a raw finding row. */
export const FINDING_SELECT = FINDING_COLUMNS.map((c) => `f.${c}`).join(', ');

/** A finding from a raw row selected with FINDING_SELECT. */
export function findingFrom(v: readonly unknown[]): Finding {
  const f: Finding = {
    ruleId: v[0] as string,
    severity: v[1] as Severity,
    outcome: v[2] as Finding['outcome'],
    subjectId: v[3] as string,
    subjectKind: v[4] as Finding['subjectKind'],
    provider: v[5] as Finding['provider'],
    scopeId: v[6] as string,
    scopeName: v[7] as string,
    identityName: v[8] as string,
    identityExternalId: v[9] as string,
    credentialExternalId: (v[10] as string | null) ?? null,
    message: v[11] as string,
    evidence: JSON.parse(v[12] as string) as Record<string, unknown>,
    owasp: v[13] as string,
    cis: (v[14] as string | null) ?? null,
    playbook: (v[15] as string | null) ?? null,
    fingerprint: v[16] as string,
    points: v[17] as number,
    ...(v[18] === 1 ? { ai: true as const } : {}),
  };
  return v[19] ? Object.assign(f, JSON.parse(v[19] as string)) : f;
}

/** A finding from a row read as an object (`SELECT *`). */
export function toFinding(r: Row): Finding {
  return findingFrom(FINDING_COLUMNS.map((c) => r[c]));
}

/** `--owner` / `--team` match case-insensitively: columns hold the lower-cased key. */
export const ownerKey = (s: string | null | undefined): string | null =>
  typeof s === 'string' && s !== '' ? s.toLowerCase() : null;

export function toOwnership(json: unknown): OwnerAttribution | null {
  return typeof json === 'string' ? (JSON.parse(json) as OwnerAttribution) : null;
}

/** The columns a score is built from, in the order `scoreFrom` reads them (raw rows). */
const SCORE_SELECT =
  'subject_id, subject_kind, score, band, contributions_json, ai, ownership_json';

function scoreFrom(v: readonly unknown[]): StoredScore {
  return {
    subjectId: v[0] as string,
    subjectKind: v[1] as StoredScore['subjectKind'],
    score: v[2] as number,
    band: v[3] as string,
    contributions: JSON.parse(v[4] as string) as unknown[],
    ai: v[5] === 1,
    ownership: toOwnership(v[6]),
  };
}

export function toScore(r: Row): StoredScore {
  return scoreFrom([
    r.subject_id,
    r.subject_kind,
    r.score,
    r.band,
    r.contributions_json,
    r.ai,
    r.ownership_json,
  ]);
}

export function emptyCounts(): EvaluationCounts {
  return { bySeverity: { critical: 0, high: 0, medium: 0, low: 0, info: 0 }, notEvaluated: 0 };
}

export function toInfo(r: Row): EvaluationInfo {
  const summary = {
    ...emptyCounts(),
    suppressed: 0,
    expiredExceptions: 0,
    ...(JSON.parse(r.summary_json as string) as Partial<EvaluationSummary>),
  };
  return {
    id: r.id as number,
    runId: r.run_id as number,
    policyFingerprint: r.policy_fingerprint as string,
    asOf: r.as_of as string,
    status: r.status as EvaluationInfo['status'],
    nhiVersion: r.nhi_version as string,
    startedAt: r.started_at as string,
    finishedAt: (r.finished_at as string | null) ?? null,
    summary,
  };
}

const CANONICAL =
  'f.rank DESC, f.provider, f.scope_id, f.identity_external_id, f.credential_external_id, f.rule_id, f.fingerprint';
const ORDER_BY: Record<NonNullable<FindingQuery['order']>, string> = {
  canonical: CANONICAL,
  // No index serves it: with a LIMIT, SQLite keeps only the top rows in its sorter.
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

/** Every rank a finding has (rank is NOT NULL and one of these). */
const RANKS = [4, 3, 2, 1, 0, NOT_EVALUATED_RANK] as const;

/** The ranks a query keeps, as a list: an index seek can go past an equality, not a range. */
function ranksOf(q: FindingQuery): number[] {
  if (q.outcome === 'fail') return RANKS.filter((r) => r >= (q.minRank ?? 0));
  if (q.outcome === 'not-evaluated') return [NOT_EVALUATED_RANK];
  const min = q.minRank;
  return min === undefined ? [...RANKS] : RANKS.filter((r) => r >= min || r < 0);
}

/**
 * The WHERE clause of a finding query, with bound parameters only. `rankList`: the ranks as an
 * IN list of constants, so the index can seek to the provider and scope that follow the rank.
 */
function where(
  q: FindingQuery,
  opts: { rankList?: boolean } = {},
): { sql: string; params: Record<string, unknown> } {
  const parts = ['f.evaluation_id = @evaluation'];
  const params: Record<string, unknown> = { evaluation: q.evaluationId };
  parts.push(q.suppressed ? 'f.suppressed_by IS NOT NULL' : 'f.suppressed_by IS NULL');
  if (opts.rankList) {
    const ranks = ranksOf(q);
    parts.push(ranks.length ? `f.rank IN (${ranks.join(', ')})` : '0');
  } else if (q.outcome === 'fail') {
    parts.push(`f.rank >= @minRank`);
    params.minRank = q.minRank ?? 0;
  } else if (q.outcome === 'not-evaluated') {
    parts.push(`f.rank = ${NOT_EVALUATED_RANK}`);
  } else if (q.minRank !== undefined) {
    parts.push(`(f.rank >= @minRank OR f.rank = ${NOT_EVALUATED_RANK})`);
    params.minRank = q.minRank;
  }
  if (q.providers) {
    parts.push(`f.provider IN (SELECT value FROM json_each(@providers))`);
    params.providers = JSON.stringify(q.providers);
  }
  if (q.scopes) {
    parts.push(`(f.scope_id IN (SELECT value FROM json_each(@scopes))
      OR f.scope_name IN (SELECT value FROM json_each(@scopes)))`);
    params.scopes = JSON.stringify(q.scopes);
  }
  if (q.rules) {
    parts.push(`f.rule_id IN (SELECT value FROM json_each(@rules))`);
    params.rules = JSON.stringify(q.rules);
  }
  if (q.ai) parts.push('f.ai = 1');
  if (q.owner !== undefined) {
    parts.push('f.owner_key = @owner');
    params.owner = ownerKey(q.owner);
  }
  if (q.team !== undefined) {
    parts.push('f.team_key = @team');
    params.team = ownerKey(q.team);
  }
  if (q.absentFrom) {
    parts.push(`NOT EXISTS (SELECT 1 FROM findings o WHERE o.evaluation_id = @other
      AND o.suppressed_by IS NULL AND o.fingerprint = f.fingerprint
      ${q.absentFrom.outcome === undefined ? '' : q.absentFrom.outcome === 'fail' ? 'AND o.rank >= 0' : `AND o.rank = ${NOT_EVALUATED_RANK}`})`);
    params.other = q.absentFrom.evaluationId;
  }
  return { sql: parts.join(' AND '), params };
}

/** The statement report/check read findings with (exported so a test can ask for its plan). */
export function findingListQuery(q: FindingQuery): { sql: string; params: Row } {
  const w = where(q);
  const order = ORDER_BY[q.order ?? 'canonical'];
  const limit = q.limit === undefined ? '' : ' LIMIT @limit';
  const params = q.limit === undefined ? w.params : { ...w.params, limit: q.limit };
  return {
    sql: `SELECT ${FINDING_SELECT} FROM findings f WHERE ${w.sql} ORDER BY ${order}${limit}`,
    params,
  };
}

export class SqliteEvaluations {
  private readonly cache = new Map<string, Statement>();

  constructor(private readonly db: Db) {}

  private stmt(sql: string) {
    let s = this.cache.get(sql);
    if (!s) this.cache.set(sql, (s = this.db.prepare(sql)));
    return s;
  }

  /** A statement returning raw rows (arrays in select-list order). */
  private rawStmt(sql: string) {
    const key = `raw:${sql}`;
    let s = this.cache.get(key);
    if (!s) this.cache.set(key, (s = this.db.prepare(sql).raw(true)));
    return s;
  }

  /** The run's complete evaluation, if any. */
  evaluation(runId: number): EvaluationInfo | null {
    const r = this.stmt(
      `SELECT * FROM evaluations WHERE run_id = ? AND status = 'complete' ORDER BY id DESC LIMIT 1`,
    ).get(runId) as Row | undefined;
    return r ? toInfo(r) : null;
  }

  begin(init: {
    runId: number;
    policyFingerprint: string;
    asOf: string;
    version: string;
    now: Date;
  }): EvaluationWriter {
    const db = this.db;
    const holder = currentHolder();
    // Take over an attempt of the same evaluation whose process died; forget other dead ones.
    const running = db
      .prepare(`SELECT * FROM evaluations WHERE run_id = ? AND status = 'running' ORDER BY id`)
      .all(init.runId) as Row[];
    const dead = running.filter((r) => !r.holder || !holderAlive(r.holder as string));
    const resumable = dead.find(
      (r) => r.policy_fingerprint === init.policyFingerprint && r.as_of === init.asOf,
    );
    for (const r of dead) if (r !== resumable) this.drop(r.id as number);
    let id: number;
    const doneScopes = new Set<string>();
    if (resumable) {
      id = resumable.id as number;
      db.prepare(`UPDATE evaluations SET holder = ? WHERE id = ?`).run(holder, id);
      for (const s of db
        .prepare(`SELECT provider, scope_id FROM evaluation_scopes WHERE evaluation_id = ?`)
        .all(id) as Row[])
        doneScopes.add(scopeKeyOf(s.provider as string, s.scope_id as string));
      // Whatever the dead process wrote of a scope it did not finish is redone.
      db.transaction(() => {
        for (const table of ['findings', 'scores']) {
          db.prepare(
            `DELETE FROM ${table} WHERE evaluation_id = @id AND NOT EXISTS (
               SELECT 1 FROM evaluation_scopes s WHERE s.evaluation_id = @id
               AND s.provider = ${table}.provider AND s.scope_id = ${table}.scope_id)`,
          ).run({ id });
        }
      })();
    } else {
      id = Number(
        db
          .prepare(
            `INSERT INTO evaluations (run_id, policy_fingerprint, as_of, status, holder, nhi_version, started_at)
             VALUES (?, ?, ?, 'running', ?, ?, ?)`,
          )
          .run(
            init.runId,
            init.policyFingerprint,
            init.asOf,
            holder,
            init.version,
            init.now.toISOString(),
          ).lastInsertRowid,
      );
    }
    return new SqliteEvaluationWriter(db, this, id, init.runId, init.policyFingerprint, doneScopes);
  }

  /** Deletes an evaluation and everything stored under it. */
  drop(id: number): void {
    this.db.transaction(() => {
      for (const table of [
        'findings',
        'scores',
        'evaluation_scopes',
        'evaluation_exceptions',
        'expired_exception_matches',
      ]) {
        this.db.prepare(`DELETE FROM ${table} WHERE evaluation_id = ?`).run(id);
      }
      this.db.prepare(`DELETE FROM evaluations WHERE id = ?`).run(id);
    })();
  }

  summaryOf(id: number): EvaluationSummary {
    const counts = this.countFindings({ evaluationId: id });
    const suppressed = (
      this.stmt(
        `SELECT count(*) AS n FROM findings WHERE evaluation_id = ? AND suppressed_by IS NOT NULL`,
      ).get(id) as { n: number }
    ).n;
    const expired = (
      this.stmt(
        `SELECT count(*) AS n FROM evaluation_exceptions WHERE evaluation_id = ? AND expired_at IS NOT NULL`,
      ).get(id) as { n: number }
    ).n;
    return { ...counts, suppressed, expiredExceptions: expired };
  }

  findings(q: FindingQuery): AsyncGenerator<Finding[]> {
    if (q.order === 'sarif' && q.limit === undefined) return this.sarifFindings(q);
    const { sql, params } = findingListQuery(q);
    return pagesOf(this.rawStmt(sql), params, findingFrom);
  }

  /**
   * Findings in SARIF's order (rule, logical name, fingerprint), which no index serves. One
   * ORDER BY over them all spills SQLite's sorter to temporary files once they outgrow its
   * memory, merged in more passes the more there are (at 1M credentials the sort cost more
   * than the read: bench/README.md, round 5). The logical name starts `provider/scope/`, so
   * the findings of one rule and scope are sorted apart, a few MB each, and follow one another
   * in the order of that prefix. A '/' inside a provider or scope id could make one prefix
   * start another: then one sort does it all.
   */
  private async *sarifFindings(q: FindingQuery): AsyncGenerator<Finding[]> {
    const w = where(q);
    const parts = this.stmt(
      `SELECT DISTINCT f.rule_id AS rule, f.provider AS provider, f.scope_id AS scope
       FROM findings f WHERE ${w.sql} ORDER BY f.rule_id, f.provider || '/' || f.scope_id || '/'`,
    ).all(w.params) as { rule: string; provider: string; scope: string }[];
    if (parts.some((p) => p.provider.includes('/') || p.scope.includes('/'))) {
      const { sql, params } = findingListQuery(q);
      yield* pagesOf(this.rawStmt(sql), params, findingFrom);
      return;
    }
    const seek = where(q, { rankList: true });
    const stmt = this.rawStmt(
      `SELECT ${FINDING_SELECT} FROM findings f WHERE ${seek.sql}
       AND f.rule_id = @rule AND f.provider = @provider AND f.scope_id = @scope
       ORDER BY f.logical_name, f.fingerprint`,
    );
    for (const p of parts) yield* pagesOf(stmt, { ...seek.params, ...p }, findingFrom);
  }

  countFindings(q: FindingQuery): EvaluationCounts {
    const w = where(q);
    const counts = emptyCounts();
    for (const r of this.stmt(
      `SELECT f.rank AS rank, count(*) AS n FROM findings f WHERE ${w.sql} GROUP BY f.rank`,
    ).all(w.params) as { rank: number; n: number }[]) {
      if (r.rank === NOT_EVALUATED_RANK) counts.notEvaluated += r.n;
      else counts.bySeverity[SEVERITY_OF_RANK[r.rank]!] += r.n;
    }
    return counts;
  }

  groups(q: FindingQuery, by: readonly FindingGroupKey[]): FindingGroup[] {
    const w = where(q);
    const cols = by.map((k) => `${GROUP_COLUMN[k]} AS ${k}`);
    const sql = `SELECT ${[...cols, `sum(f.rank >= 0) AS fail`, `sum(f.rank < 0) AS notEvaluated`, `sum(f.points) AS points`, `count(DISTINCT f.subject_id) AS subjects`].join(', ')}
      FROM findings f WHERE ${w.sql}${by.length ? ` GROUP BY ${by.map((k) => GROUP_COLUMN[k]).join(', ')}` : ''}
      ORDER BY fail DESC, points DESC${by.length ? `, ${by.map((k) => GROUP_COLUMN[k]).join(', ')}` : ''}`;
    return (this.stmt(sql).all(w.params) as Row[]).map((r) => ({
      key: Object.fromEntries(by.map((k) => [k, String(r[k])])),
      fail: Number(r.fail ?? 0),
      notEvaluated: Number(r.notEvaluated ?? 0),
      points: Number(r.points ?? 0),
      subjects: Number(r.subjects ?? 0),
    }));
  }

  /** Findings about one identity and its credentials (the index's identity prefix). */
  findingsOfIdentity(
    evaluationId: number,
    identity: { provider: string; scopeId: string; externalId: string },
  ): Finding[] {
    return (
      this.stmt(
        `SELECT f.* FROM findings f WHERE f.evaluation_id = ? AND f.suppressed_by IS NULL
         AND f.rank IN (4, 3, 2, 1, 0, -1) AND f.provider = ? AND f.scope_id = ?
         AND f.identity_external_id = ? ORDER BY ${ORDER_BY.canonical}`,
      ).all(evaluationId, identity.provider, identity.scopeId, identity.externalId) as Row[]
    ).map(toFinding);
  }

  scoresOf(evaluationId: number, subjectIds: readonly string[]): Map<string, StoredScore> {
    const rows = this.stmt(
      `SELECT * FROM scores WHERE evaluation_id = ? AND subject_id IN (SELECT value FROM json_each(?))`,
    ).all(evaluationId, JSON.stringify(subjectIds)) as Row[];
    return new Map(rows.map((r) => [r.subject_id as string, toScore(r)]));
  }

  /** Every score of an evaluation, highest first (credentials before identities on a tie). */
  async *scores(evaluationId: number): AsyncGenerator<StoredScore[]> {
    const sql = `SELECT ${SCORE_SELECT} FROM scores WHERE evaluation_id = ? AND subject_kind = ?
      ORDER BY score DESC, created_key, subject_id`;
    const creds = pagesOf(this.rawStmt(sql), [evaluationId, 'credential'], scoreFrom);
    // Both kinds are read at once: the second cursor needs a statement of its own.
    const idents = pagesOf(this.db.prepare(sql).raw(true), [evaluationId, 'identity'], scoreFrom);
    yield* mergePages(
      creds,
      idents,
      (a, b) => b.score - a.score || (a.subjectKind === 'credential' ? -1 : 1),
    );
  }

  /**
   * Owned subjects (present identities, live credentials) grouped by owner, team and departed:
   * counts, worst score and bands from the scores, failing findings by severity and by rule
   * from the findings joined on their subject. The groups, not the subjects, come back.
   */
  ownerGroups(evaluationId: number, filter: { owner?: string; team?: string }): OwnerGroupRow[] {
    const params = {
      evaluation: evaluationId,
      owner: ownerKey(filter.owner),
      team: ownerKey(filter.team),
    };
    const owned = `s.evaluation_id = @evaluation AND s.owned = 1 AND s.live = 1
      AND (@owner IS NULL OR s.owner_key = @owner) AND (@team IS NULL OR s.team_key = @team)`;
    const groups = new Map<string, OwnerGroupRow>();
    const keyOf = (r: Row) => JSON.stringify([r.owner, r.team, r.departed === 1]);
    for (const r of this.stmt(
      `SELECT s.owner, s.team, coalesce(s.departed, 0) AS departed,
         sum(s.subject_kind = 'identity') AS identities, sum(s.subject_kind = 'credential') AS credentials,
         max(s.score) AS worst, sum(s.band = 'critical') AS critical, sum(s.band = 'high') AS high,
         sum(s.band = 'medium') AS medium, sum(s.band = 'low') AS low
       FROM scores s WHERE ${owned} GROUP BY s.owner, s.team, coalesce(s.departed, 0)`,
    ).all(params) as Row[]) {
      groups.set(keyOf(r), {
        owner: (r.owner as string | null) ?? null,
        team: (r.team as string | null) ?? null,
        departed: r.departed === 1,
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
    for (const r of this.stmt(
      `SELECT s.owner, s.team, coalesce(s.departed, 0) AS departed, s.band, max(s.score) AS score
       FROM scores s WHERE ${owned} GROUP BY s.owner, s.team, coalesce(s.departed, 0), s.band`,
    ).all(params) as Row[]) {
      const g = groups.get(keyOf(r));
      if (g && Number(r.score) === g.worstScore && rankOfBand(r.band) > rankOfBand(g.band))
        g.band = r.band as string;
    }
    for (const r of this.stmt(
      `SELECT s.owner, s.team, coalesce(s.departed, 0) AS departed, f.rule_id, f.severity,
         count(*) AS n, sum(f.points) AS points, max(f.playbook) AS playbook
       FROM scores s JOIN findings f ON f.evaluation_id = s.evaluation_id AND f.subject_id = s.subject_id
       WHERE ${owned} AND f.suppressed_by IS NULL AND f.rank >= 0
       GROUP BY s.owner, s.team, coalesce(s.departed, 0), f.rule_id, f.severity`,
    ).all(params) as Row[]) {
      const g = groups.get(keyOf(r));
      if (!g) continue;
      const n = Number(r.n);
      const severity = r.severity as Severity;
      if (severity !== 'info') g.findings[severity] += n;
      const t = g.todo.find((x) => x.ruleId === r.rule_id);
      if (t) {
        t.count += n;
        t.points += Number(r.points);
        t.playbook ??= (r.playbook as string | null) ?? null;
      } else {
        g.todo.push({
          ruleId: r.rule_id as string,
          count: n,
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
    return pagesOf(
      this.stmt(
        `SELECT s.subject_id, s.candidate_json, i.name, i.kind, i.provider, i.scope_id, i.scope_name,
           (SELECT count(*) FROM scores c WHERE c.evaluation_id = s.evaluation_id
              AND c.identity_id = s.subject_id AND c.live = 1) AS live_credentials,
           max(s.score, coalesce((SELECT max(c.score) FROM scores c
              WHERE c.evaluation_id = s.evaluation_id AND c.identity_id = s.subject_id), 0)) AS worst
         FROM scores s JOIN identities i ON i.id = s.subject_id
         WHERE s.evaluation_id = @evaluation AND s.subject_kind = 'identity' AND s.owned = 0
           AND live_credentials > 0
         ORDER BY worst DESC, i.name, s.subject_id`,
      ),
      { evaluation: evaluationId },
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

  exceptions(evaluationId: number): ExceptionUse[] {
    return (
      this.stmt(
        `SELECT e.*, CASE WHEN e.expired_at IS NULL
           THEN (SELECT count(*) FROM findings f WHERE f.evaluation_id = e.evaluation_id AND f.suppressed_by = e.idx)
           ELSE (SELECT count(*) FROM expired_exception_matches m WHERE m.evaluation_id = e.evaluation_id AND m.idx = e.idx)
         END AS uses
         FROM evaluation_exceptions e WHERE e.evaluation_id = ? ORDER BY e.idx`,
      ).all(evaluationId) as Row[]
    ).map((r) => ({
      index: r.idx as number,
      exception: JSON.parse(r.exception_json as string) as StoredException['exception'],
      expiredAt: (r.expired_at as string | null) ?? null,
      findings: Number(r.uses),
    }));
  }

  suppressed(evaluationId: number): AsyncGenerator<{ finding: Finding; exceptionIndex: number }[]> {
    return pagesOf(
      this.stmt(
        `SELECT f.* FROM findings f WHERE f.evaluation_id = ? AND f.suppressed_by IS NOT NULL
         ORDER BY ${ORDER_BY.canonical}`,
      ),
      [evaluationId],
      (r: Row) => ({ finding: toFinding(r), exceptionIndex: r.suppressed_by as number }),
    );
  }

  expiredMatches(evaluationId: number, index: number): AsyncGenerator<string[]> {
    return pagesOf(
      this.stmt(
        `SELECT m.fingerprint FROM expired_exception_matches m JOIN findings f
           ON f.evaluation_id = m.evaluation_id AND f.fingerprint = m.fingerprint
         WHERE m.evaluation_id = ? AND m.idx = ? ORDER BY ${ORDER_BY.canonical}`,
      ),
      [evaluationId, index],
      (r: Row) => r.fingerprint as string,
    );
  }
}

export const scopeKeyOf = (provider: string, scopeId: string): string => `${provider}\0${scopeId}`;

/**
 * Merges two ordered page streams into one. Rows are compared within pages held in hand; the
 * streams are awaited only for their next page (awaiting per row cost more than the merge).
 */
async function* mergePages<T>(
  a: AsyncIterable<readonly T[]>,
  b: AsyncIterable<readonly T[]>,
  compare: (x: T, y: T) => number,
): AsyncGenerator<T[]> {
  const sides = [a, b].map((s) => ({
    it: s[Symbol.asyncIterator](),
    page: [] as readonly T[],
    at: 0,
    done: false,
  }));
  const [x, y] = sides as [(typeof sides)[0], (typeof sides)[0]];
  let out: T[] = [];
  try {
    for (;;) {
      for (const s of sides) {
        while (s.at === s.page.length && !s.done) {
          const next = await s.it.next();
          if (next.done) s.done = true;
          else [s.page, s.at] = [next.value, 0];
        }
      }
      const hasX = x.at < x.page.length;
      const hasY = y.at < y.page.length;
      if (!hasX && !hasY) break;
      if (!hasY || (hasX && compare(x.page[x.at]!, y.page[y.at]!) <= 0)) out.push(x.page[x.at++]!);
      else out.push(y.page[y.at++]!);
      if (out.length >= 512) {
        yield out;
        out = [];
      }
    }
    if (out.length) yield out;
  } finally {
    // Stopped early (a limit, an error): the statements still open are finalised.
    for (const s of sides) if (!s.done) await s.it.return?.();
  }
}

const FINDING_INSERT = `INSERT INTO findings (evaluation_id, suppressed_by, rank, provider, scope_id,
  identity_external_id, credential_external_id, rule_id, fingerprint, severity, outcome, points,
  subject_kind, subject_id, scope_name, identity_name, logical_name, owasp, cis, playbook, message,
  evidence_json, extra_json, ai, owner_key, team_key)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

class SqliteEvaluationWriter implements EvaluationWriter {
  private readonly insertFinding;
  private readonly insertScore;
  private readonly insertMatch;
  private readonly writeBatchTx;

  constructor(
    private readonly db: Db,
    private readonly evaluations: SqliteEvaluations,
    readonly id: number,
    private readonly runId: number,
    private readonly fingerprint: string,
    readonly doneScopes: ReadonlySet<string>,
  ) {
    this.insertFinding = db.prepare(FINDING_INSERT);
    this.insertScore =
      db.prepare(`INSERT INTO scores (evaluation_id, subject_kind, subject_id, provider,
      scope_id, score, band, created_key, contributions_json, ai, owner, team, owner_key, team_key,
      owned, departed, live, identity_id, ownership_json, candidate_json)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    this.insertMatch = db.prepare(
      `INSERT OR IGNORE INTO expired_exception_matches (evaluation_id, idx, fingerprint) VALUES (?, ?, ?)`,
    );
    const add = (f: Finding, suppressedBy: number | null) =>
      this.insertFinding.run(
        id,
        suppressedBy,
        findingRank(f),
        f.provider,
        f.scopeId,
        f.identityExternalId,
        f.credentialExternalId,
        f.ruleId,
        f.fingerprint,
        f.severity,
        f.outcome,
        f.points,
        f.subjectKind,
        f.subjectId,
        f.scopeName,
        f.identityName,
        logicalName(f),
        f.owasp,
        f.cis,
        f.playbook,
        f.message,
        JSON.stringify(f.evidence ?? {}),
        extraOf(f),
        f.ai ? 1 : 0,
        ownerKey(f.owner),
        ownerKey(f.team),
      );
    this.writeBatchTx = db.transaction((batch: EvaluatedBatch) => {
      for (const f of batch.findings) add(f, null);
      for (const s of batch.suppressed) add(s.finding, s.exceptionIndex);
      for (const s of batch.scores) {
        this.insertScore.run(
          id,
          s.subjectKind,
          s.subjectId,
          s.provider,
          s.scopeId,
          s.score,
          s.band,
          s.createdAt ?? '~',
          JSON.stringify(s.contributions),
          s.ai ? 1 : 0,
          s.ownership?.owner ?? null,
          s.ownership?.team ?? null,
          ownerKey(s.ownership?.owner),
          ownerKey(s.ownership?.team),
          s.ownership?.owned ? 1 : 0,
          s.ownership?.departed === true ? 1 : s.ownership?.departed === false ? 0 : null,
          s.live ? 1 : 0,
          s.identityId,
          s.ownership ? JSON.stringify(s.ownership) : null,
          s.candidate ? JSON.stringify(s.candidate) : null,
        );
      }
      for (const m of batch.expiredMatches)
        this.insertMatch.run(id, m.exceptionIndex, m.fingerprint);
    });
  }

  scopeKey(scope: ScopeKey): string {
    return scopeKeyOf(scope.provider, scope.scopeId);
  }

  writeBatch(batch: EvaluatedBatch): Promise<void> {
    this.writeBatchTx(batch);
    return Promise.resolve();
  }

  finishScope(scope: ScopeKey): Promise<void> {
    this.db
      .prepare(
        `INSERT OR IGNORE INTO evaluation_scopes (evaluation_id, provider, scope_id) VALUES (?, ?, ?)`,
      )
      .run(this.id, scope.provider, scope.scopeId);
    return Promise.resolve();
  }

  complete(exceptions: readonly StoredException[]): Promise<EvaluationInfo> {
    const db = this.db;
    const insert = db.prepare(
      `INSERT OR REPLACE INTO evaluation_exceptions (evaluation_id, idx, exception_json, expired_at) VALUES (?, ?, ?, ?)`,
    );
    db.transaction(() => {
      for (const e of exceptions)
        insert.run(this.id, e.index, JSON.stringify(e.exception), e.expiredAt);
    })();
    const summary = this.evaluations.summaryOf(this.id);
    // Another process may have finished the same evaluation meanwhile: then keep that one.
    const superseded: number[] = [];
    const winner = db.transaction((): number => {
      const same = db
        .prepare(
          `SELECT id FROM evaluations WHERE run_id = ? AND status = 'complete' AND policy_fingerprint = ? AND id <> ?`,
        )
        .get(this.runId, this.fingerprint, this.id) as { id: number } | undefined;
      if (same) {
        superseded.push(this.id);
        return same.id;
      }
      db.prepare(
        `UPDATE evaluations SET status = 'complete', holder = NULL, finished_at = ?, summary_json = ? WHERE id = ?`,
      ).run(new Date().toISOString(), JSON.stringify(summary), this.id);
      for (const r of db
        .prepare(`SELECT id FROM evaluations WHERE run_id = ? AND status = 'complete' AND id <> ?`)
        .all(this.runId, this.id) as { id: number }[])
        superseded.push(r.id);
      return this.id;
    })();
    for (const id of superseded) this.evaluations.drop(id);
    const info = db.prepare(`SELECT * FROM evaluations WHERE id = ?`).get(winner) as Row;
    return Promise.resolve(toInfo(info));
  }
}
