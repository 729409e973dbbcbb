/**
 * Code-unit string order. Unlike localeCompare it does not depend on the machine's locale or
 * ICU data, so output order is the same everywhere (and it is faster).
 */
export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
