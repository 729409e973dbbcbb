import type { Migration } from './index.js';

// Playbook runs and their step journal. A step row is written before (intent) and after
// (result) its action runs, each in its own transaction, so an interrupted run can be
// resumed or rolled back. No column ever holds a secret value: only ids and metadata.
export const migration: Migration = {
  version: 3,
  name: 'playbooks',
  up: `
CREATE TABLE playbook_runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN
    ('planned', 'applying', 'waiting', 'stopped', 'failed', 'done', 'rolling-back', 'rolled-back')),
  plan_json TEXT NOT NULL,
  provider TEXT NOT NULL,
  credential_id TEXT NOT NULL,
  sink TEXT,
  error TEXT,
  -- 'pid@host' of the process applying or rolling back the run; NULL when none is.
  holder TEXT
);
CREATE INDEX playbook_runs_status ON playbook_runs (status);
CREATE TABLE playbook_steps (
  run_id INTEGER NOT NULL REFERENCES playbook_runs(id),
  seq INTEGER NOT NULL,
  action TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'running', 'done', 'failed', 'undone')),
  intent_json TEXT,
  result_json TEXT,
  request_id TEXT,
  started_at TEXT,
  finished_at TEXT,
  not_before TEXT,
  PRIMARY KEY (run_id, seq)
);
CREATE INDEX playbook_steps_due ON playbook_steps (status, not_before);
CREATE TABLE audit_log (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  run_id INTEGER,
  step INTEGER,
  action TEXT NOT NULL,
  result TEXT NOT NULL,
  detail_json TEXT NOT NULL DEFAULT '{}',
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
`,
};
