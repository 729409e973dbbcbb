/** Date arithmetic for rules: whole-millisecond comparisons, day counts rounded down for display. */
export const DAY_MS = 86_400_000;

export function parseDate(value: unknown): Date | null {
  if (typeof value !== 'string' && !(value instanceof Date)) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** Whole days from `from` to `to` (negative if `to` is earlier), rounded towards zero. */
export function daysBetween(from: Date, to: Date): number {
  return Math.trunc((to.getTime() - from.getTime()) / DAY_MS);
}

/** True when `date` lies strictly more than `days` days before `now`. */
export function olderThan(date: Date, days: number, now: Date): boolean {
  return now.getTime() - date.getTime() > days * DAY_MS;
}
