import type { Migration } from './index.js';

// Findings and scores are stored per scan run so trends and `nhi diff` come from the catalog.
export const migration: Migration = {
  version: 2,
  name: 'findings',
  up: `
CREATE TABLE findings (
  run_id INTEGER NOT NULL REFERENCES scan_runs(id),
  fingerprint TEXT NOT NULL,
  rule_id TEXT NOT NULL,
  severity TEXT NOT NULL,
  outcome TEXT NOT NULL,
  subject_id TEXT NOT NULL,
  provider TEXT NOT NULL,
  scope_id TEXT NOT NULL,
  points INTEGER NOT NULL,
  finding_json TEXT NOT NULL,
  PRIMARY KEY (run_id, fingerprint)
);
CREATE INDEX findings_subject ON findings (subject_id, run_id);
CREATE TABLE scores (
  run_id INTEGER NOT NULL REFERENCES scan_runs(id),
  subject_id TEXT NOT NULL,
  subject_kind TEXT NOT NULL,
  score INTEGER NOT NULL,
  band TEXT NOT NULL,
  contributions_json TEXT NOT NULL,
  PRIMARY KEY (run_id, subject_id)
);
`,
};
