/** scan_runs rows of the PostgreSQL backend. */
import type { ScanRun } from '../../model/index.js';

export { READABLE, RUN_HEAD } from '../run-groups.js';

export function toRun(r: Record<string, unknown>): ScanRun {
  return {
    id: Number(r.id),
    startedAt: String(r.started_at),
    finishedAt: r.finished_at === null ? null : String(r.finished_at),
    status: r.status as ScanRun['status'],
    demo: r.demo === 1,
  };
}
