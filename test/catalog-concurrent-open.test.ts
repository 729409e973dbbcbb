/**
 * Shards of one scan started at once on a new SQLite catalog file: every process migrates it or
 * finds it migrated — none fails in the migrations (8 sharded scans into one new file once did:
 * "table scan_runs already exists"). The processes open the file at one agreed instant.
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { build } from 'esbuild';
import { expect, it } from 'vitest';
import { SCHEMA_VERSION } from '../src/catalog/index.js';
import { tempDir } from './run-cli.js';

it('8 processes opening one new SQLite file at the same instant migrate it once, without an error', async () => {
  const root = resolve(import.meta.dirname, '..');
  // Bundled next to node_modules, so better-sqlite3 resolves from it.
  const outdir = join(root, 'node_modules', '.cache', 'nhi-test');
  mkdirSync(outdir, { recursive: true });
  const script = join(outdir, `open-race-${process.pid}.mjs`);
  await build({
    stdin: {
      contents: `import { openDatabase } from './src/catalog/open.ts';
        const [path, at] = process.argv.slice(2);
        while (Date.now() < Number(at)) {}
        openDatabase(path).close();`,
      resolveDir: root,
      loader: 'ts',
    },
    outfile: script,
    bundle: true,
    format: 'esm',
    platform: 'node',
    packages: 'external',
    logLevel: 'silent',
  });
  const catalog = join(tempDir(), 'new.db');
  const at = Date.now() + 1500;
  const results = await Promise.all(
    Array.from(
      { length: 8 },
      () =>
        new Promise<{ code: number | null; stderr: string }>((done) => {
          const child = spawn(process.execPath, [script, catalog, String(at)]);
          let stderr = '';
          child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
          child.on('exit', (code) => done({ code, stderr }));
        }),
    ),
  );
  for (const r of results) expect(r, r.stderr).toMatchObject({ code: 0, stderr: '' });
  const db = new Database(catalog, { readonly: true });
  expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
  db.close();
}, 60_000);
