/**
 * Inventory reads in PostgreSQL, as sqlite/views.ts answers them: a scope in batches for the
 * evaluator, the subject lists views page through (server-side cursors: a page in memory, not
 * the estate), resolving a reference, history and changes. Orders are SQLite's: NULLs first
 * where SQLite puts them first, text by bytes (the columns' "C" collation, migration 9).
 */
import type pg from 'pg';
import type { ProviderId, Scope, ScopeKind, StoredCredential } from '../../model/index.js';
import { OPEN_RUN_STATUSES } from '../../model/index.js';
import { entityId } from '../ids.js';
import { CREDENTIAL_SELECT, GRANT_SELECT, toCredential, toGrant, toIdentity } from '../rows.js';
import type {
  Candidate,
  ChangeRecord,
  CredentialChange,
  CredentialRow,
  IdentityRow,
  OpenPlaybookRun,
  Resolved,
  ScopeBatch,
  ScopeKey,
  SubjectKind,
  SubjectQuery,
} from '../store.js';
import { ownerKey, toOwnership } from '../sqlite/evaluations.js';
import { Params, type PgDb } from './db.js';

type Row = Record<string, unknown>;

/** Present as of run `run` (a `$n`): seen by then and not removed by then. */
export const presentAt = (t: string, run: string): string =>
  `${t}.first_seen_run <= ${run} AND (${t}.removed_run IS NULL OR ${t}.removed_run > ${run})`;

const CREDENTIAL_SORT: Record<SubjectQuery['sort'], string> = {
  score: 's.score DESC, s.created_key, c.id',
  age: 'c.created_at IS NULL, c.created_at, c.id',
  'last-used':
    '(c.last_used_known = 1 AND c.last_used_at IS NOT NULL), c.last_used_at NULLS FIRST, c.id',
  provider: 'c.provider, c.scope_id, c.id',
};
const IDENTITY_SORT: Record<SubjectQuery['sort'], string> = {
  score: 's.score DESC, s.created_key, i.id',
  age: 'i.created_at IS NULL, i.created_at, i.id',
  'last-used':
    '(i.last_used_known = 1 AND i.last_used_at IS NOT NULL), i.last_used_at NULLS FIRST, i.id',
  provider: 'i.provider, i.scope_id, i.id',
};
const REMOVED_SCORE_SORT = (t: 'c' | 'i') =>
  `coalesce(s.score, -1) DESC, coalesce(s.created_key, '~'), ${t}.id`;

function subjectWhere(kind: SubjectKind, q: SubjectQuery, p: Params): string {
  const t = kind === 'credential' ? 'c' : 'i';
  const parts: string[] = [];
  if (!q.includeRemoved)
    parts.push(`s.evaluation_id = ${p.add(q.evaluationId)} AND s.subject_kind = '${kind}'`);
  if (q.providers) parts.push(`${t}.provider = ANY(${p.add(q.providers)}::text[])`);
  if (q.types)
    parts.push(`${t}.${kind === 'credential' ? 'type' : 'kind'} = ANY(${p.add(q.types)}::text[])`);
  if (q.statuses && kind === 'credential')
    parts.push(`c.status = ANY(${p.add(q.statuses)}::text[])`);
  if (q.scope !== undefined) {
    const s = p.add(q.scope);
    parts.push(`(${t}.scope_id = ${s} OR ${t}.scope_name = ${s})`);
  }
  if (q.bands) parts.push(`s.band = ANY(${p.add(q.bands)}::text[])`);
  if (q.ai) parts.push('s.ai = 1');
  if (q.owner !== undefined) parts.push(`s.owner_key = ${p.add(ownerKey(q.owner))}`);
  if (q.team !== undefined) parts.push(`s.team_key = ${p.add(ownerKey(q.team))}`);
  return parts.length ? `WHERE ${parts.join(' AND ')}` : '';
}

function credentialFrom(q: SubjectQuery, p: Params): string {
  return q.includeRemoved
    ? `credentials c LEFT JOIN scores s ON s.evaluation_id = ${p.add(q.evaluationId)} AND s.subject_id = c.id
       LEFT JOIN identities i ON i.id = c.identity_id`
    : `scores s JOIN credentials c ON c.id = s.subject_id LEFT JOIN identities i ON i.id = c.identity_id`;
}

function identityFrom(q: SubjectQuery, p: Params): string {
  return q.includeRemoved
    ? `identities i LEFT JOIN scores s ON s.evaluation_id = ${p.add(q.evaluationId)} AND s.subject_id = i.id`
    : `scores s JOIN identities i ON i.id = s.subject_id`;
}

const scoreCell = (r: Row) =>
  r.score === null || r.score === undefined
    ? null
    : { score: Number(r.score), band: r.band as string, ai: r.ai === 1 };

const OPEN = OPEN_RUN_STATUSES.map((s) => `'${s}'`).join(', ');

export class PgViews {
  constructor(private readonly db: PgDb) {}

  /**
   * A scope as present at a run: identities in batches (external-id order) with their
   * credentials and grants, then credentials whose identity is gone, on their own. Each batch
   * is read in the identities cursor's snapshot, on its connection.
   */
  async *scopeBatches(runId: number, scope: ScopeKey, size: number): AsyncGenerator<ScopeBatch> {
    const batch = async (c: pg.Client, ids: string[], present: boolean): Promise<ScopeBatch> => {
      const idRows = (
        await c.query(`SELECT * FROM identities WHERE id = ANY($1::text[]) ORDER BY external_id`, [
          ids,
        ])
      ).rows as Row[];
      const identityExternal = new Map(idRows.map((r) => [r.id as string, r.external_id]));
      const credRows = (
        await c.query(
          `SELECT * FROM credentials c WHERE c.identity_id = ANY($1::text[]) AND ${presentAt('c', '$2')}`,
          [ids, runId],
        )
      ).rows as Row[];
      const credentialExternal = new Map(credRows.map((r) => [r.id as string, r.external_id]));
      for (const r of credRows)
        r.identity_external_id = identityExternal.get(r.identity_id as string);
      const grantRows = present
        ? ((
            await c.query(
              `SELECT g.*, x.external_id AS other_credential FROM grants g
               LEFT JOIN credentials x ON x.id = g.credential_id
               WHERE g.identity_id = ANY($1::text[]) AND ${presentAt('g', '$2')}`,
              [ids, runId],
            )
          ).rows as Row[])
        : [];
      for (const r of grantRows) {
        r.identity_external_id = identityExternal.get(r.identity_id as string);
        const id = r.credential_id as string | null;
        r.credential_external_id = id
          ? (credentialExternal.get(id) ?? (r.other_credential as string | null) ?? null)
          : null;
      }
      return {
        identities: present ? idRows.map(toIdentity) : [],
        credentials: credRows.map(toCredential),
        grants: grantRows.map(toGrant),
      };
    };
    const ids = (present: boolean) =>
      this.db.cursor<{ id: string }, ScopeBatch>(
        `SELECT i.id FROM identities i WHERE i.provider = $1 AND i.scope_id = $2
         AND ${present ? '' : 'NOT '}(${presentAt('i', '$3')}) ORDER BY i.external_id`,
        [scope.provider, scope.scopeId, runId],
        async (rows, c) => {
          const b = await batch(
            c,
            rows.map((r) => r.id),
            present,
          );
          return present || b.credentials.length ? [b] : [];
        },
        size,
      );
    for await (const page of ids(true)) yield* page;
    for await (const page of ids(false)) yield* page;
  }

  credentials(q: SubjectQuery): AsyncGenerator<CredentialRow[]> {
    const p = new Params();
    const from = credentialFrom(q, p);
    const w = subjectWhere('credential', q, p);
    const order =
      q.includeRemoved && q.sort === 'score' ? REMOVED_SCORE_SORT('c') : CREDENTIAL_SORT[q.sort];
    const limit = q.limit === undefined ? '' : ` LIMIT ${p.add(q.limit)}`;
    return this.db.pages(
      `SELECT c.*, i.external_id AS identity_external_id, i.name AS identity_name,
         i.kind AS identity_kind, s.score AS score, s.band AS band, s.ai AS ai,
         s.ownership_json AS ownership_json
       FROM ${from} ${w} ORDER BY ${order}${limit}`,
      p.values,
      (r: Row): CredentialRow => ({
        credential: toCredential(r),
        identity:
          r.identity_name === null
            ? null
            : {
                name: r.identity_name as string,
                kind: r.identity_kind as string,
                externalId: r.identity_external_id as string,
              },
        score: scoreCell(r),
        ownership: toOwnership(r.ownership_json),
      }),
    );
  }

  identities(q: SubjectQuery): AsyncGenerator<IdentityRow[]> {
    const p = new Params();
    const from = identityFrom(q, p);
    const w = subjectWhere('identity', q, p);
    const order =
      q.includeRemoved && q.sort === 'score' ? REMOVED_SCORE_SORT('i') : IDENTITY_SORT[q.sort];
    const run = p.add(q.runId);
    const limit = q.limit === undefined ? '' : ` LIMIT ${p.add(q.limit)}`;
    return this.db.pages(
      `SELECT i.*, s.score AS score, s.band AS band, s.ai AS ai,
         s.ownership_json AS ownership_json,
         (SELECT count(*) FROM credentials c WHERE c.identity_id = i.id AND ${presentAt('c', `${run}::bigint`)}) AS credential_count
       FROM ${from} ${w} ORDER BY ${order}${limit}`,
      p.values,
      (r: Row): IdentityRow => ({
        identity: toIdentity(r),
        credentials: Number(r.credential_count),
        score: scoreCell(r),
        ownership: toOwnership(r.ownership_json),
      }),
    );
  }

  async countSubjects(kind: SubjectKind, q: SubjectQuery): Promise<number> {
    const p = new Params();
    const from = kind === 'credential' ? credentialFrom(q, p) : identityFrom(q, p);
    const w = subjectWhere(kind, q, p);
    const r = await this.db.one<{ n: number }>(`SELECT count(*) AS n FROM ${from} ${w}`, p.values);
    return Number(r!.n);
  }

  credentialChanges(
    fromRun: number,
    toRun: number,
    change: CredentialChange['change'],
  ): AsyncGenerator<StoredCredential[]> {
    const column = change === 'added' ? 'first_seen_run' : 'removed_run';
    return this.db.pages(
      `${CREDENTIAL_SELECT} WHERE c.${column} > $1 AND c.${column} <= $2
       ORDER BY c.provider, c.scope_id, c.id`,
      [fromRun, toRun],
      (r: Row) => toCredential(r),
    );
  }

  changes(
    fromRun: number,
    toRun: number,
  ): AsyncGenerator<(ChangeRecord & { subjectId: string })[]> {
    return this.db.pages(
      `SELECT * FROM changes WHERE run_id > $1 AND run_id <= $2 AND field <> 'removed_run' ORDER BY seq`,
      [fromRun, toRun],
      toChange,
    );
  }

  async history(subjectIds: readonly string[]): Promise<(ChangeRecord & { subjectId: string })[]> {
    return (
      await this.db.rows(
        `SELECT * FROM changes WHERE subject_id = ANY($1::text[])
         ORDER BY array_position($1::text[], subject_id), seq`,
        [subjectIds],
      )
    ).map(toChange);
  }

  async grantsOfIdentity(identityId: string) {
    return (
      await this.db.rows(`${GRANT_SELECT} WHERE g.identity_id = $1 ORDER BY g.permission`, [
        identityId,
      ])
    ).map(toGrant);
  }

  async openPlaybookRuns(credentialIds: readonly string[]): Promise<OpenPlaybookRun[]> {
    const rows = await this.db.rows(
      `SELECT DISTINCT ON (credential_id) id, kind, status, credential_id FROM playbook_runs
       WHERE credential_id = ANY($1::text[]) AND status IN (${OPEN}) ORDER BY credential_id, id`,
      [credentialIds],
    );
    const byId = new Map(rows.map((r) => [r.credential_id as string, r]));
    return credentialIds.flatMap((id) => {
      const r = byId.get(id);
      return r
        ? [{ id: Number(r.id), kind: String(r.kind), status: String(r.status), credentialId: id }]
        : [];
    });
  }

  async scopes(): Promise<Scope[]> {
    const rows = await this.db.rows(
      `SELECT DISTINCT ON (provider, scope_id) provider, scope_id, scope_name, scope_kind
       FROM scan_scopes ORDER BY provider, scope_id, run_id DESC`,
    );
    return rows.map((r) => ({
      provider: r.provider as ProviderId,
      id: String(r.scope_id),
      name: String(r.scope_name),
      kind: r.scope_kind as ScopeKind,
    }));
  }

  private async scopeOf(provider: ProviderId, scopeId: string): Promise<Scope> {
    const r = await this.db.one(
      `SELECT scope_name, scope_kind FROM scan_scopes WHERE provider = $1 AND scope_id = $2 ORDER BY run_id DESC LIMIT 1`,
      [provider, scopeId],
    );
    return {
      provider,
      id: scopeId,
      name: r ? String(r.scope_name) : scopeId,
      kind: (r?.scope_kind as ScopeKind) ?? 'account',
    };
  }

  private async demoRun(runId: number): Promise<boolean> {
    const r = await this.db.one(`SELECT demo FROM scan_runs WHERE id = $1`, [runId]);
    return r?.demo === 1;
  }

  async credentialsOfIdentity(identityId: string): Promise<StoredCredential[]> {
    const rows = await this.db.rows(
      `${CREDENTIAL_SELECT} WHERE c.identity_id = $1 ORDER BY c.created_at NULLS FIRST`,
      [identityId],
    );
    return rows.map(toCredential);
  }

  /** As Catalog.resolve: short id, unique id prefix, external id, or an identity's name. */
  async resolve(ref: string): Promise<Resolved | null> {
    const scopes = await this.db.rows<{ provider: ProviderId; scope_id: string }>(
      `SELECT DISTINCT provider, scope_id FROM scan_scopes WHERE scope_id <> '*'`,
    );
    const candidates = (prefix: 'c' | 'i') => [
      ref,
      ...scopes.map((s) => entityId(prefix, s.provider, s.scope_id, ref)),
    ];
    const cred = await this.db.one(
      `${CREDENTIAL_SELECT} WHERE c.id = ANY($1::text[]) ORDER BY c.last_seen_run DESC LIMIT 1`,
      [candidates('c')],
    );
    if (cred) {
      const credential = toCredential(cred);
      const identity = toIdentity(
        (await this.db.one(`SELECT * FROM identities WHERE id = $1`, [credential.identityId]))!,
      );
      return {
        kind: 'credential',
        credential,
        identity,
        scope: await this.scopeOf(credential.provider, credential.scopeId),
        runDemo: await this.demoRun(credential.lastSeenRun),
      };
    }
    let idRows = await this.db.rows(
      `SELECT * FROM identities WHERE id = ANY($1::text[]) ORDER BY last_seen_run DESC LIMIT 2`,
      [candidates('i')],
    );
    if (idRows.length === 0)
      idRows = await this.db.rows(
        `SELECT * FROM identities WHERE name = $1 ORDER BY last_seen_run DESC LIMIT 2`,
        [ref],
      );
    if (idRows.length > 1) return null;
    const ident = idRows[0];
    if (ident) {
      const identity = toIdentity(ident);
      return {
        kind: 'identity',
        identity,
        scope: await this.scopeOf(identity.provider, identity.scopeId),
        credentials: await this.credentialsOfIdentity(identity.id),
        grants: await this.grantsOfIdentity(identity.id),
        runDemo: await this.demoRun(identity.lastSeenRun),
      };
    }
    if (/^[ci]-[0-9a-f]{4,}$/.test(ref)) {
      const table = ref.startsWith('c-') ? 'credentials' : 'identities';
      const hits = await this.db.rows(`SELECT id FROM ${table} WHERE id > $1 AND id < $2 LIMIT 2`, [
        ref,
        `${ref}~`,
      ]);
      if (hits.length === 1) return this.resolve(String(hits[0]!.id));
    }
    return null;
  }

  async candidates(ref: string): Promise<Candidate[]> {
    const rows = await this.db.rows(
      `(SELECT id, 'identity' AS kind, provider, scope_id, name, external_id FROM identities WHERE name = $1)
       UNION ALL (SELECT id, 'identity', provider, scope_id, name, external_id FROM identities WHERE id > $1 AND id < $2)
       UNION ALL (SELECT id, 'credential', provider, scope_id, name, external_id FROM credentials WHERE id > $1 AND id < $2)
       LIMIT 50`,
      [ref, `${ref}~`],
    );
    const out: Candidate[] = [];
    for (const r of rows)
      out.push({
        id: String(r.id),
        kind: r.kind as Candidate['kind'],
        provider: r.provider as ProviderId,
        scope: (await this.scopeOf(r.provider as ProviderId, String(r.scope_id))).name,
        name: r.name === null ? '' : String(r.name),
        externalId: String(r.external_id),
      });
    return out;
  }
}

function toChange(r: Row): ChangeRecord & { subjectId: string } {
  return {
    subjectId: String(r.subject_id),
    runId: Number(r.run_id),
    field: String(r.field),
    oldValue: (r.old_value as string | null) ?? null,
    newValue: (r.new_value as string | null) ?? null,
  };
}
