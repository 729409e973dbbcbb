/**
 * What every view reads: the catalog's latest run and its stored evaluation under the policy in
 * force. When the policy changed since the run was evaluated, the run is evaluated again (as of
 * the scan's time) and stored, so the scan summary, list, show, report, check, diff and SARIF
 * always agree.
 */
import { UserError } from '../connector/kit/errors.js';
import { openStore, type CatalogStore, type EvaluationInfo } from '../catalog/index.js';
import type { LoadedConfig } from '../config/index.js';
import type { ScanRun } from '../model/index.js';
import { catalogPath } from './catalog-path.js';
import type { Globals } from './globals.js';
import { note } from './writers.js';

export interface View {
  store: CatalogStore;
  run: ScanRun;
  config: LoadedConfig;
  evaluation: EvaluationInfo;
}

export const NO_SCAN_YET =
  'the catalog has no completed scan yet: run nhi scan (or nhi scan --demo)';

/**
 * Opens the catalog for a view; the caller closes `view.store`. The config, the rules and the
 * engine are loaded only once the catalog has a scan: an empty catalog answers at once.
 */
export async function openView(g: Globals): Promise<View> {
  const store = await openStore(catalogPath(g), { readonly: true });
  try {
    const run = await store.latestRun();
    if (!run) throw new UserError(NO_SCAN_YET);
    const config = await loadViewConfig(g);
    const evaluation = await evaluationOf(g, store, run, config);
    return { store, run, config, evaluation };
  } catch (err) {
    await store.close();
    throw err;
  }
}

/** The config file in force (loaded on demand: it brings every rule's schema). */
export async function loadViewConfig(g: Globals): Promise<LoadedConfig> {
  const { loadConfig } = await import('../config/index.js');
  return loadConfig({ path: g.config, cwd: process.cwd() });
}

/** The run's evaluation under the config in force (evaluated and stored when it is missing). */
export async function evaluationOf(
  g: Globals,
  store: CatalogStore,
  run: ScanRun,
  config: LoadedConfig,
): Promise<EvaluationInfo> {
  const { currentEvaluation } = await import('../scan/evaluate.js');
  return currentEvaluation(store, run, {
    policy: config.policy,
    owners: config.owners.map,
    // Said on an interactive terminal only, like progress: logs and pipes get the result alone.
    onStale: (stored) =>
      process.stderr.isTTY &&
      note(
        g,
        stored
          ? `The policy, the ownership map or nhi's rule set changed since scan #${run.id} was evaluated: evaluating it again, as of the scan's time…`
          : `Scan #${run.id} has no stored evaluation under this policy yet: evaluating it…`,
      ),
  });
}
