import { UserError } from '../connector/index.js';

/** A config/policy file problem, printed as one line: `<file>:<line>:<col>: <reason>`. */
export class ConfigError extends UserError {
  override name = 'ConfigError';
  constructor(
    readonly file: string,
    readonly line: number | null,
    readonly col: number | null,
    readonly reason: string,
  ) {
    super(`${file}${line !== null ? `:${line}:${col ?? 1}` : ''}: ${reason}`);
  }
}
