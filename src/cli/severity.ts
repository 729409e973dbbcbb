/**
 * One severity vocabulary for every flag that takes one (`list --band`, `report
 * --min-severity`, `check --fail-on`): the score bands and finding severities share the words
 * critical, high, medium, low. Anything else is a usage error naming the valid values.
 */
import { UserError } from '../connector/kit/errors.js';
import type { Severity } from '../model/index.js';
import { BANDS, SEVERITY_RANK, type Band } from '../scoring/score.js';

/** Worst first, as users read them. */
export const LEVELS: readonly Band[] = [...BANDS].reverse();

function parseOne(flag: string, raw: string): Band {
  const word = raw.trim().toLowerCase();
  if ((LEVELS as readonly string[]).includes(word)) return word as Band;
  throw new UserError(`${flag} '${raw}': not a severity (use one of ${LEVELS.join(', ')})`);
}

/** `--band high,critical`: the bands to keep. */
export function parseLevels(flag: string, value: string): Set<Band> {
  const words = value.split(',').filter((w) => w.trim() !== '');
  if (words.length === 0) throw new UserError(`${flag} needs one or more of ${LEVELS.join(', ')}`);
  return new Set(words.map((w) => parseOne(flag, w)));
}

/** `--min-severity medium`: a test keeping that severity and worse. */
export function atLeast(flag: string, value: string): (s: Severity) => boolean {
  const min = SEVERITY_RANK[parseOne(flag, value)];
  return (s) => SEVERITY_RANK[s] >= min;
}
