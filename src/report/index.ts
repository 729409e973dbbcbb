/**
 * Pure renderers: findings (and scores) in, text out. Each format is one streaming renderer
 * (stream.ts) that serves an in-memory input (`renderReport`, one string) and rows streamed from
 * the catalog (`reportRenderer` with `renderStreams`, chunk by chunk) alike.
 */
export { renderTable, tableRenderer, type TableOptions } from './table.js';
export {
  renderJson,
  findingJson,
  indented,
  jsonArray,
  jsonDocument,
  jsonText,
  JSON_SCHEMA_VERSION,
} from './json.js';
export { renderCsv, csvRows, csvText, CSV_COLUMNS } from './csv.js';
export { cell, guard, line, styled, Styled, tty } from './terminal.js';
export { renderMarkdown, markdownRenderer, type MarkdownOptions } from './markdown.js';
export { renderSarif, sarifRenderer, type SarifOptions } from './sarif.js';
export {
  renderStreams,
  type NotEvaluatedRule,
  type Renderer,
  type ReportHead,
  type ScoreRow,
  type StreamName,
  type StreamSources,
  type SuppressedRow,
} from './stream.js';
export { logicalName, subjectUri, summarize, summaryLine, type Summary } from './common.js';
export type { ReportInput } from './types.js';

export const REPORT_FORMATS = ['table', 'json', 'csv', 'markdown', 'sarif'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

import type { ReportInput as Input } from './types.js';
import { renderTable as table, tableRenderer } from './table.js';
import { renderJson as json, jsonRenderer } from './json.js';
import { renderCsv as csv, csvRenderer } from './csv.js';
import { renderMarkdown as markdown, markdownRenderer } from './markdown.js';
import { renderSarif as sarif, sarifRenderer } from './sarif.js';
import type { Renderer, ReportHead } from './stream.js';

export interface RenderOptions {
  color: boolean;
  maxRows?: number;
  toolVersion: string;
  informationUri?: string;
}

/** The streaming renderer of a format (its `findings` stream in the format's order). */
export function reportRenderer(
  format: ReportFormat,
  head: ReportHead,
  opts: RenderOptions,
): Renderer {
  const rows = opts.maxRows !== undefined ? { maxRows: opts.maxRows } : {};
  switch (format) {
    case 'table':
      return tableRenderer(head, { color: opts.color, ...rows });
    case 'json':
      return jsonRenderer(head);
    case 'csv':
      return csvRenderer(head);
    case 'markdown':
      return markdownRenderer(head, rows);
    case 'sarif':
      return sarifRenderer(head, {
        toolVersion: opts.toolVersion,
        ...(opts.informationUri ? { informationUri: opts.informationUri } : {}),
      });
  }
}

/** The order a format reads findings in. */
export function findingOrder(format: ReportFormat): 'canonical' | 'sarif' {
  return format === 'sarif' ? 'sarif' : 'canonical';
}

/** One entry point for `--format`: colour and row caps only matter to the formats that use them. */
export function renderReport(format: ReportFormat, input: Input, opts: RenderOptions): string {
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
