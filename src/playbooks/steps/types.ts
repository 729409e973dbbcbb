/** The shape every step module has: how it runs, and how rollback undoes it. */
import type { JournalStep, PlanStep } from '../../connector/index.js';
import type { Live } from '../live.js';

export interface StepOutcome {
  result: Record<string, unknown>;
  requestId: string | null;
}

export interface UndoOutcome {
  result: Record<string, unknown>;
  requestId: string | null;
  /** Whether the undo changed something at the provider (it gets an audit entry). */
  audited: boolean;
}

/** Shared between the steps of one rollback, newest first. */
export interface RollbackState {
  /** The old credential is deleted: the new one is the only one that works, so it stays. */
  oldGone: boolean;
  notes: string[];
}

export interface StepModule {
  /** Extra facts journaled with the intent, before `run` (the delivery token, say). */
  intent?(live: Live, step: PlanStep): Record<string, unknown>;
  /** A delayed step that may run before its time: the reason to, or null to keep waiting. */
  early?(live: Live, step: PlanStep): Promise<string | null>;
  /** What to tell the user while the step waits until `due`. */
  waiting?(live: Live, step: PlanStep, due: string): string;
  run(live: Live, step: PlanStep, early: string | null): Promise<StepOutcome>;
  /** Undoes the step (null: nothing to journal, e.g. it never ran). */
  undo(live: Live, step: PlanStep, j: JournalStep, rb: RollbackState): Promise<UndoOutcome | null>;
}
