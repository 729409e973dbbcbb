/**
 * The start-up entry (dist/cli.cjs, CommonJS) and the command side (dist/dispatch.js and its
 * chunks, split as ESM and converted to CommonJS) are two bundles, so a module bundled into both
 * would exist twice at run time. These checks keep the entry to commander, the command table and
 * constants, keep commander out of the command side (main.ts tells a usage error from a bug by
 * `instanceof CommanderError`), show that `--help` and usage errors never load the command side,
 * and that a view of an empty catalog starts as cheaply as the build allows.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { cliBundleOptions, cliEntryOptions } from '../scripts/cli-bundle.mjs';
import { openCatalog } from '../src/catalog/index.js';
import { buildCli, removeCliBuild } from './playbooks-harness.js';
import { scrubbedEnv } from './run-cli.js';

/** What the entry may hold: no state, nothing a command also loads except plain constants. */
const ENTRY_MODULES = [
  /^node_modules\/commander\//,
  /^nhi-lazy:lazy-child-process$/,
  /^src\/cli\/main\.ts$/,
  /^src\/cli\/finding-options\.ts$/,
  /^src\/cli\/examples\.ts$/,
  /^src\/cli\/exit-codes\.ts$/,
  /^src\/model\/providers\.ts$/,
  /^src\/version\.ts$/,
  /^package\.json$/,
];
/** Of those, what the command side may load too: constants (exit codes, provider ids, version). */
const SHARED_CONSTANTS = [
  'src/cli/exit-codes.ts',
  'src/model/providers.ts',
  'src/version.ts',
  'package.json',
];

const inputsOf = (meta: Metafile | undefined) =>
  new Set(Object.values(meta?.outputs ?? {}).flatMap((o) => Object.keys(o.inputs)));

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  removeCliBuild();
});

function run(
  entry: string,
  args: string[],
  env: Record<string, string> = {},
  nodeArgs: string[] = [],
): Promise<{ code: number | null; out: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [...nodeArgs, entry, ...args], {
      env: scrubbedEnv(env),
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code, out }));
  });
}

describe('start-up entry', () => {
  it('holds only commander, the command table and constants; the command side has no commander', async () => {
    const [entry, commands] = await Promise.all([
      build(cliEntryOptions('dist', { write: false, metafile: true, logLevel: 'error' })),
      build(cliBundleOptions('dist', { write: false, metafile: true, logLevel: 'error' })),
    ]);
    const inEntry = [...inputsOf(entry.metafile)];
    expect(inEntry.filter((f) => !ENTRY_MODULES.some((re) => re.test(f)))).toEqual([]);
    expect(inEntry).toContain('src/cli/main.ts');
    const inCommands = inputsOf(commands.metafile);
    expect(inCommands).toContain('src/cli/commands/list.ts');
    expect(inEntry.filter((f) => inCommands.has(f)).sort()).toEqual(
      inEntry.filter((f) => SHARED_CONSTANTS.includes(f)).sort(),
    );
  }, 120_000);

  it('answers --help, --version and usage errors without the command side; a command without it is a bug (exit 70)', async () => {
    // The entry alone, as if dist/dispatch.js could not be loaded.
    const dir = mkdtempSync(join(tmpdir(), 'nhi-entry-'));
    dirs.push(dir);
    await build(cliEntryOptions(dir, { logLevel: 'error' }));
    const entry = join(dir, 'cli.cjs');

    const help = await run(entry, ['--help']);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/^Usage: nhi \[options\] \[command\]/);
    expect(help.out).toContain('list [options]');
    const listHelp = await run(entry, ['list', '--help']);
    expect(listHelp.code).toBe(0);
    expect(listHelp.out).toContain('--identities');
    expect((await run(entry, ['--version'])).code).toBe(0);
    const typo = await run(entry, ['lsit']);
    expect(typo.code).toBe(2);
    expect(typo.out).toContain('(Did you mean list?)');

    const list = await run(entry, ['list']);
    expect(list.code).toBe(70);
    expect(list.out).toMatch(/^nhi: internal error: .*dispatch\.js/);
  }, 120_000);

  it('a view of an empty catalog loads its chunks through require(), with better-sqlite3 inlined and no node:crypto', async () => {
    const entry = await buildCli();
    const dir = mkdtempSync(join(tmpdir(), 'nhi-startup-'));
    dirs.push(dir);
    const catalog = join(dir, 'empty.db');
    openCatalog(catalog).close();
    // What the process loaded, written as it exits: CommonJS files (require.cache) and built-ins.
    const probe = join(dir, 'probe.cjs');
    const report = join(dir, 'loaded.json');
    writeFileSync(
      probe,
      `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(report)}, JSON.stringify({ files: Object.keys(require.cache), builtins: process.moduleLoadList })));`,
    );
    const list = await run(entry, ['list'], { NHI_CATALOG: catalog }, ['--require', probe]);
    expect(list.code).toBe(2);
    expect(list.out).toContain('no completed scan yet');
    const loaded = JSON.parse(readFileSync(report, 'utf8')) as {
      files: string[];
      builtins: string[];
    };
    const bundleDir = join(entry, '..');
    const chunks = loaded.files.filter((f) => f.startsWith(bundleDir));
    // The command module and the catalog's chunks came through require(): no ES module was loaded.
    expect(chunks.some((f) => /[/\\]dispatch\.js$/.test(f))).toBe(true);
    expect(chunks.some((f) => /[/\\]list-[A-Z0-9]+\.js$/.test(f))).toBe(true);
    expect(
      loaded.builtins.filter((m) => m.startsWith('NativeModule internal/modules/esm/module_job')),
    ).toEqual([]);
    // better-sqlite3's JavaScript is in the bundle; only its addon comes from node_modules.
    expect(
      loaded.files.filter((f) => f.includes('better-sqlite3') && !f.endsWith('.node')),
    ).toEqual([]);
    expect(loaded.files.some((f) => f.endsWith('better_sqlite3.node'))).toBe(true);
    expect(loaded.builtins).not.toContain('NativeModule crypto');
  }, 120_000);
});
