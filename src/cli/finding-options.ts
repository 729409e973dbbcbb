/**
 * The finding filter options `report`, `check` and `rules` share, as commander options only:
 * part of the start-up entry's command table (main.ts). Their values are parsed and validated
 * by finding-flags.ts when the command runs.
 */
import type { Command } from 'commander';

/** Adds the filter options to a command (report, check; rules without provider and scope). */
export function addFindingFilterOptions(
  cmd: Command,
  which: { providers?: boolean; scopes?: boolean } = {},
): Command {
  if (which.providers !== false)
    cmd.option('-p, --provider <ids>', 'only these providers (comma separated)');
  if (which.scopes !== false)
    cmd.option('--scope <ids>', 'only these accounts / orgs / tenants / projects (id or name)');
  return cmd
    .option('--rule <ids>', 'only these rules (comma separated; see nhi rules)')
    .option('--owasp <ids>', 'only rules mapped to these OWASP NHI Top 10 risks (e.g. NHI5)')
    .option('--cis <items>', 'only rules mapped to these CIS benchmark items (e.g. 1.14)');
}
