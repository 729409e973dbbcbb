import type { Command } from 'commander';
import { UserError } from '../connector/kit/errors.js';

/** Options every command accepts, parsed once by commander. */
export interface Globals {
  catalog?: string;
  config?: string;
  format?: string;
  /** `--json` alone, or `--json a,b` (field selection, see json-filter.ts). */
  json?: boolean | string;
  jq?: string;
  color: boolean;
  quiet?: boolean;
  debug?: boolean;
}

export function globalsOf(cmd: Command): Globals {
  return cmd.optsWithGlobals() as Globals;
}

/** `--json` is shorthand for `--format json`; each command lists the formats it supports. */
export function formatOf(g: Globals, allowed: readonly string[], fallback = 'table'): string {
  const wantsJson = Boolean(g.json) || g.jq !== undefined;
  if (wantsJson && g.format !== undefined && g.format !== 'json')
    throw new UserError(`--format ${g.format} cannot be combined with --json or --jq`);
  const f = wantsJson ? 'json' : (g.format ?? fallback);
  if (!allowed.includes(f)) {
    throw new UserError(`--format ${f} is not supported here (use ${allowed.join('|')})`);
  }
  return f;
}
