/**
 * Local files and exit codes, end to end with the built CLI: catalogs that are not ours are
 * refused before anything changes them, the --catalog symlink policy, and user-side I/O
 * problems (missing directories, unwritable paths, a YAML alias bomb) are one line and exit 2,
 * as the README's exit-code table says. Needs `npm run build` first.
 */
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { SCHEMA_VERSION, openCatalog } from '../src/catalog/index.js';
import { nhi, tempDir, type CliResult } from './run-cli.js';

const STACK = /^\s+at .+\(.+:\d+:\d+\)$/m;

/** An nhi catalog holding one finished (empty) scan, made in-process. */
function emptyCatalog(path: string): string {
  const c = openCatalog(path);
  const now = new Date();
  const run = c.beginRun({ providers: ['aws'], demo: false, version: 'test', now });
  c.finishRun(run, 'ok', now);
  c.close();
  return path;
}

/** Bytes, mode and the directory listing: everything a refused open must leave as it was. */
function fingerprint(path: string) {
  return {
    sha: createHash('sha256').update(readFileSync(path)).digest('hex'),
    mode: statSync(path).mode & 0o777,
    siblings: readdirSync(resolve(path, '..')).sort(),
  };
}

function expectOneLineUserError(r: CliResult, mentions: string): void {
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
  expect(r.stderr).toContain(mentions);
  expect(r.stderr).not.toMatch(STACK);
}

/** The README's exit-code table: code -> meaning. */
function readmeExitCodes(): Map<number, string> {
  const readme = readFileSync(resolve(import.meta.dirname, '..', 'README.md'), 'utf8');
  const table = readme.slice(readme.indexOf('### Exit codes'));
  return new Map(
    [...table.matchAll(/^\| (\d+)\s+\| (.+?)\s*\|$/gm)].map((m) => [Number(m[1]), m[2]!]),
  );
}

describe('a catalog that is not ours is refused before anything changes', () => {
  const dir = tempDir('nhi-foreign-');
  const cases: [string, () => string][] = [
    [
      "another application's SQLite file",
      () => {
        const p = join(dir, 'other.db');
        const db = new Database(p);
        db.exec('CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES (1)');
        db.close();
        return p;
      },
    ],
    [
      "another application's SQLite file in WAL mode",
      () => {
        const p = join(dir, 'other-wal.db');
        const db = new Database(p);
        db.pragma('journal_mode = WAL');
        db.exec('CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES (1)');
        db.close();
        return p;
      },
    ],
    [
      'a catalog from a newer nhi',
      () => {
        const p = emptyCatalog(join(dir, 'newer.db'));
        const db = new Database(p);
        db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
        db.close();
        return p;
      },
    ],
    [
      'a file that is not SQLite',
      () => {
        const p = join(dir, 'notes.txt');
        writeFileSync(p, 'my notes, not a database\n'.repeat(20));
        return p;
      },
    ],
  ];

  for (const [what, make] of cases) {
    it(what, async () => {
      const path = make();
      chmodSync(path, 0o644);
      const before = fingerprint(path);
      for (const args of [['list'], ['scan', '--demo'], ['playbook', 'list']]) {
        const r = await nhi([...args, '--catalog', path]);
        expectOneLineUserError(r, path);
        expect(fingerprint(path), `${args.join(' ')} changed ${path}`).toEqual(before);
      }
      expect(existsSync(`${path}-wal`) || existsSync(`${path}-shm`)).toBe(false);
    });
  }
});

describe('--catalog through a symbolic link', () => {
  const dir = tempDir('nhi-links-');

  it('refuses a dangling link and creates nothing at its target', async () => {
    const target = join(dir, 'missing', 'target.db');
    const link = join(dir, 'dangling.db');
    symlinkSync(target, link);
    const r = await nhi(['scan', '--demo', '--catalog', link]);
    expectOneLineUserError(r, 'symbolic link');
    expect(existsSync(target)).toBe(false);
  });

  it('refuses a link to an empty file or a directory, leaving it as it was', async () => {
    const empty = join(dir, 'empty');
    writeFileSync(empty, '');
    chmodSync(empty, 0o644);
    const link = join(dir, 'to-empty.db');
    symlinkSync(empty, link);
    const r = await nhi(['scan', '--demo', '--catalog', link]);
    expectOneLineUserError(r, 'not an nhi catalog');
    expect(statSync(empty).size).toBe(0);
    expect(statSync(empty).mode & 0o777).toBe(0o644);
    const toDir = join(dir, 'to-dir.db');
    symlinkSync(dir, toDir);
    expectOneLineUserError(await nhi(['list', '--catalog', toDir]), 'not an nhi catalog');
  });

  it('follows a link to an existing catalog', async () => {
    const target = emptyCatalog(join(dir, 'real.db'));
    const link = join(dir, 'link.db');
    symlinkSync(target, link);
    const r = await nhi(['list', '--format', 'json', '--catalog', link]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([]);
    // SQLite opened the target, so its journal files sit beside the target, not the link.
    expect(existsSync(`${link}-wal`)).toBe(false);
  });
});

describe('user-side I/O problems are one line and exit 2', () => {
  const dir = tempDir('nhi-io-');
  let catalog: string;
  beforeAll(() => {
    catalog = emptyCatalog(join(dir, 'catalog.db'));
  });
  const missing = join(dir, 'no-such-dir');

  const cases: [string, () => string[], string][] = [
    ['check -o into a missing directory', () => ['check', '-o', `${missing}/x.sarif`], missing],
    [
      'check --update-baseline into a missing directory',
      () => ['check', '--baseline', `${missing}/b.json`, '--update-baseline'],
      missing,
    ],
    ['check --baseline that is a directory', () => ['check', '--baseline', dir], dir],
    ['report -o into a missing directory', () => ['report', '-o', `${missing}/r.md`], missing],
    [
      'playbook audit --export into a missing directory',
      () => ['playbook', 'audit', '--export', `${missing}/audit.jsonl`],
      missing,
    ],
    [
      'init --config into a missing directory',
      () => ['init', '--config', `${missing}/nhi.config.yaml`],
      missing,
    ],
  ];
  for (const [what, args, mentions] of cases) {
    it(what, async () => {
      expectOneLineUserError(await nhi([...args(), '--catalog', catalog]), mentions);
    });
  }

  it('--catalog under /proc', async () => {
    expectOneLineUserError(await nhi(['scan', '--demo', '--catalog', '/proc/x.db']), '/proc/x.db');
  });

  it('a YAML alias bomb in the config', async () => {
    const config = join(dir, 'bomb.yaml');
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 9; i++) {
      const [prev, cur] = [String.fromCharCode(96 + i), String.fromCharCode(97 + i)];
      levels.push(`${cur}: &${cur} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    writeFileSync(config, levels.join('\n') + '\n');
    expectOneLineUserError(
      await nhi(['report', '--config', config, '--catalog', catalog]),
      'alias',
    );
  });

  it('the README exit-code table says so', () => {
    const codes = readmeExitCodes();
    expect([...codes.keys()]).toEqual(expect.arrayContaining([0, 1, 2, 3, 4, 70]));
    expect(codes.get(2)).toMatch(/file named on the command line/);
    expect(codes.get(2)).toMatch(/not an nhi catalog/);
    expect(codes.get(70)).toMatch(/bug/);
  });

  it('writes the file when the directory exists (the same writer)', async () => {
    const out = join(dir, 'out');
    mkdirSync(out);
    const r = await nhi([
      'check',
      '-o',
      `${out}/x.sarif`,
      '--format',
      'sarif',
      '--catalog',
      catalog,
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(readFileSync(`${out}/x.sarif`, 'utf8'))).toHaveProperty('version', '2.1.0');
  });
});
