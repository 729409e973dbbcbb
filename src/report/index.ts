/** Pure renderers: findings (and scores) in, string out. */
export { renderTable, type TableOptions } from './table.js';
export { renderJson, findingJson, jsonText, JSON_SCHEMA_VERSION } from './json.js';
export { renderCsv, csvText, CSV_COLUMNS } from './csv.js';
export { cell, guard, line, styled, Styled, tty } from './terminal.js';
export { renderMarkdown, type MarkdownOptions } from './markdown.js';
export { renderSarif, type SarifOptions } from './sarif.js';
export { logicalName, subjectUri, summarize, summaryLine, type Summary } from './common.js';
export type { ReportInput } from './types.js';

export const REPORT_FORMATS = ['table', 'json', 'csv', 'markdown', 'sarif'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

import type { ReportInput as Input } from './types.js';
import { renderTable as table } from './table.js';
import { renderJson as json } from './json.js';
import { renderCsv as csv } from './csv.js';
import { renderMarkdown as markdown } from './markdown.js';
import { renderSarif as sarif } from './sarif.js';

/** One entry point for `--format`: colour and row caps only matter to the formats that use them. */
export function renderReport(
  format: ReportFormat,
  input: Input,
  opts: { color: boolean; maxRows?: number; toolVersion: string; informationUri?: string },
): string {
  switch (format) {
    case 'table':
      return table(input, {
        color: opts.color,
        ...(opts.maxRows !== undefined ? { maxRows: opts.maxRows } : {}),
      });
    case 'json':
      return json(input);
    case 'csv':
      return csv(input);
    case 'markdown':
      return markdown(input, opts.maxRows !== undefined ? { maxRows: opts.maxRows } : {});
    case 'sarif':
      return sarif(input, {
        toolVersion: opts.toolVersion,
        ...(opts.informationUri ? { informationUri: opts.informationUri } : {}),
      });
  }
}
