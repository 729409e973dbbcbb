/**
 * `nhi rules` (like `prowler --list-checks`): every rule with its severity, OWASP NHI and CIS
 * ids, default thresholds and the data (coverage signals) it needs — the same metadata the
 * engine, the config schema and SARIF use.
 */
/** 'CIS AWS Foundations 3.0 1.14' → '1.14' (the item number users type). */
export function cisItem(cis: string): string {
  return cis.trim().split(/\s+/).pop() ?? cis;
}
