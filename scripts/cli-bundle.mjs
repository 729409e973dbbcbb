// The CLI bundle's esbuild options, shared by the build (scripts/build.mjs) and the tests that
// bundle a private copy (test/playbooks-harness.ts), so what the tests spawn starts as dist/ does.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Not import.meta.dirname: `npm install` runs this (prepare) on any Node 20, and that is 20.11+.
const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
// Pure-JS packages on the start-up path of every command (commander; config validation, output,
// errors): inlined they cost one chunk instead of resolving and compiling them file by file
// (zod alone is ~95 ESM files; bench/README.md, "Start-up"). SDKs, SQLite (native) and the
// rest stay in node_modules, loaded on use.
const inlined = new Set([
  'commander',
  'zod',
  'chalk',
  'cli-table3',
  'p-retry',
  'ignore',
  'fastest-levenshtein',
  'env-paths',
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
const external = Object.keys(pkg.dependencies ?? {})
  .filter((d) => !inlined.has(d))
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
    plugins: [lazyChildProcess],
    // Bundled CommonJS (commander) may call require(); give ESM chunks one.
    banner: {
      js: "import { createRequire as __nhiCreateRequire } from 'node:module'; const require = __nhiCreateRequire(import.meta.url);",
    },
    logLevel: 'warning',
    ...extra,
  };
}
