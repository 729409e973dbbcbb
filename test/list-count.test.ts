/**
 * `nhi list`'s totals ("… N more", "N credential(s) from scan #…") are counted by a query of
 * their own: straight off the scores when no filter reads the subject's columns, through the
 * credentials/identities otherwise. Both must agree with the rows `--format json` lists.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { nhi, scrubbedEnv, tempDir } from './run-cli.js';

const env = scrubbedEnv();
let catalog: string;

beforeAll(async () => {
  catalog = join(tempDir('nhi-list-count-'), 'demo.db');
  const scan = await nhi(['scan', '--demo', '--catalog', catalog, '-q'], { env });
  expect(scan.code, scan.stderr).toBe(0);
});

describe('list totals', () => {
  for (const filter of [
    [],
    ['--identities'],
    ['--ai'],
    ['--band', 'high,critical'],
    ['--identities', '--band', 'medium'],
    ['--provider', 'aws'],
    ['--status', 'active', '--ai'],
  ])
    it(`${filter.join(' ') || 'no filter'}: the total is the number of rows listed`, async () => {
      const all = await nhi(['list', ...filter, '--format', 'json', '--catalog', catalog], { env });
      expect(all.code, all.stderr).toBe(0);
      const n = (JSON.parse(all.stdout) as unknown[]).length;
      expect(n).toBeGreaterThan(3);
      const table = await nhi(['list', ...filter, '--limit', '3', '--catalog', catalog], { env });
      expect(table.code, table.stderr).toBe(0);
      const out = table.stdout + table.stderr;
      expect(out).toContain(`… ${n - 3} more`);
      expect(out).toMatch(new RegExp(`\\b${n} (credential\\(s\\)|identit\\(ies\\)) from scan #`));
    });
});
