import type { Migration } from './index.js';

// Playbooks hardening:
// - runs can be 'cancelled' (SQLite cannot change a CHECK constraint, so both playbook tables
//   are rebuilt: renaming runs first would leave the steps pointing at the old table);
// - an index finds a credential's open run (at most one may be open);
// - audit entries say how they were hashed ('sha256' before the log was keyed, then
//   'hmac-sha256') and with which key (its public id);
// - anchors: the entry count and head hash seen by each export and verification.
export const migration: Migration = {
  version: 4,
  name: 'playbooks-hardening',
  up: `
ALTER TABLE playbook_steps RENAME TO playbook_steps_0003;
ALTER TABLE playbook_runs RENAME TO playbook_runs_0003;
CREATE TABLE playbook_runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN
    ('planned', 'applying', 'waiting', 'stopped', 'failed', 'done', 'rolling-back', 'rolled-back',
     'cancelled')),
  plan_json TEXT NOT NULL,
  provider TEXT NOT NULL,
  credential_id TEXT NOT NULL,
  sink TEXT,
  error TEXT,
  holder TEXT
);
INSERT INTO playbook_runs (id, kind, created_at, updated_at, status, plan_json, provider,
  credential_id, sink, error, holder)
  SELECT id, kind, created_at, updated_at, status, plan_json, provider, credential_id, sink,
    error, holder FROM playbook_runs_0003;
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
INSERT INTO playbook_steps SELECT * FROM playbook_steps_0003;
DROP TABLE playbook_steps_0003;
DROP TABLE playbook_runs_0003;
CREATE INDEX playbook_runs_status ON playbook_runs (status);
CREATE INDEX playbook_runs_credential ON playbook_runs (credential_id, status);
CREATE INDEX playbook_steps_due ON playbook_steps (status, not_before);

ALTER TABLE audit_log ADD COLUMN alg TEXT NOT NULL DEFAULT 'sha256'
  CHECK (alg IN ('sha256', 'hmac-sha256'));
ALTER TABLE audit_log ADD COLUMN key_id TEXT;
CREATE TABLE audit_anchors (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('export', 'verify', 'append')),
  entries INTEGER NOT NULL,
  head TEXT NOT NULL,
  key_id TEXT NOT NULL,
  mac TEXT NOT NULL
);
`,
};
