import { UserError } from '../connector/kit/errors.js';

/**
 * `--limit n`: a whole number of rows. Not given: undefined. `0` and `all` mean every row
 * (null), so a terminal table can be asked for everything too.
 */
export function parseLimit(value: string | undefined, flag = '--limit'): number | null | undefined {
  if (value === undefined) return undefined;
  const word = value.trim().toLowerCase();
  if (word === 'all') return null;
  const n = Number(word);
  if (word === '' || !Number.isInteger(n) || n < 0)
    throw new UserError(
      `${flag} '${value}': not a whole number (use a count, or 0/all for every row)`,
    );
  return n === 0 ? null : n;
}

/** The row cap in force: the flag's, else `fallback` (undefined = no cap). */
export function limitOr(
  value: string | undefined,
  fallback: number | undefined,
): number | undefined {
  const n = parseLimit(value);
  return n === undefined ? fallback : (n ?? undefined);
}

/** A positive whole number for a numeric flag (`--from 3`, `--top 5`, `--keep 10`). */
export function parseCount(flag: string, value: string, min = 1): number {
  const n = Number(value.trim());
  if (value.trim() === '' || !Number.isInteger(n) || n < min)
    throw new UserError(
      `${flag} '${value}': not a whole number${min > 0 ? ` of ${min} or more` : ''}`,
    );
  return n;
}
