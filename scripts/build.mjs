// Bundles the CLI into dist/ with code splitting: the entry chunk holds only commander and
// the command table, so `nhi --help` never parses a cloud SDK, SQLite or a connector.
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
// commander is on the start-up path: inlined it costs less than resolving it file by file.
const inlined = new Set(['commander']);
const external = Object.keys(pkg.dependencies ?? {})
  .filter((d) => !inlined.has(d))
  .flatMap((d) => [d, `${d}/*`]);

rmSync('dist', { recursive: true, force: true });
await build({
  entryPoints: { cli: 'src/cli/main.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  minifyWhitespace: true,
  minifySyntax: true,
  external,
  // Bundled CommonJS (commander) may call require(); give ESM chunks one.
  banner: {
    js: "import { createRequire as __nhiCreateRequire } from 'node:module'; const require = __nhiCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
