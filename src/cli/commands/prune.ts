import type { Command } from 'commander';
import { UserError } from '../../connector/kit/errors.js';
import { openStore, type PruneRequest, type PruneResult } from '../../catalog/index.js';
import { catalogPath } from '../catalog-path.js';
import { parseAgeOrDate } from '../dates.js';
import { formatOf, globalsOf, type Globals } from '../globals.js';
import { parseCount } from '../limit.js';
import { jsonText } from '../../report/index.js';
import { note, out } from '../output.js';
import { loadViewConfig } from '../evaluate.js';

interface PruneFlags {
  keepRuns?: string;
  olderThan?: string;
  dryRun?: boolean;
}

/** The request a retention setting (`catalog.retention`) makes, as of `now`. */
export function retentionRequest(
  r: { runs?: number; days?: number },
  now: Date,
  dryRun = false,
): PruneRequest {
  return {
    dryRun,
    ...(r.runs !== undefined ? { keepRuns: r.runs } : {}),
    ...(r.days !== undefined
      ? { before: new Date(now.getTime() - r.days * 86_400_000).toISOString() }
      : {}),
  };
}

/**
 * Removes old scans' stored findings, gaps and history (never the latest scan, nor what a
 * remaining scan or an open playbook run needs), then gives the space back to the file system.
 * Without flags it applies `catalog.retention` from the config.
 */
export async function run(cmd: Command): Promise<number> {
  const g = globalsOf(cmd);
  const f = cmd.opts() as PruneFlags;
  const format = formatOf(g, ['table', 'json']);
  const now = new Date();
  let req: PruneRequest;
  if (f.keepRuns === undefined && f.olderThan === undefined) {
    const config = await loadViewConfig(g);
    if (!config.retention)
      throw new UserError(
        'nothing to prune by: pass --keep-runs <n> and/or --older-than <age>, or set catalog.retention in nhi.config.yaml',
      );
    req = retentionRequest(config.retention, now, Boolean(f.dryRun));
  } else {
    req = {
      dryRun: Boolean(f.dryRun),
      ...(f.keepRuns !== undefined ? { keepRuns: parseCount('--keep-runs', f.keepRuns) } : {}),
      ...(f.olderThan !== undefined
        ? { before: parseAgeOrDate('--older-than', f.olderThan, now) }
        : {}),
    };
  }
  const store = await openStore(catalogPath(g));
  let result: PruneResult;
  try {
    result = await store.prune(req);
  } finally {
    await store.close();
  }
  if (format === 'json') {
    out(
      jsonText(
        {
          dryRun: req.dryRun,
          runs: result.runs,
          kept: result.kept,
          rows: result.rows,
          bytesBefore: result.bytesBefore,
          bytesAfter: result.bytesAfter,
          bytesFreed: result.bytesAfter === null ? null : result.bytesBefore - result.bytesAfter,
        },
        2,
      ),
    );
    return 0;
  }
  printPrune(g, req, result);
  return 0;
}

export function printPrune(g: Globals, req: PruneRequest, r: PruneResult): void {
  const would = req.dryRun ? 'Would remove' : 'Removed';
  for (const k of r.kept) note(g, `Kept scan #${k.runId}: ${k.reason}.`);
  if (!r.runs.length) {
    out('Nothing to prune: every scan is within the limits (or still needed).');
    return;
  }
  const rows = Object.entries(r.rows)
    .filter(([k]) => k !== 'runs')
    .map(([k, n]) => `${n.toLocaleString('en')} ${k}`);
  out(
    `${would} ${r.runs.length} scan(s) (${runList(r.runs)})${rows.length ? `: ${rows.join(', ')}` : ''}.`,
  );
  if (r.bytesAfter !== null)
    out(
      `Freed ${bytes(Math.max(0, r.bytesBefore - r.bytesAfter))} (catalog ${bytes(r.bytesBefore)} → ${bytes(r.bytesAfter)}).`,
    );
  else out('Dry run: nothing was changed.');
}

/** "#1–#4, #7" */
function runList(ids: number[]): string {
  const parts: string[] = [];
  let start = ids[0]!;
  let prev = start;
  for (const id of [...ids.slice(1), Number.NaN]) {
    if (id === prev + 1) {
      prev = id;
      continue;
    }
    parts.push(start === prev ? `#${start}` : `#${start}–#${prev}`);
    start = prev = id;
  }
  return parts.join(', ');
}

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}
