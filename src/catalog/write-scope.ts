import type { ScopeFailure, ScopeInventory } from '../model/index.js';
import { entityId } from './ids.js';
import type { Db } from './open.js';
import type { ScopeWriteStats } from './store.js';

const json = (v: unknown): string => JSON.stringify(v ?? {});
const bool = (b: boolean): number => (b ? 1 : 0);

// What a scan writes, in binding order; first_seen_run and last_seen_run follow.
const columns = (names: string): string[] => names.split(' ');
const IDENTITY_COLUMNS = columns(
  'id provider scope_id scope_name external_id kind name owner created_at last_used_at last_used_known tags_json attributes_json',
);
const CREDENTIAL_COLUMNS = columns(
  'id provider scope_id scope_name external_id identity_id type name status created_at expires_at last_used_at last_used_known attributes_json',
);
const GRANT_COLUMNS = columns(
  'id provider scope_id scope_name external_id identity_id credential_id permission resource privilege source granted_at last_used_at last_used_known attributes_json',
);
/** The id derives from these: a later scan of the same row never changes them. */
const FIXED = new Set(['id', 'provider', 'scope_id', 'external_id']);

/** Rows per statement: one statement per row spent a fifth of a write in per-call overhead. */
const BATCH = 32;

/**
 * The statements that write one table's rows, for one row and for BATCH rows at a time. A row
 * seen again gets every column but the fixed ones rewritten, is marked seen in this run and no
 * longer removed.
 */
function rowStatements(db: Db, table: string, columns: string[]) {
  const tuple = `(${columns.map(() => '?').join(', ')}, ?, ?, NULL)`;
  const insert = (rows: number, verb = 'INSERT') =>
    `${verb} INTO ${table} (${columns.join(', ')}, first_seen_run, last_seen_run, removed_run)
    VALUES ${Array.from({ length: rows }, () => tuple).join(', ')}`;
  const upsert = (rows: number, keep?: string, where?: string) => {
    const set = columns
      .filter((c) => !FIXED.has(c) && c !== keep)
      .concat('last_seen_run')
      .map((c) => `${c} = excluded.${c}`);
    return db.prepare(`${insert(rows)} ON CONFLICT (id) DO UPDATE SET ${set.join(', ')}, removed_run = NULL
      ${where ? `WHERE ${where}` : ''}`);
  };
  const identityColumn = columns.indexOf('identity_id');
  const sameIdentity = (rows: number) =>
    identityColumn < 0
      ? undefined
      : upsert(rows, 'identity_id', 'identity_id = excluded.identity_id');
  return {
    /** Values per row: the columns, then first_seen_run and last_seen_run. */
    width: columns.length + 2,
    identityColumn,
    /** For rows known to be new: no update path compiled in, so no triggers. */
    insertNew: db.prepare(`${insert(1)} ON CONFLICT (id) DO NOTHING`),
    /**
     * OR IGNORE, not ON CONFLICT: a statement that writes many rows and may abort half-way
     * makes SQLite copy every page it touches into a statement journal (a fifth of a first
     * scan at 1M rows). A row it skips (a repeat, or one the schema refuses) leaves the batch
     * short, and the batch is written again row by row, where a refused row fails the scope.
     */
    insertNewBatch: db.prepare(insert(BATCH, 'INSERT OR IGNORE')),
    upsert: upsert(1),
    upsertBatch: upsert(BATCH),
    /** Leaves identity_id (its index entry, its foreign key) alone; a no-op if the identity differs. */
    upsertSameIdentity: sameIdentity(1),
    upsertSameIdentityBatch: sameIdentity(BATCH),
    identityOf:
      identityColumn < 0
        ? undefined
        : db.prepare(`SELECT identity_id FROM ${table} WHERE id = ?`).pluck(),
    scopeHasRows: db
      .prepare(`SELECT 1 FROM ${table} WHERE provider = ? AND scope_id = ? LIMIT 1`)
      .pluck(),
  };
}

type Row = unknown[];

/**
 * How this write puts one table's rows, BATCH rows per statement (the rest one by one at the
 * end). The first scan of a scope (no row of it in the table yet) inserts: an upsert compiles
 * its update path in, and with it the history triggers and a statement journal that copies
 * every page a row touches (an eighth of SQLite's work per row under callgrind); a batch in
 * which a row conflicted (the inventory repeats it) is written again row by row by the
 * upsert, in order, so the last copy wins. A rescan updates a row with its identity left
 * alone, which keeps identity_id's index entry and foreign key check out of it; a row whose
 * identity changed is then moved by the full upsert.
 */
function rowWriter(
  s: ReturnType<typeof rowStatements>,
  provider: string,
  scopeId: string,
): { write: (row: Row) => void; end: () => void } {
  const fresh = !s.scopeHasRows.get(provider, scopeId);
  const same = fresh ? undefined : s.upsertSameIdentity;
  const one = fresh
    ? (row: Row) => {
        if (s.insertNew.run(row).changes === 0) s.upsert.run(row);
      }
    : same
      ? (row: Row) => {
          if (same.run(row).changes === 0) s.upsert.run(row);
        }
      : (row: Row) => s.upsert.run(row);
  const many = fresh ? s.insertNewBatch : (s.upsertSameIdentityBatch ?? s.upsertBatch);
  /** A batch wrote fewer rows than it holds: put the ones it left as the row-by-row path would. */
  const mend = (rows: Row[]) => {
    const identityOf = s.identityOf;
    if (fresh || !identityOf) {
      for (const row of rows) s.upsert.run(row);
      return;
    }
    // Rows whose identity changed were left alone. A row id's last copy in the batch is the
    // one that must hold; it is moved if the stored identity is not its own.
    const last = new Map<unknown, Row>();
    for (const row of rows) last.set(row[0], row);
    for (const row of last.values()) {
      if (identityOf.get(row[0]) !== row[s.identityColumn]) s.upsert.run(row);
    }
  };
  const { width } = s;
  const values: unknown[] = new Array(BATCH * width);
  const rows: Row[] = [];
  return {
    write: (row) => {
      const at = rows.length * width;
      for (let k = 0; k < width; k++) values[at + k] = row[k];
      rows.push(row);
      if (rows.length === BATCH) {
        if (many.run(values).changes < BATCH) mend(rows);
        rows.length = 0;
      }
    },
    end: () => {
      for (const row of rows) one(row);
      rows.length = 0;
    },
  };
}

/**
 * Writes one scope's inventory in a single transaction: upserts everything seen, then marks
 * what this (successful) scan of the same scope no longer saw as removed in this run.
 */
export function prepareScopeWriter(db: Db) {
  const identities = rowStatements(db, 'identities', IDENTITY_COLUMNS);
  const credentials = rowStatements(db, 'credentials', CREDENTIAL_COLUMNS);
  const grants = rowStatements(db, 'grants', GRANT_COLUMNS);
  const kinds = ['identities', 'credentials', 'grants'] as const;
  const markRemoved = kinds.map((t) =>
    db.prepare(
      `UPDATE ${t} SET removed_run = @run WHERE provider = @provider AND scope_id = @scopeId
       AND last_seen_run < @run AND removed_run IS NULL`,
    ),
  );
  const insertGap =
    db.prepare(`INSERT INTO coverage_gaps (run_id, provider, scope_id, signal, message, code, fix)
    VALUES (@run, @provider, @scopeId, @signal, @message, @code, @fix)`);
  const insertScope =
    db.prepare(`INSERT OR REPLACE INTO scan_scopes (run_id, provider, scope_id, scope_name, scope_kind,
      status, error, error_code, identities, credentials, grants, removed, gaps, api_calls, duration_ms)
    VALUES (@run, @provider, @scopeId, @scopeName, @scopeKind, @status, @error, @errorCode, @identities,
      @credentials, @grants, @removed, @gaps, @apiCalls, @durationMs)`);

  const writeInventoryChecked = db.transaction(
    (run: number, inv: ScopeInventory, durationMs: number): ScopeWriteStats => {
      const { provider, id: scopeId, name: scopeName } = inv.scope;
      const base = { provider, scopeId, scopeName, run };
      const identityIds = new Map<string, string>();
      const identityIdOf = (externalId: string): string => {
        let id = identityIds.get(externalId);
        if (!id) {
          id = entityId('i', provider, scopeId, externalId);
          identityIds.set(externalId, id);
        }
        return id;
      };
      const identity = rowWriter(identities, provider, scopeId);
      const credential = rowWriter(credentials, provider, scopeId);
      const grant = rowWriter(grants, provider, scopeId);
      // Positional binding: object spreads per row made named binding ~4x slower (bench/catalog).
      for (const i of inv.identities) {
        identity.write([
          identityIdOf(i.externalId),
          provider,
          scopeId,
          scopeName,
          i.externalId,
          i.kind,
          i.name,
          i.owner,
          i.createdAt,
          i.lastUsedAt,
          bool(i.lastUsedKnown),
          json(i.tags),
          json(i.attributes),
          run,
          run,
        ]);
      }
      identity.end();
      // Every identity is known now: a reference to another one fails the scope.
      const requireIdentity = (externalId: string, what: string): string => {
        const id = identityIds.get(externalId);
        if (id === undefined) {
          throw new Error(
            `${provider} connector returned ${what} for identity '${externalId}' that is not in scope ${scopeId}`,
          );
        }
        return id;
      };
      const credentialIds = new Map<string, string>();
      for (const c of inv.credentials) {
        const id = entityId('c', provider, scopeId, c.externalId);
        credentialIds.set(c.externalId, id);
        credential.write([
          id,
          provider,
          scopeId,
          scopeName,
          c.externalId,
          requireIdentity(c.identityExternalId, `credential ${c.externalId}`),
          c.type,
          c.name,
          c.status,
          c.createdAt,
          c.expiresAt,
          c.lastUsedAt,
          bool(c.lastUsedKnown),
          json(c.attributes),
          run,
          run,
        ]);
      }
      credential.end();
      for (const g of inv.grants) {
        grant.write([
          entityId('g', provider, scopeId, g.externalId),
          provider,
          scopeId,
          scopeName,
          g.externalId,
          requireIdentity(g.identityExternalId, `grant ${g.externalId}`),
          g.credentialExternalId ? (credentialIds.get(g.credentialExternalId) ?? null) : null,
          g.permission,
          g.resource,
          g.privilege,
          g.source,
          g.grantedAt,
          g.lastUsedAt,
          bool(g.lastUsedKnown),
          json(g.attributes),
          run,
          run,
        ]);
      }
      grant.end();
      let removed = 0;
      // What the connector could not fully list is kept as it was: not seen is not gone.
      const incomplete = new Set(inv.incomplete ?? []);
      markRemoved.forEach((stmt, i) => {
        if (!incomplete.has(kinds[i]!)) removed += stmt.run({ run, provider, scopeId }).changes;
      });
      for (const gap of inv.gaps) insertGap.run({ ...base, ...gap });
      const stats = {
        identities: inv.identities.length,
        credentials: inv.credentials.length,
        grants: inv.grants.length,
        removed,
      };
      insertScope.run({
        ...base,
        scopeKind: inv.scope.kind,
        status: 'ok',
        error: null,
        errorCode: null,
        ...stats,
        gaps: inv.gaps.length,
        apiCalls: inv.apiCalls,
        durationMs: Math.round(durationMs),
      });
      return stats;
    },
  );

  /**
   * Foreign keys are not checked row by row during the write: every reference it writes is
   * resolved in the same transaction (identities and credentials of this inventory, the open
   * run), and the lookups were a quarter of a first scan (bench/catalog). The schema keeps
   * them for every other writer and for \`nhi catalog check\`. (The pragma is a no-op inside
   * an outer transaction: then they are checked as before.)
   */
  const writeInventory = (run: number, inv: ScopeInventory, durationMs: number) => {
    const enforced = db.pragma('foreign_keys', { simple: true }) as number;
    if (enforced) db.pragma('foreign_keys = OFF');
    try {
      return writeInventoryChecked(run, inv, durationMs);
    } finally {
      if (enforced) db.pragma('foreign_keys = ON');
    }
  };

  /** A failed scope is recorded; nothing it owns is touched, so nothing is marked removed. */
  const writeFailure = (run: number, f: ScopeFailure, durationMs: number): void => {
    insertScope.run({
      run,
      provider: f.scope.provider,
      scopeId: f.scope.id,
      scopeName: f.scope.name,
      scopeKind: f.scope.kind,
      status: f.interrupted ? 'interrupted' : 'failed',
      error: f.error,
      errorCode: f.code,
      identities: 0,
      credentials: 0,
      grants: 0,
      removed: 0,
      gaps: 0,
      apiCalls: f.apiCalls,
      durationMs: Math.round(durationMs),
    });
  };

  return { writeInventory, writeFailure };
}
