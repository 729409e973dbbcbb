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
