/** One module per step kind; the engine looks steps up here and knows nothing of their insides. */
import type { StepAction } from '../../connector/index.js';
import { create } from './create.js';
import { cutover } from './cutover.js';
import { deactivate } from './deactivate.js';
import { del } from './delete.js';
import { noticePeriod } from './notice-period.js';
import { notify } from './notify.js';
import { sinkPut } from './sink-put.js';
import { sinkVerify } from './sink-verify.js';
import type { StepModule } from './types.js';
import { grantChange } from '../trim/step.js';

export const STEPS: Record<StepAction, StepModule> = {
  'delete-sibling': del,
  create,
  'sink-put': sinkPut,
  'sink-verify': sinkVerify,
  cutover,
  deactivate,
  delete: del,
  notify,
  'notice-period': noticePeriod,
  'grant-change': grantChange,
};

export type { RollbackState, StepModule, StepOutcome, UndoOutcome } from './types.js';
