/**
 * Run groups (migration 9): the runs of one logical scan — the shards of `--shard i/n` on many
 * runners — share a `run_group`. Views read a group as one scan: once none of its runs is still
 * running, its newest readable run is the group's head, and reading "as of" the head covers
 * every shard's scopes (each is present as of the run that last wrote it, all ≤ the head). A
 * group's other runs are never read on their own. The same SQL serves both backends.
 */
import { READABLE_RUN_STATUSES } from '../model/index.js';

export const READABLE = READABLE_RUN_STATUSES.map((s) => `'${s}'`).join(', ');

/** True for a run (alias `r`) views may read: no group, or the head of a finished group. */
export const RUN_HEAD = `(r.run_group IS NULL OR (
  NOT EXISTS (SELECT 1 FROM scan_runs o WHERE o.run_group = r.run_group AND o.status = 'running')
  AND NOT EXISTS (SELECT 1 FROM scan_runs o WHERE o.run_group = r.run_group AND o.id > r.id
    AND o.status IN (${READABLE}))))`;

/** The group id a scan records: the flag, NHI_RUN_GROUP, or the GitHub Actions run (all its jobs). */
export function runGroupOf(
  flag: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string | null {
  const explicit = flag ?? env.NHI_RUN_GROUP;
  if (explicit !== undefined && explicit.trim() !== '') return explicit.trim();
  if (env.GITHUB_ACTIONS === 'true' && env.GITHUB_RUN_ID)
    return `github:${env.GITHUB_REPOSITORY ?? ''}:${env.GITHUB_RUN_ID}:${env.GITHUB_RUN_ATTEMPT ?? '1'}`;
  return null;
}
