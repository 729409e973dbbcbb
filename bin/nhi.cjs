#!/usr/bin/env node
// Thin entry: everything lives in the compiled bundle. CommonJS, like the bundle's start-up
// file, so Node never starts its ESM loader for `nhi --help`.
require('../dist/cli.cjs');
