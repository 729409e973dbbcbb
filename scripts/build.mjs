// Bundles the CLI into dist/ with code splitting: the entry chunk holds only commander and
// the command table, so `nhi --help` never parses a cloud SDK, SQLite or a connector.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { cliBundleOptions } from './cli-bundle.mjs';

rmSync('dist', { recursive: true, force: true });
await build(cliBundleOptions('dist', { sourcemap: 'linked' }));
