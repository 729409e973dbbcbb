import type { Migration } from './index.js';

/**
 * AI reach (scoring/ai.ts) stored with each evaluation: a finding or a score whose subject
 * reaches an AI service carries `ai = 1`, so `list`, `report` and `check --ai` filter by query.
 * Evaluations stored before this migration say 0: the first view under this nhi re-evaluates
 * them anyway (the rule set, hence the policy fingerprint, changed).
 */
export const migration: Migration = {
  version: 7,
  name: 'ai-reach',
  up: `
ALTER TABLE findings ADD COLUMN ai INTEGER NOT NULL DEFAULT 0;
ALTER TABLE scores ADD COLUMN ai INTEGER NOT NULL DEFAULT 0;
CREATE INDEX scores_ai ON scores (evaluation_id, subject_kind, ai, score DESC, created_key, subject_id);
`,
};
