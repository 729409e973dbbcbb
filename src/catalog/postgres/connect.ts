/**
 * Connecting to a PostgreSQL catalog with node-postgres (`pg`). The location is a URL
 * (`postgres://user@host:port/db`); anything it leaves out comes from libpq's environment
 * variables (PGHOST, PGPORT, PGUSER, PGDATABASE, PGSSLMODE…), which `pg` reads itself, and
 * the password from PGPASSWORD or ~/.pgpass (PGPASSFILE), never from the command line.
 */
import pg from 'pg';
import { CatalogError } from '../errors.js';

/** The location without any password, for messages and `store.location`. */
export function redacted(location: string): string {
  try {
    const u = new URL(location);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://…';
  }
}

export function refusePasswordInUrl(location: string): void {
  let password: string;
  try {
    password = new URL(location).password;
  } catch {
    throw new CatalogError(`catalog ${redacted(location)} is not a valid postgres:// URL`);
  }
  if (password) {
    throw new CatalogError(
      `catalog ${redacted(location)}: a password in the catalog URL would show in process lists and shell history; use PGPASSWORD or ~/.pgpass`,
    );
  }
}

export async function connect(location: string): Promise<pg.Client> {
  refusePasswordInUrl(location);
  const client = new pg.Client({
    connectionString: location,
    application_name: 'nhi',
    connectionTimeoutMillis: 15_000,
  });
  try {
    await client.connect();
  } catch (err) {
    throw new CatalogError(
      `catalog ${redacted(location)} is not reachable: ${(err as Error).message}`,
    );
  }
  // Instants without an offset are UTC, as SQLite's date functions read them.
  await client.query(`SET TIME ZONE 'UTC'`);
  // A broken connection later surfaces on the next query; an unhandled 'error' would crash.
  client.on('error', () => {});
  return client;
}
