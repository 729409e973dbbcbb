/** `--format csv`: one row per finding, for spreadsheets. Formula-like cells are escaped. */
import { stringify } from 'csv-stringify/sync';
import type { Finding } from '../model/index.js';
import {
  eachPage,
  renderInput,
  type Renderer,
  type ReportHead,
  type StreamName,
} from './stream.js';
import type { ReportInput } from './types.js';
import { fixLine } from '../scoring/fix-steps.js';

/** The finding's JSON field names, as `nhi list --format csv` uses its rows' JSON names. */
export const CSV_COLUMNS = [
  'fingerprint',
  'ruleId',
  'outcome',
  'severity',
  'points',
  'provider',
  'scopeId',
  'scopeName',
  'identityName',
  'identityExternalId',
  'credentialExternalId',
  'subjectId',
  'owasp',
  'cis',
  'playbook',
  'fix',
  'message',
  'evidence',
  'owner',
  'team',
  'purpose',
] as const;

function row(f: Finding): unknown[] {
  return [
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
    f.owner ?? '',
    f.team ?? '',
    f.purpose ?? '',
  ];
}

export function csvRenderer(_head: ReportHead): Renderer {
  return csvRows<Finding>('findings', CSV_COLUMNS, row);
}

/** The header, then each page of a stream as CSV records. */
export function* csvRows<T>(
  name: StreamName,
  columns: readonly string[],
  toRow: (t: T) => readonly unknown[] | Record<string, unknown>,
): Renderer {
  yield csvText([], columns);
  yield* eachPage<T>(name, function* (page) {
    if (page.length) yield csvText(page.map(toRow), columns, false);
  });
}

export function renderCsv(input: ReportInput): string {
  return renderInput(csvRenderer, input);
}

/**
 * Every CSV nhi writes (report and list): a header, then one record per row. Names come from
 * cloud APIs, so a cell starting like a spreadsheet formula (`=`, `+`, `-`, `@`, tab, CR and
 * their full-width forms) is prefixed with `'` and shown as text, not run (csv-stringify's
 * `escape_formulas`; negative numbers stay numbers). Other values are kept exactly.
 * `header: false` writes the records of a later page of the same document.
 */
export function csvText(
  rows: readonly (readonly unknown[] | Record<string, unknown>)[],
  columns: readonly string[],
  header = true,
): string {
  return stringify(rows as unknown[], {
    header,
    columns: [...columns],
    escape_formulas: true,
    record_delimiter: 'unix',
    // A lone CR in a name is a line break to spreadsheets: quote it like LF.
    quote_record_delimiter: true,
  });
}
