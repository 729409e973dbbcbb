/**
 * Inventory reads in SQLite: a scope in batches for the evaluator, and the subject lists views
 * page through. Every query returns only the rows asked for; sorting by score reads the
 * `scores_order` index, so the first rows of a large estate come without a sort.
 */
import type { StoredCredential } from '../../model/index.js';
import type {
  CredentialChange,
  CredentialRow,
  IdentityRow,
  PresentScope,
  ScopeBatch,
  ScopeKey,
  SubjectKind,
  SubjectQuery,
} from '../store.js';
import type { Statement } from 'better-sqlite3';
import type { Db } from '../open.js';
import { CREDENTIAL_SELECT, toCredential, toGrant, toIdentity } from '../rows.js';
import { ownerKey, toOwnership } from './evaluations.js';
import { pagesOf } from './pages.js';

type Row = Record<string, unknown>;

/** Present as of run @run: seen by then and not removed by then. */
export const presentAt = (t: string): string =>
  `${t}.first_seen_run <= @run AND (${t}.removed_run IS NULL OR ${t}.removed_run > @run)`;

const CREDENTIAL_SORT: Record<SubjectQuery['sort'], string> = {
  score: 's.score DESC, s.created_key, c.id',
  age: 'c.created_at IS NULL, c.created_at, c.id',
  'last-used': '(c.last_used_known = 1 AND c.last_used_at IS NOT NULL), c.last_used_at, c.id',
  provider: 'c.provider, c.scope_id, c.id',
};
const IDENTITY_SORT: Record<SubjectQuery['sort'], string> = {
  score: 's.score DESC, s.created_key, i.id',
  age: 'i.created_at IS NULL, i.created_at, i.id',
  'last-used': '(i.last_used_known = 1 AND i.last_used_at IS NOT NULL), i.last_used_at, i.id',
  provider: 'i.provider, i.scope_id, i.id',
};
/** Removed subjects have no score: they sort after every scored one. */
const REMOVED_SCORE_SORT = (t: 'c' | 'i') =>
  `coalesce(s.score, -1) DESC, coalesce(s.created_key, '~'), ${t}.id`;

const jsonList = (xs: readonly string[]) => JSON.stringify(xs);

function subjectWhere(kind: SubjectKind, q: SubjectQuery): { sql: string; params: Row } {
  const t = kind === 'credential' ? 'c' : 'i';
  const parts: string[] = [];
  const params: Row = { evaluation: q.evaluationId, run: q.runId };
  if (!q.includeRemoved) parts.push(`s.evaluation_id = @evaluation AND s.subject_kind = '${kind}'`);
  if (q.providers) {
    parts.push(`${t}.provider IN (SELECT value FROM json_each(@providers))`);
    params.providers = jsonList(q.providers);
  }
  if (q.types) {
    parts.push(
      `${t}.${kind === 'credential' ? 'type' : 'kind'} IN (SELECT value FROM json_each(@types))`,
    );
    params.types = jsonList(q.types);
  }
  if (q.statuses && kind === 'credential') {
    parts.push(`c.status IN (SELECT value FROM json_each(@statuses))`);
    params.statuses = jsonList(q.statuses);
  }
  if (q.scope !== undefined) {
    parts.push(`(${t}.scope_id = @scope OR ${t}.scope_name = @scope)`);
    params.scope = q.scope;
  }
  if (q.bands) {
    parts.push(`s.band IN (SELECT value FROM json_each(@bands))`);
    params.bands = jsonList(q.bands);
  }
  if (q.ai) parts.push('s.ai = 1');
  if (q.owner !== undefined) {
    parts.push('s.owner_key = @owner');
    params.owner = ownerKey(q.owner);
  }
  if (q.team !== undefined) {
    parts.push('s.team_key = @team');
    params.team = ownerKey(q.team);
  }
  return { sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '', params };
}

function credentialFrom(q: SubjectQuery): string {
  return q.includeRemoved
    ? `credentials c LEFT JOIN scores s ON s.evaluation_id = @evaluation AND s.subject_id = c.id
       LEFT JOIN identities i ON i.id = c.identity_id`
    : `scores s JOIN credentials c ON c.id = s.subject_id LEFT JOIN identities i ON i.id = c.identity_id`;
}

function identityFrom(q: SubjectQuery): string {
  return q.includeRemoved
    ? `identities i LEFT JOIN scores s ON s.evaluation_id = @evaluation AND s.subject_id = i.id`
    : `scores s JOIN identities i ON i.id = s.subject_id`;
}

const limited = (q: SubjectQuery, params: Row) =>
  q.limit === undefined ? params : { ...params, limit: q.limit };

/** The statement `list` runs (exported so a test can ask SQLite for its plan). */
export function credentialListQuery(q: SubjectQuery): { sql: string; params: Row } {
  const w = subjectWhere('credential', q);
  const order =
    q.includeRemoved && q.sort === 'score' ? REMOVED_SCORE_SORT('c') : CREDENTIAL_SORT[q.sort];
  const sql = `SELECT c.*, i.external_id AS identity_external_id, i.name AS identity_name,
      i.kind AS identity_kind, s.score AS score, s.band AS band, s.ai AS ai,
      s.ownership_json AS ownership_json
    FROM ${credentialFrom(q)} ${w.sql} ORDER BY ${order}${q.limit === undefined ? '' : ' LIMIT @limit'}`;
  return { sql, params: limited(q, w.params) };
}

export function identityListQuery(q: SubjectQuery): { sql: string; params: Row } {
  const w = subjectWhere('identity', q);
  const order =
    q.includeRemoved && q.sort === 'score' ? REMOVED_SCORE_SORT('i') : IDENTITY_SORT[q.sort];
  const sql = `SELECT i.*, s.score AS score, s.band AS band, s.ai AS ai,
      s.ownership_json AS ownership_json,
      (SELECT count(*) FROM credentials c WHERE c.identity_id = i.id AND ${presentAt('c')}) AS credential_count
    FROM ${identityFrom(q)} ${w.sql} ORDER BY ${order}${q.limit === undefined ? '' : ' LIMIT @limit'}`;
  return { sql, params: limited(q, w.params) };
}

export class SqliteViews {
  private readonly cache = new Map<string, Statement>();

  constructor(private readonly db: Db) {}

  private stmt(sql: string) {
    let s = this.cache.get(sql);
    if (!s) this.cache.set(sql, (s = this.db.prepare(sql)));
    return s;
  }

  /** Scopes with identities or credentials present at a run, in (provider, scope) order. */
  presentScopes(runId: number): PresentScope[] {
    const candidates = this.stmt(
      `SELECT DISTINCT provider, scope_id FROM scan_scopes WHERE run_id <= ? AND status = 'ok'
       ORDER BY provider, scope_id`,
    ).all(runId) as { provider: ScopeKey['provider']; scope_id: string }[];
    const exists = (table: string) =>
      this.stmt(
        `SELECT 1 FROM ${table} t WHERE t.provider = @provider AND t.scope_id = @scope AND ${presentAt('t')} LIMIT 1`,
      );
    const present: PresentScope[] = [];
    for (const s of candidates) {
      const p = { provider: s.provider, scope: s.scope_id, run: runId };
      const identities = exists('identities').get(p) !== undefined;
      if (identities || exists('credentials').get(p) !== undefined)
        present.push({ provider: s.provider, scopeId: s.scope_id, identities });
    }
    return present;
  }

  /**
   * A scope as present at a run, in batches of identities (in external-id order, so stored
   * findings append to their index) with all their credentials and grants; then credentials
   * whose identity is no longer present, on their own.
   */
  *scopeBatches(runId: number, scope: ScopeKey, size: number): Generator<ScopeBatch> {
    const p = { provider: scope.provider, scope: scope.scopeId, run: runId };
    const present: number[] = [];
    const absent: number[] = [];
    for (const r of this.stmt(
      `SELECT rowid AS r, (${presentAt('i')}) AS present FROM identities i
       WHERE i.provider = @provider AND i.scope_id = @scope ORDER BY i.external_id`,
    )
      .raw()
      .iterate(p) as IterableIterator<[number, number]>) {
      (r[1] ? present : absent).push(r[0]);
    }
    // Plain rows, joined in memory: the batch holds the identities and credentials the
    // external ids come from, so no row pays an index lookup for them.
    const identities = this.stmt(
      `SELECT * FROM identities WHERE rowid IN (SELECT value FROM json_each(@ids)) ORDER BY external_id`,
    );
    const credentials = this.stmt(
      `SELECT * FROM credentials c WHERE c.identity_id IN (SELECT value FROM json_each(@ids))
       AND ${presentAt('c')}`,
    );
    const grants = this.stmt(
      `SELECT * FROM grants g WHERE g.identity_id IN (SELECT value FROM json_each(@ids))
       AND ${presentAt('g')}`,
    );
    const externalId = this.stmt(`SELECT external_id FROM credentials WHERE id = ?`).pluck();
    const batch = (rowids: number[], present: boolean): ScopeBatch => {
      const idRows = identities.all({ ids: JSON.stringify(rowids) }) as Row[];
      const identityExternal = new Map(idRows.map((r) => [r.id as string, r.external_id]));
      const ids = JSON.stringify([...identityExternal.keys()]);
      const credRows = credentials.all({ ids, run: runId }) as Row[];
      const credentialExternal = new Map(credRows.map((r) => [r.id as string, r.external_id]));
      for (const r of credRows)
        r.identity_external_id = identityExternal.get(r.identity_id as string);
      const grantRows = present ? (grants.all({ ids, run: runId }) as Row[]) : [];
      for (const r of grantRows) {
        r.identity_external_id = identityExternal.get(r.identity_id as string);
        const c = r.credential_id as string | null;
        r.credential_external_id = c
          ? (credentialExternal.get(c) ?? externalId.get(c) ?? null)
          : null;
      }
      return {
        identities: present ? idRows.map(toIdentity) : [],
        credentials: credRows.map(toCredential),
        grants: grantRows.map(toGrant),
        ...(present ? {} : { removedIdentities: idRows.map(toIdentity) }),
      };
    };
    for (let at = 0; at < present.length; at += size)
      yield batch(present.slice(at, at + size), true);
    // Credentials still present whose identity is not: evaluated on their own, as the engine
    // does with a placeholder identity.
    for (let at = 0; at < absent.length; at += size) {
      const orphans = batch(absent.slice(at, at + size), false);
      if (orphans.credentials.length) yield orphans;
    }
  }

  credentials(q: SubjectQuery): AsyncGenerator<CredentialRow[]> {
    const { sql, params } = credentialListQuery(q);
    return pagesOf(this.stmt(sql), params, (r: Row): CredentialRow => ({
      credential: toCredential(r),
      identity:
        r.identity_name === null
          ? null
          : {
              name: r.identity_name as string,
              kind: r.identity_kind as string,
              externalId: r.identity_external_id as string,
            },
      score:
        r.score === null
          ? null
          : { score: r.score as number, band: r.band as string, ai: r.ai === 1 },
      ownership: toOwnership(r.ownership_json),
    }));
  }

  identities(q: SubjectQuery): AsyncGenerator<IdentityRow[]> {
    const { sql, params } = identityListQuery(q);
    return pagesOf(this.stmt(sql), params, (r: Row): IdentityRow => ({
      identity: toIdentity(r),
      credentials: Number(r.credential_count),
      score:
        r.score === null
          ? null
          : { score: r.score as number, band: r.band as string, ai: r.ai === 1 },
      ownership: toOwnership(r.ownership_json),
    }));
  }

  countSubjects(kind: SubjectKind, q: SubjectQuery): number {
    const w = subjectWhere(kind, q);
    // Each present subject has one score row: with no filter on the subject's own columns the
    // count reads the scores index alone (joining 100k credentials cost `list` ~1 s).
    const scoresOnly =
      !q.includeRemoved && !q.providers && !q.types && !q.statuses && q.scope === undefined;
    const from = scoresOnly
      ? 'scores s'
      : kind === 'credential'
        ? credentialFrom(q)
        : identityFrom(q);
    return (this.stmt(`SELECT count(*) AS n FROM ${from} ${w.sql}`).get(w.params) as { n: number })
      .n;
  }

  credentialChanges(
    fromRun: number,
    toRun: number,
    change: CredentialChange['change'],
  ): AsyncGenerator<StoredCredential[]> {
    const column = change === 'added' ? 'first_seen_run' : 'removed_run';
    return pagesOf(
      this.stmt(
        `${CREDENTIAL_SELECT} WHERE c.${column} > @from AND c.${column} <= @to
         ORDER BY c.provider, c.scope_id, c.id`,
      ),
      { from: fromRun, to: toRun },
      (r: Row) => toCredential(r),
    );
  }

  changes(fromRun: number, toRun: number) {
    return pagesOf(
      this.stmt(
        `SELECT * FROM changes WHERE run_id > ? AND run_id <= ? AND field <> 'removed_run' ORDER BY rowid`,
      ),
      [fromRun, toRun],
      (r: Row) => ({
        subjectId: String(r.subject_id),
        runId: Number(r.run_id),
        field: String(r.field),
        oldValue: (r.old_value as string | null) ?? null,
        newValue: (r.new_value as string | null) ?? null,
      }),
    );
  }
}
