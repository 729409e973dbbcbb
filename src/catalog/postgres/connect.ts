/**
 * Connecting to a PostgreSQL catalog with node-postgres (`pg`). The location is a URL
 * (`postgres://user@host:port/db`); anything it leaves out comes from libpq's environment
 * variables (PGHOST, PGPORT, PGUSER, PGDATABASE, PGSSLMODE…), which `pg` reads itself, and
 * the password from PGPASSWORD or ~/.pgpass (PGPASSFILE), never from the command line. A
 * connection service (PGSERVICE, or `?service=` in the URL) is read from libpq's service files
 * here: node-postgres does not read them.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
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

/** libpq's service-file keys nhi passes on, as node-postgres names them. */
const SERVICE_KEYS: Record<string, string> = {
  host: 'host',
  hostaddr: 'host',
  port: 'port',
  dbname: 'database',
  user: 'user',
  password: 'password',
  application_name: 'application_name',
  sslmode: 'sslmode',
};

/** `[name]` sections of key=value lines (`#` comments), as libpq reads pg_service.conf. */
export function parseServiceFile(text: string, name: string): Record<string, string> | null {
  let section: string | null = null;
  let found: Record<string, string> | null = null;
  for (const raw of text.split(/\r?\n/)) {
    const l = raw.trim();
    if (!l || l.startsWith('#')) continue;
    const head = /^\[(.+)\]$/.exec(l);
    if (head) {
      section = head[1]!.trim();
      if (section === name) found ??= {};
      continue;
    }
    const eq = l.indexOf('=');
    if (section === name && found && eq > 0) found[l.slice(0, eq).trim()] = l.slice(eq + 1).trim();
  }
  return found;
}

/**
 * The connection service (`?service=` in the URL, else PGSERVICE) from the first service file
 * that defines it — PGSERVICEFILE or ~/.pg_service.conf, then PGSYSCONFDIR/pg_service.conf
 * (Debian's /etc/postgresql-common) — as node-postgres config; null when none is named.
 * Precedence is libpq's: the URL, then the service, then the PG* variables.
 */
export function serviceConfig(
  location: string,
  env: NodeJS.ProcessEnv = process.env,
): Record<string, unknown> | null {
  let name: string | null = null;
  try {
    name = new URL(location).searchParams.get('service');
  } catch {
    // refusePasswordInUrl reports a bad URL
  }
  name ||= env.PGSERVICE || null;
  if (!name) return null;
  const files = [
    env.PGSERVICEFILE ?? join(homedir(), '.pg_service.conf'),
    join(env.PGSYSCONFDIR ?? '/etc/postgresql-common', 'pg_service.conf'),
  ];
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    const entries = parseServiceFile(text, name);
    if (!entries) continue;
    const config: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(entries)) {
      const key = SERVICE_KEYS[k];
      if (!key) continue;
      if (key === 'sslmode') config.ssl = v === 'disable' ? false : v !== 'allow' && v !== 'prefer';
      else config[key] = key === 'port' ? Number(v) : v;
    }
    return config;
  }
  throw new CatalogError(`PostgreSQL service '${name}' is not defined in ${files.join(' or ')}`);
}

function clientConfig(location: string): pg.ClientConfig {
  const base = { application_name: 'nhi', connectionTimeoutMillis: 15_000 };
  const service = serviceConfig(location);
  if (!service) return { ...base, connectionString: location };
  // What the URL names wins over the service; what neither names comes from PG* variables.
  const u = new URL(location);
  const url: Record<string, unknown> = {};
  if (u.hostname) url.host = decodeURIComponent(u.hostname);
  if (u.port) url.port = Number(u.port);
  if (u.username) url.user = decodeURIComponent(u.username);
  const database = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (database) url.database = database;
  const sslmode = u.searchParams.get('sslmode');
  if (sslmode)
    url.ssl = sslmode === 'disable' ? false : sslmode !== 'allow' && sslmode !== 'prefer';
  return { ...base, ...service, ...url };
}

export async function connect(location: string): Promise<pg.Client> {
  refusePasswordInUrl(location);
  const client = new pg.Client(clientConfig(location));
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
