import type { Migration } from './index.js';

/**
 * Run groups: the shards of one logical scan (`--shard i/n` on many runners) carry one group id
 * (`--run-group`, NHI_RUN_GROUP, or GitHub Actions' run id), and views read a group as one scan
 * once none of its runs is still running: its latest run stands for the union of its shards.
 */
export const migration: Migration = {
  version: 9,
  name: 'run-groups',
  up: `
ALTER TABLE scan_runs ADD COLUMN run_group TEXT;
CREATE INDEX scan_runs_group ON scan_runs (run_group, status);
`,
};
