import envPaths from 'env-paths';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Globals } from './globals.js';
import { note } from './writers.js';

function dataDir(): string {
  return envPaths('nhi', { suffix: '' }).data;
}

/**
 * --catalog, then NHI_CATALOG, then the platform's per-user data directory. The demo estate
 * lives in its own file there (demo.db), so fictional scopes never appear in a report of a
 * real estate: `scan --demo` writes it, and the other commands read it only while no real
 * catalog exists yet (the README's explore commands work right after `nhi scan --demo`).
 */
export function catalogPath(g: Globals, opts: { scan?: 'real' | 'demo' } = {}): string {
  const explicit = g.catalog ?? process.env.NHI_CATALOG;
  if (explicit) return explicit;
  const real = join(dataDir(), 'catalog.db');
  const demo = join(dataDir(), 'demo.db');
  if (opts.scan) return opts.scan === 'demo' ? demo : real;
  if (!existsSync(real) && existsSync(demo)) {
    note(
      g,
      'Showing the demo estate (from nhi scan --demo); your first real scan gets its own catalog.',
    );
    return demo;
  }
  return real;
}
