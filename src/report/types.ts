import type { Finding, StoredGap } from '../model/index.js';
import type { ExpiredException, SuppressedFinding } from '../scoring/engine.js';
import type { SubjectScore } from '../scoring/score.js';

/**
 * What every renderer takes. An `Evaluation` from the engine fits as is; stored findings
 * (without scores or exceptions) fit too.
 */
export interface ReportInput {
  findings: readonly Finding[];
  scores?: readonly SubjectScore[];
  suppressed?: readonly SuppressedFinding[];
  expiredExceptions?: readonly ExpiredException[];
  /** Coverage gaps of the scanned scopes, shown as "not evaluated" signals. */
  gaps?: readonly StoredGap[];
  /** ISO time to print; omitted to keep output byte-identical between runs. */
  generatedAt?: string;
}
