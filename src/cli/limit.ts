import { UserError } from '../connector/kit/errors.js';

/** `--limit n`: a whole number of rows (0 and up), or undefined when not given. */
export function parseLimit(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UserError(`--limit ${value}: not a whole number`);
  return n;
}
