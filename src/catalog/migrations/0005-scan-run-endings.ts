import type { Migration } from './index.js';

// How a scan ended, beyond ok/partial/failed: 'interrupted' (Ctrl-C: committed scopes stand,
// the rest is recorded as interrupted, not as a permission gap) and 'aborted' (the process
// died; found by its holder pid@host). A scope can be 'interrupted' too. SQLite cannot alter a
// CHECK constraint, so both tables are rebuilt (with foreign keys off, the documented way).
export const migration: Migration = {
  version: 5,
  name: 'scan-run-endings',
  foreignKeysOff: true,
  up: `
CREATE TABLE scan_runs_v5 (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  started_at TEXT NOT NULL,
  finished_at TEXT,
  status TEXT NOT NULL CHECK (status IN ('running', 'ok', 'partial', 'failed', 'interrupted', 'aborted')),
  demo INTEGER NOT NULL DEFAULT 0,
  providers TEXT NOT NULL,
  nhi_version TEXT NOT NULL,
  -- 'pid@host' of the process scanning; NULL once the run has ended.
  holder TEXT
);
INSERT INTO scan_runs_v5 (id, started_at, finished_at, status, demo, providers, nhi_version)
  SELECT id, started_at, finished_at, status, demo, providers, nhi_version FROM scan_runs;
DROP TABLE scan_runs;
ALTER TABLE scan_runs_v5 RENAME TO scan_runs;

CREATE TABLE scan_scopes_v5 (
  run_id INTEGER NOT NULL REFERENCES scan_runs(id),
  provider TEXT NOT NULL,
  scope_id TEXT NOT NULL,
  scope_name TEXT NOT NULL,
  scope_kind TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('ok', 'failed', 'interrupted')),
  error TEXT,
  error_code TEXT,
  identities INTEGER NOT NULL DEFAULT 0,
  credentials INTEGER NOT NULL DEFAULT 0,
  grants INTEGER NOT NULL DEFAULT 0,
  removed INTEGER NOT NULL DEFAULT 0,
  gaps INTEGER NOT NULL DEFAULT 0,
  api_calls INTEGER NOT NULL DEFAULT 0,
  duration_ms INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (run_id, provider, scope_id)
);
INSERT INTO scan_scopes_v5 SELECT * FROM scan_scopes;
DROP TABLE scan_scopes;
ALTER TABLE scan_scopes_v5 RENAME TO scan_scopes;
CREATE INDEX scan_runs_status ON scan_runs (status, id);
`,
};
