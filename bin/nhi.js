#!/usr/bin/env node
// Thin entry: everything lives in the compiled bundle.
import '../dist/cli.js';
