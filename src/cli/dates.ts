import { UserError } from '../connector/kit/errors.js';

const DAY = 86_400_000;

export function daysBetween(from: string | null, now: Date): number | null {
  if (!from) return null;
  const t = Date.parse(from);
  return Number.isNaN(t) ? null : Math.floor((now.getTime() - t) / DAY);
}

/** "3d", "5mo", "2y": short ages for tables. */
export function shortAge(days: number | null): string {
  if (days === null) return '-';
  const d = Math.abs(days);
  const s = d < 60 ? `${d}d` : d < 730 ? `${Math.floor(d / 30)}mo` : `${Math.floor(d / 365)}y`;
  return days < 0 ? `in ${s}` : s;
}

/** Last use as a person reads it: a date, "never", or "unknown" when nhi could not see it. */
export function lastUsedLabel(at: string | null, known: boolean, now: Date): string {
  if (!known) return 'unknown';
  if (!at) return 'never';
  return `${shortAge(daysBetween(at, now))} ago`;
}

export function expiryLabel(expiresAt: string | null, now: Date): string {
  if (!expiresAt) return 'never';
  const d = daysBetween(expiresAt, now)!;
  return d > 0 ? `expired ${shortAge(d)} ago` : `in ${shortAge(-d)}`;
}

const UNIT_MS: Record<string, number> = { h: 3_600_000, d: DAY, w: 7 * DAY };

/**
 * A point in time given as an age (`90d`, `12w`, `36h`: that long before `now`) or as a date
 * or ISO date-time; returned as an ISO instant. Anything else is a usage error naming `flag`.
 */
export function parseAgeOrDate(flag: string, value: string, now: Date): string {
  const v = value.trim();
  const age = /^(\d+)\s*([hdw])$/i.exec(v);
  if (age)
    return new Date(now.getTime() - Number(age[1]) * UNIT_MS[age[2]!.toLowerCase()]!).toISOString();
  const t = Date.parse(v);
  if (/^\d{4}-\d{2}-\d{2}/.test(v) && !Number.isNaN(t)) return new Date(t).toISOString();
  throw new UserError(
    `${flag} '${value}': not an age or a date (use e.g. 90d, 12w, 36h, 2026-10-01 or an ISO date-time)`,
  );
}
