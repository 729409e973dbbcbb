/** Scores a catalog snapshot with the policy in force, and stores the result for that run. */
import type { Catalog, Snapshot } from '../catalog/index.js';
import type { LoadedConfig } from '../config/index.js';
import { evaluate, type Evaluation } from '../scoring/engine.js';

export function evaluateSnapshot(snapshot: Snapshot, config: LoadedConfig, now: Date): Evaluation {
  return evaluate(
    {
      now,
      identities: snapshot.identities,
      credentials: snapshot.credentials,
      grants: snapshot.grants,
      gaps: snapshot.gaps,
    },
    config.policy,
  );
}

export function evaluateAndStore(
  catalog: Catalog,
  snapshot: Snapshot,
  config: LoadedConfig,
  now: Date,
): Evaluation {
  const evaluation = evaluateSnapshot(snapshot, config, now);
  catalog.saveEvaluation(snapshot.run.id, evaluation.findings, evaluation.scores);
  return evaluation;
}
