/** `--format csv`: one row per finding, for spreadsheets. Formula-like cells are escaped. */
import { stringify } from 'csv-stringify/sync';
import { sortedFindings } from './common.js';
import type { ReportInput } from './types.js';
import { fixLine } from '../scoring/fix-steps.js';

export const CSV_COLUMNS = [
  'fingerprint',
  'rule_id',
  'outcome',
  'severity',
  'points',
  'provider',
  'scope_id',
  'scope_name',
  'identity_name',
  'identity_external_id',
  'credential_external_id',
  'subject_id',
  'owasp',
  'cis',
  'playbook',
  'fix',
  'message',
  'evidence',
] as const;

export function renderCsv(input: ReportInput): string {
  const rows = sortedFindings(input.findings).map((f) => [
    f.fingerprint,
    f.ruleId,
    f.outcome,
    f.severity,
    f.points,
    f.provider,
    f.scopeId,
    f.scopeName,
    f.identityName,
    f.identityExternalId,
    f.credentialExternalId ?? '',
    f.subjectId,
    f.owasp,
    f.cis ?? '',
    f.playbook ?? '',
    fixLine(f),
    f.message,
    JSON.stringify(f.evidence),
  ]);
  return csvText(rows, CSV_COLUMNS);
}

/**
 * Every CSV nhi writes (report and list): a header, then one record per row. Names come from
 * cloud APIs, so a cell starting like a spreadsheet formula (`=`, `+`, `-`, `@`, tab, CR and
 * their full-width forms) is prefixed with `'` and shown as text, not run (csv-stringify's
 * `escape_formulas`; negative numbers stay numbers). Other values are kept exactly.
 */
export function csvText(
  rows: readonly (readonly unknown[])[] | readonly Record<string, unknown>[],
  columns: readonly string[],
): string {
  return stringify(rows as unknown[], {
    header: true,
    columns: [...columns],
    escape_formulas: true,
    record_delimiter: 'unix',
    // A lone CR in a name is a line break to spreadsheets: quote it like LF.
    quote_record_delimiter: true,
  });
}
