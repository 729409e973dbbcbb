/**
 * Brings a PostgreSQL catalog to this nhi's schema version. Several scanners may start on an
 * empty database at once: one transaction-scoped advisory lock serialises the migrations, so
 * exactly one applies each version and the others find it applied.
 */
import type pg from 'pg';
import { CatalogError } from '../errors.js';
import { PG_MIGRATIONS } from './migrations.js';

const SCHEMA_VERSION = Math.max(...PG_MIGRATIONS.map((m) => m.version));
/** Advisory lock keys: (namespace, key). The namespace is 'nhi' as an integer. */
export const LOCK_NAMESPACE = 0x6e6869;
const MIGRATION_LOCK = 0;
/**
 * Playbooks' advisory locks, each kind in a namespace of its own so no key can collide with a
 * scope's: a run being applied (key: run id, a session lock), a credential's open run being
 * planned (key: hashtext of its id) and the audit chain's head (key 0), both transaction locks.
 */
export const RUN_LOCKS = 0x6e6872; // 'nhr'
export const CREDENTIAL_LOCKS = 0x6e6863; // 'nhc'
export const AUDIT_LOCKS = 0x6e6861; // 'nha'

export async function migrate(client: pg.Client, where: string): Promise<number> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_NAMESPACE, MIGRATION_LOCK]);
    const current = await currentVersion(client, where);
    if (current > SCHEMA_VERSION) {
      throw new CatalogError(
        `catalog ${where} has schema version ${current}, newer than this nhi understands (${SCHEMA_VERSION}): upgrade nhi`,
      );
    }
    for (const m of PG_MIGRATIONS.filter((m) => m.version > current)) {
      await client.query(m.up);
      await client.query(
        `INSERT INTO nhi_schema (version, name, applied_at) VALUES ($1, $2, now())`,
        [m.version, m.name],
      );
    }
    await client.query('COMMIT');
    return SCHEMA_VERSION;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    if (err instanceof CatalogError) throw err;
    const e = err as { code?: string; message: string };
    // 42501: insufficient privilege (a role without CREATE on the schema meets an old schema).
    throw new CatalogError(`catalog ${where} cannot be migrated: ${e.message}`);
  }
}

async function currentVersion(client: pg.Client, where: string): Promise<number> {
  const has = await client.query<{ t: string | null }>(
    `SELECT to_regclass('nhi_schema')::text AS t`,
  );
  if (!has.rows[0]?.t) {
    const other = await client.query(`SELECT to_regclass('scan_runs')::text AS t`);
    if ((other.rows[0] as { t: string | null }).t)
      throw new CatalogError(`${where} has a scan_runs table but is not an nhi catalog`);
    await client.query(
      `CREATE TABLE nhi_schema (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL)`,
    );
    return 0;
  }
  const r = await client.query<{ v: number | null }>(`SELECT max(version) AS v FROM nhi_schema`);
  return r.rows[0]?.v ?? 0;
}
