/**
 * `nhi catalog copy --from sqlite:… --to postgres://…`: moves an SQLite catalog with its whole
 * history (runs, scopes, gaps, every identity/credential/grant with first/last/removed runs,
 * field changes, playbook runs and journal, the audit chain, stored evaluations) into an
 * empty PostgreSQL catalog of the same schema version. One PostgreSQL transaction: all of it
 * or nothing. Rows stream a chunk at a time, so memory does not grow with the catalog.
 */
import { openCatalog, SCHEMA_VERSION } from '../index.js';
import { CatalogError } from '../errors.js';
import { connect, redacted } from './connect.js';
import { migrate } from './schema.js';

/** Parents before children (foreign keys); the column sets are the same on both backends. */
const TABLES: { name: string; order: string; serial?: string }[] = [
  { name: 'scan_runs', order: 'id', serial: 'id' },
  { name: 'scan_scopes', order: 'run_id, provider, scope_id' },
  { name: 'coverage_gaps', order: 'rowid' },
  { name: 'identities', order: 'id' },
  { name: 'credentials', order: 'id' },
  { name: 'grants', order: 'id' },
  { name: 'changes', order: 'rowid' },
  { name: 'playbook_runs', order: 'id', serial: 'id' },
  { name: 'playbook_steps', order: 'run_id, seq' },
  { name: 'audit_log', order: 'seq', serial: 'seq' },
  { name: 'audit_anchors', order: 'id', serial: 'id' },
  { name: 'evaluations', order: 'id', serial: 'id' },
  { name: 'evaluation_scopes', order: 'evaluation_id, provider, scope_id' },
  { name: 'evaluation_exceptions', order: 'evaluation_id, idx' },
  { name: 'expired_exception_matches', order: 'evaluation_id, idx, fingerprint' },
  { name: 'findings', order: 'evaluation_id, fingerprint' },
  { name: 'scores', order: 'evaluation_id, subject_id' },
];

const CHUNK = 1000;

export function parseSqliteLocation(from: string): string {
  return from.startsWith('sqlite:') ? from.slice('sqlite:'.length) : from;
}

export async function copySqliteToPostgres(
  from: string,
  to: string,
  onTable: (table: string, rows: number) => void = () => {},
): Promise<Record<string, number>> {
  const source = openCatalog(parseSqliteLocation(from), { readonly: true });
  const target = await connect(to);
  const where = redacted(to);
  const copied: Record<string, number> = {};
  try {
    await migrate(target, where);
    await target.query('BEGIN');
    const existing = await target.query(`SELECT 1 FROM scan_runs LIMIT 1`);
    if (existing.rowCount) {
      throw new CatalogError(
        `catalog ${where} already holds scans: copy into an empty PostgreSQL catalog (schema version ${SCHEMA_VERSION})`,
      );
    }
    for (const t of TABLES) {
      const cols = (source.db.prepare(`PRAGMA table_info(${t.name})`).all() as { name: string }[])
        .map((c) => c.name)
        .join(', ');
      const insert = `INSERT INTO ${t.name} (${cols}) SELECT ${cols} FROM jsonb_populate_recordset(NULL::${t.name}, $1::jsonb)`;
      let chunk: unknown[] = [];
      let n = 0;
      for (const row of source.db
        .prepare(`SELECT ${cols} FROM ${t.name} ORDER BY ${t.order}`)
        .iterate()) {
        chunk.push(row);
        if (chunk.length >= CHUNK) {
          await target.query(insert, [JSON.stringify(chunk)]);
          n += chunk.length;
          chunk = [];
        }
      }
      if (chunk.length) await target.query(insert, [JSON.stringify(chunk)]);
      n += chunk.length;
      if (t.serial) {
        // New rows continue after the copied ids.
        await target.query(
          `SELECT setval(pg_get_serial_sequence('${t.name}', '${t.serial}'), coalesce(max(${t.serial}), 0) + 1, false) FROM ${t.name}`,
        );
      }
      copied[t.name] = n;
      onTable(t.name, n);
    }
    await target.query('COMMIT');
    return copied;
  } catch (err) {
    await target.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    source.close();
    await target.end().catch(() => {});
  }
}
