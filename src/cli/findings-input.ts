/** Loads the catalog's latest scan and scores it with the config in force: what report and check show. */
import { UserError } from '../connector/index.js';
import { openCatalog, type Snapshot } from '../catalog/index.js';
import { loadConfig, type LoadedConfig } from '../config/index.js';
import { renderReport, type ReportFormat, type ReportInput } from '../report/index.js';
import type { Evaluation } from '../scoring/engine.js';
import { catalogPath } from './catalog-path.js';
import { evaluateSnapshot } from './evaluate.js';
import type { Globals } from './globals.js';
import { VERSION } from '../version.js';

export interface Evaluated {
  config: LoadedConfig;
  snapshot: Snapshot;
  evaluation: Evaluation;
  /** The previous scan scored with the same config (for --new-only), when asked for. */
  previous: Evaluation | null;
}

export async function evaluateLatest(
  g: Globals,
  opts: { withPrevious?: boolean } = {},
): Promise<Evaluated> {
  const config = await loadConfig({ path: g.config, cwd: process.cwd() });
  const catalog = openCatalog(catalogPath(g), { readonly: true });
  try {
    const snapshot = catalog.snapshot();
    if (!snapshot)
      throw new UserError(
        'the catalog has no completed scan yet: run nhi scan (or nhi scan --demo)',
      );
    const now = new Date();
    const evaluation = evaluateSnapshot(snapshot, config, now);
    let previous: Evaluation | null = null;
    if (opts.withPrevious) {
      const prev = catalog.previousRun(snapshot.run.id);
      // Same rules and thresholds on both sides, so only changes in the estate count as new.
      if (prev) previous = evaluateSnapshot(catalog.snapshot(prev.id)!, config, now);
    }
    return { config, snapshot, evaluation, previous };
  } finally {
    catalog.close();
  }
}

/** The report in a format, with the CLI's version and colour choice. */
export function renderFindings(
  format: string,
  input: ReportInput,
  color: boolean,
  maxRows?: number,
): string {
  return renderReport(format as ReportFormat, input, {
    color,
    toolVersion: VERSION,
    ...(maxRows !== undefined ? { maxRows } : {}),
  });
}
