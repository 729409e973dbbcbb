import envPaths from 'env-paths';
import { join } from 'node:path';
import type { Globals } from './globals.js';

/** --catalog, then NHI_CATALOG, then the platform's per-user data directory. */
export function catalogPath(g: Globals): string {
  return (
    g.catalog ?? process.env.NHI_CATALOG ?? join(envPaths('nhi', { suffix: '' }).data, 'catalog.db')
  );
}
