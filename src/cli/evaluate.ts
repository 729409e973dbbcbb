/**
 * What every view reads: the catalog's latest run and its stored evaluation under the policy in
 * force. When the policy changed since the run was evaluated, the run is evaluated again (as of
 * the scan's time) and stored, so the scan summary, list, show, report, check, diff and SARIF
 * always agree.
 */
import { UserError } from '../connector/index.js';
import { openStore, type CatalogStore, type EvaluationInfo } from '../catalog/index.js';
import { loadConfig, type LoadedConfig } from '../config/index.js';
import type { ScanRun } from '../model/index.js';
import { currentEvaluation } from '../scan/evaluate.js';
import { catalogPath } from './catalog-path.js';
import type { Globals } from './globals.js';
import { note } from './output.js';

export interface View {
  store: CatalogStore;
  run: ScanRun;
  config: LoadedConfig;
  evaluation: EvaluationInfo;
}

export const NO_SCAN_YET =
  'the catalog has no completed scan yet: run nhi scan (or nhi scan --demo)';

/** Opens the catalog for a view; the caller closes `view.store`. */
export async function openView(g: Globals): Promise<View> {
  const store = await openStore(catalogPath(g), { readonly: true });
  try {
    const run = await store.latestRun();
    // Checked before the config is loaded: an empty catalog answers at once.
    if (!run) throw new UserError(NO_SCAN_YET);
    const config = await loadConfig({ path: g.config, cwd: process.cwd() });
    const evaluation = await evaluationOf(g, store, run, config);
    return { store, run, config, evaluation };
  } catch (err) {
    await store.close();
    throw err;
  }
}

/** The run's evaluation under the config in force (evaluated and stored when it is missing). */
export function evaluationOf(
  g: Globals,
  store: CatalogStore,
  run: ScanRun,
  config: LoadedConfig,
): Promise<EvaluationInfo> {
  return currentEvaluation(store, run, {
    policy: config.policy,
    // Said on an interactive terminal only, like progress: logs and pipes get the result alone.
    onStale: (stored) =>
      process.stderr.isTTY &&
      note(
        g,
        stored
          ? `The policy or nhi's rule set changed since scan #${run.id} was evaluated: evaluating it again, as of the scan's time…`
          : `Scan #${run.id} has no stored evaluation under this policy yet: evaluating it…`,
      ),
  });
}
