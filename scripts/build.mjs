// Bundles the CLI into dist/ with code splitting: the entry chunk holds only commander and
// the command table, so `nhi --help` never parses a cloud SDK, SQLite or a connector.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { cliBundleOptions } from './cli-bundle.mjs';

rmSync('dist', { recursive: true, force: true });
// Maps without the sources' text: stack traces under --debug need only the mappings, and the
// inlined SDKs' text would triple the package.
await build(cliBundleOptions('dist', { sourcemap: 'linked', sourcesContent: false }));
