// Bundles the CLI into dist/: the start-up entry (cli.cjs) holds only commander and the
// command table, so `nhi --help` never parses a cloud SDK, SQLite or a connector; each
// command's code is split into chunks loaded when it runs (see cli-bundle.mjs).
import { rmSync } from 'node:fs';
import { buildCli } from './cli-bundle.mjs';

rmSync('dist', { recursive: true, force: true });
// Maps without the sources' text: stack traces under --debug need only the mappings, and the
// inlined SDKs' text would triple the package.
await buildCli('dist', { sourcemap: 'linked', sourcesContent: false });
