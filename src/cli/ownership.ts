/**
 * `--owner` / `--team` on list, report and check: owners are stored with the evaluation
 * (migration 0008), so the filters are part of the indexed query, like `--provider`.
 */
export function ownerQuery(flags: { owner?: string; team?: string }): {
  owner?: string;
  team?: string;
} {
  return {
    ...(flags.owner !== undefined ? { owner: flags.owner } : {}),
    ...(flags.team !== undefined ? { team: flags.team } : {}),
  };
}
