/**
 * Connector flags, built from each connector's declared options: `scan` and `doctor` get
 * them (with help) without the CLI naming any provider option, and a flag's value becomes
 * the option it declares. Loaded only when one of those commands runs, so `nhi --help`
 * stays fast. Options are made by the command itself (`createOption`): commander lives in the
 * start-up entry (main.ts), not on this side.
 */
import type { Command } from 'commander';
import { loadAllOptions } from '../connector/registry.js';
import { flagAttribute, flagValue } from '../connector/kit/options.js';
import type { OptionsDecl } from '../connector/index.js';
import type { ProviderId } from '../model/index.js';

let decls: Map<ProviderId, OptionsDecl> | undefined;

/** Adds every connector's flags to the given commands (once). */
export async function addConnectorFlags(commands: readonly Command[]): Promise<void> {
  if (decls) return;
  decls = await loadAllOptions();
  const seen = new Map<string, ProviderId>();
  for (const [provider, decl] of decls) {
    for (const f of decl.flags) {
      const long = f.flag.split(/[ ,]/)[0]!;
      const other = seen.get(long);
      if (other) throw new Error(`connectors ${other} and ${provider} both declare ${long}`);
      seen.set(long, provider);
      for (const cmd of commands) cmd.addOption(cmd.createOption(f.flag, f.description));
    }
  }
}

/** The options the user set by flag, per provider (only those given). */
export function flagOptions(
  opts: Record<string, unknown>,
): Partial<Record<ProviderId, Record<string, unknown>>> {
  const out: Partial<Record<ProviderId, Record<string, unknown>>> = {};
  for (const [provider, decl] of decls ?? []) {
    const set: Record<string, unknown> = {};
    for (const f of decl.flags) {
      const v = opts[flagAttribute(f)];
      if (v !== undefined) set[f.key] = flagValue(f, v);
    }
    out[provider] = set;
  }
  return out;
}
