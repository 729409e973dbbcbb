/** Minimal glob for ids and names: `*` = any run of characters, `?` = one character. */
const cache = new Map<string, RegExp>();

export function globToRegExp(pattern: string): RegExp {
  let re = cache.get(pattern);
  if (!re) {
    const body = pattern
      .split('')
      .map((ch) =>
        ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[.+^${}()|[\]\\/-]/g, '\\$&'),
      )
      .join('');
    re = new RegExp(`^${body}$`, 's');
    cache.set(pattern, re);
  }
  return re;
}

export function globMatch(pattern: string, value: string | null | undefined): boolean {
  if (value === null || value === undefined) return false;
  return pattern === value || globToRegExp(pattern).test(value);
}
