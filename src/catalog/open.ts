import BetterSqlite3 from 'better-sqlite3';
import {
  chmodSync,
  closeSync,
  existsSync,
  lstatSync,
  mkdirSync,
  openSync,
  readSync,
  realpathSync,
  statSync,
  type Stats,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { CatalogError, fsReason } from './errors.js';
import { MIGRATIONS } from './migrations/index.js';

export type Db = BetterSqlite3.Database;

const require = createRequire(import.meta.url);

export const SCHEMA_VERSION = Math.max(...MIGRATIONS.map((m) => m.version));

/**
 * better-sqlite3's compiled addon, named directly: left to find it, the `bindings` package walks
 * a stack trace and probes a dozen paths on every start (~13 ms of `nhi list`). Undefined if the
 * addon is not where an npm install puts it.
 */
const ADDON: string | undefined = (() => {
  try {
    const file = require.resolve('better-sqlite3/build/Release/better_sqlite3.node');
    return existsSync(file) ? file : undefined;
  } catch {
    return undefined;
  }
})();

/**
 * The build bundles better-sqlite3's JavaScript into the catalog's chunk (its 14 files cost a
 * process ~8 ms to resolve and load one by one) and hands it the addon above. An addon built
 * elsewhere (a debug build) is left to the installed package, which finds it by itself.
 */
const Database: typeof BetterSqlite3 = ADDON
  ? BetterSqlite3
  : (require('better-sqlite3') as typeof BetterSqlite3);

/**
 * Opens (creating when absent, mode 0600) and migrates a catalog. Every way a file can be
 * unusable becomes a CatalogError naming the file, never a SQLite stack trace; a file that is
 * not ours (another application's database, a newer schema, a link to something else) is
 * refused before anything changes it: no WAL switch, no chmod, no -wal/-shm files.
 */
export function openDatabase(path: string, opts: { readonly?: boolean } = {}): Db {
  const file = path === ':memory:' ? path : usableFile(path, opts);
  let db: Db;
  try {
    db = new Database(file, {
      fileMustExist: file !== ':memory:',
      ...(ADDON ? { nativeBinding: ADDON } : {}),
    });
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
  let current: number;
  try {
    // Checked again on the open database: the header can be stale while a -wal file exists.
    current = schemaVersion(db, path);
  } catch (err) {
    db.close();
    throw err;
  }
  if (file !== ':memory:') chmodSync(file, 0o600);
  migrate(db, current);
  return db;
}

/**
 * The path SQLite may open. Policy for links: a catalog path that is a symbolic link is
 * followed only to an existing nhi catalog (then the target is opened, so SQLite never
 * follows the link itself); a dangling link, or one to an empty or foreign file, is refused,
 * and a new catalog is never created through a link. Directories in the path may be links.
 */
function usableFile(path: string, opts: { readonly?: boolean }): string {
  let st: Stats | null;
  try {
    st = lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw fileError(err, path, 'open');
    st = null;
  }
  if (!st) {
    if (opts.readonly) {
      throw new CatalogError(`no catalog at ${path}: run 'nhi scan' first (or pass --catalog)`);
    }
    return create(path) ? path : usableFile(path, opts);
  }
  if (st.isSymbolicLink()) {
    let target: string;
    try {
      target = realpathSync(path);
    } catch {
      throw new CatalogError(
        `catalog ${path} is a symbolic link to a missing file: nhi does not create a catalog through a link (pass the target's path)`,
      );
    }
    const tst = statSync(target);
    if (!tst.isFile() || inspectHeader(target, tst.size) !== 'catalog') {
      throw new CatalogError(
        `catalog ${path} is a symbolic link to ${target}, which is not an nhi catalog: refusing to write through it`,
      );
    }
    return target;
  }
  if (!st.isFile()) throw new CatalogError(`catalog ${path} is not a regular file`);
  inspectHeader(path, st.size);
  return path;
}

/** Creates an empty catalog file, 0600 from its first moment; false when one appeared meanwhile. */
function create(path: string): boolean {
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    // O_EXCL fails on anything already there, a planted link included: never followed.
    closeSync(openSync(path, 'wx', 0o600));
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw fileError(err, path, 'create');
  }
}

function fileError(err: unknown, path: string, action: string): unknown {
  const reason = fsReason(err);
  return reason ? new CatalogError(`cannot ${action} catalog ${path}: ${reason}`) : err;
}

const SQLITE_MAGIC = 'SQLite format 3\0';

/**
 * Reads the SQLite header (https://sqlite.org/fileformat.html) without SQLite: opening even
 * read-only would create -wal/-shm files beside another application's WAL database.
 * 'empty' is a new catalog file (0 bytes, or a database with no schema yet).
 */
function inspectHeader(file: string, size: number): 'empty' | 'catalog' {
  if (size === 0) return 'empty';
  const header = Buffer.alloc(100);
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    throw fileError(err, file, 'read');
  }
  let read: number;
  try {
    read = readSync(fd, header, 0, 100, 0);
  } finally {
    closeSync(fd);
  }
  if (read < 100 || header.toString('latin1', 0, 16) !== SQLITE_MAGIC) {
    throw new CatalogError(
      `catalog ${file} is not readable: the file is not an SQLite database (corrupt or not a catalog)`,
    );
  }
  const version = header.readUInt32BE(60);
  checkVersion(version, file);
  if (version > 0) return 'catalog';
  const raw = header.readUInt16BE(16);
  const pageSize = raw === 1 ? 65_536 : raw;
  // Every table or index has a root page of its own: one page means an empty schema.
  if (pageSize > 0 && size > pageSize) throw notOurs(file);
  return 'empty';
}

function checkVersion(version: number, path: string): void {
  if (version > SCHEMA_VERSION) {
    throw new CatalogError(
      `catalog ${path} has schema version ${version}, newer than this nhi understands (${SCHEMA_VERSION}): upgrade nhi`,
    );
  }
}

function notOurs(path: string): CatalogError {
  return new CatalogError(`${path} is an SQLite database but not an nhi catalog`);
}

function describeSqliteError(err: unknown): string {
  const code = (err as { code?: string }).code;
  if (code === 'SQLITE_NOTADB')
    return 'the file is not an SQLite database (corrupt or not a catalog)';
  if (code === 'SQLITE_CORRUPT') return 'the database is corrupt';
  if (code === 'SQLITE_CANTOPEN') return 'the file cannot be opened (permissions?)';
  return (err as Error).message ?? String(err);
}

function schemaVersion(db: Db, path: string): number {
  let current: number;
  try {
    current = db.pragma('user_version', { simple: true }) as number;
    if (current === 0) {
      const tables = db
        .prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'")
        .get() as { n: number };
      if (tables.n > 0) throw notOurs(path);
    }
  } catch (err) {
    if (err instanceof CatalogError) throw err;
    throw new CatalogError(`catalog ${path} is not readable: ${describeSqliteError(err)}`);
  }
  checkVersion(current, path);
  return current;
}

function migrate(db: Db, current: number): void {
  for (const m of MIGRATIONS.filter((m) => m.version > current).sort(
    (a, b) => a.version - b.version,
  )) {
    // PRAGMA foreign_keys is a no-op inside a transaction: switch it around the transaction.
    if (m.foreignKeysOff) db.pragma('foreign_keys = OFF');
    try {
      // IMMEDIATE: the write lock first, then the version again — several scanners opening a new
      // file at once (sharded scans) apply each migration exactly once.
      db.transaction(() => {
        if ((db.pragma('user_version', { simple: true }) as number) >= m.version) return;
        db.exec(m.up);
        if (m.foreignKeysOff) {
          const broken = db.pragma('foreign_key_check') as unknown[];
          if (broken.length)
            throw new Error(`migration ${m.version} broke ${broken.length} references`);
        }
        db.pragma(`user_version = ${m.version}`);
      }).immediate();
    } finally {
      if (m.foreignKeysOff) db.pragma('foreign_keys = ON');
    }
  }
}
