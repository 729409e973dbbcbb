// Bundles the CLI into dist/ with code splitting: the entry chunk holds only commander and
// the command table, so `nhi --help` never parses a cloud SDK, SQLite or a connector.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';

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
  // Dependencies stay in node_modules (native addon, large SDKs loaded lazily) except the
  // few the start-up path needs, which are cheaper inlined than resolved file by file.
  packages: 'external',
  external: [],
  plugins: [
    {
      name: 'inline-startup-deps',
      setup(b) {
        b.onResolve({ filter: /^commander$/ }, async (args) => {
          const r = await b.resolve(args.path, {
            kind: args.kind,
            resolveDir: args.resolveDir,
            pluginData: { inlined: true },
          });
          return r;
        });
      },
    },
  ],
  banner: {
    js: "import { createRequire as __nhiCreateRequire } from 'node:module'; const require = __nhiCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
