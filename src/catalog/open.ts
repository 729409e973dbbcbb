import Database from 'better-sqlite3';
import { closeSync, existsSync, mkdirSync, openSync, chmodSync } from 'node:fs';
import { dirname } from 'node:path';
import { CatalogError } from './errors.js';
import { MIGRATIONS } from './migrations/index.js';

export type Db = Database.Database;

export const SCHEMA_VERSION = Math.max(...MIGRATIONS.map((m) => m.version));

/**
 * Opens (creating when absent, mode 0600) and migrates a catalog. Every way a file can be
 * unusable becomes a CatalogError naming the file, never a SQLite stack trace.
 */
export function openDatabase(path: string, opts: { readonly?: boolean } = {}): Db {
  if (path !== ':memory:') {
    if (!existsSync(path)) {
      if (opts.readonly) {
        throw new CatalogError(`no catalog at ${path}: run 'nhi scan' first (or pass --catalog)`);
      }
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      // Created before SQLite touches it so the file is never world-readable, even briefly.
      closeSync(openSync(path, 'a', 0o600));
    }
  }
  let db: Db;
  try {
    db = new Database(path, { fileMustExist: path !== ':memory:' });
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    // Ids are hashes, so index inserts land all over the B-trees: the default 2 MB page cache
    // thrashes on large estates (bench/catalog: 0.26x -> see bench/README.md with 64 MB).
    db.pragma('cache_size = -65536');
    db.prepare('SELECT count(*) FROM sqlite_master').get();
  } catch (err) {
    throw new CatalogError(`catalog ${path} is not readable: ${describeSqliteError(err)}`);
  }
  if (path !== ':memory:') chmodSync(path, 0o600);
  migrate(db, path);
  return db;
}

function describeSqliteError(err: unknown): string {
  const code = (err as { code?: string }).code;
  if (code === 'SQLITE_NOTADB')
    return 'the file is not an SQLite database (corrupt or not a catalog)';
  if (code === 'SQLITE_CORRUPT') return 'the database is corrupt';
  if (code === 'SQLITE_CANTOPEN') return 'the file cannot be opened (permissions?)';
  return (err as Error).message ?? String(err);
}

function migrate(db: Db, path: string): void {
  let current: number;
  try {
    current = db.pragma('user_version', { simple: true }) as number;
    if (current === 0) {
      const tables = db
        .prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'")
        .get() as {
        n: number;
      };
      if (tables.n > 0) {
        throw new CatalogError(`${path} is an SQLite database but not an nhi catalog`);
      }
    }
  } catch (err) {
    if (err instanceof CatalogError) throw err;
    throw new CatalogError(`catalog ${path} is not readable: ${describeSqliteError(err)}`);
  }
  if (current > SCHEMA_VERSION) {
    throw new CatalogError(
      `catalog ${path} has schema version ${current}, newer than this nhi understands (${SCHEMA_VERSION}): upgrade nhi`,
    );
  }
  for (const m of MIGRATIONS.filter((m) => m.version > current).sort(
    (a, b) => a.version - b.version,
  )) {
    // PRAGMA foreign_keys is a no-op inside a transaction: switch it around the transaction.
    if (m.foreignKeysOff) db.pragma('foreign_keys = OFF');
    try {
      db.transaction(() => {
        db.exec(m.up);
        if (m.foreignKeysOff) {
          const broken = db.pragma('foreign_key_check') as unknown[];
          if (broken.length)
            throw new Error(`migration ${m.version} broke ${broken.length} references`);
        }
        db.pragma(`user_version = ${m.version}`);
      })();
    } finally {
      if (m.foreignKeysOff) db.pragma('foreign_keys = ON');
    }
  }
}
