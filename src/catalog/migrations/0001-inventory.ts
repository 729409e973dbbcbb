import type { Migration } from './index.js';

// Real columns for everything a rule filters on; JSON only for open-ended data.
// Rows are never deleted: removed_run marks what a successful scan of the scope stopped seeing.
const entityColumns = `
  provider TEXT NOT NULL,
  scope_id TEXT NOT NULL,
  scope_name TEXT NOT NULL,
  external_id TEXT NOT NULL,
  first_seen_run INTEGER NOT NULL REFERENCES scan_runs(id),
  last_seen_run INTEGER NOT NULL REFERENCES scan_runs(id),
  removed_run INTEGER REFERENCES scan_runs(id),
  last_used_at TEXT,
  last_used_known INTEGER NOT NULL DEFAULT 0,
  attributes_json TEXT NOT NULL DEFAULT '{}'`;

// History: a trigger per tracked column records what changed and in which run.
function historyTrigger(table: string, column: string): string {
  return `CREATE TRIGGER ${table}_${column}_history AFTER UPDATE OF ${column} ON ${table}
  WHEN OLD.${column} IS NOT NEW.${column}
  BEGIN
    INSERT INTO changes (run_id, subject_id, field, old_value, new_value)
    VALUES (coalesce(NEW.removed_run, NEW.last_seen_run), NEW.id, '${column}', OLD.${column}, NEW.${column});
  END;`;
}

export const migration: Migration = {
  version: 1,
  name: 'inventory',
  up: `
CREATE TABLE scan_runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  started_at TEXT NOT NULL,
  finished_at TEXT,
  status TEXT NOT NULL CHECK (status IN ('running', 'ok', 'partial', 'failed')),
  demo INTEGER NOT NULL DEFAULT 0,
  providers TEXT NOT NULL,
  nhi_version TEXT NOT NULL
);
CREATE TABLE scan_scopes (
  run_id INTEGER NOT NULL REFERENCES scan_runs(id),
  provider TEXT NOT NULL,
  scope_id TEXT NOT NULL,
  scope_name TEXT NOT NULL,
  scope_kind TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('ok', 'failed')),
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
CREATE TABLE coverage_gaps (
  run_id INTEGER NOT NULL REFERENCES scan_runs(id),
  provider TEXT NOT NULL,
  scope_id TEXT NOT NULL,
  signal TEXT NOT NULL,
  message TEXT NOT NULL,
  code TEXT,
  fix TEXT
);
CREATE INDEX coverage_gaps_run ON coverage_gaps (run_id, provider, scope_id);

CREATE TABLE identities (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  owner TEXT,
  created_at TEXT,
  tags_json TEXT NOT NULL DEFAULT '{}',
  ${entityColumns}
);
CREATE TABLE credentials (
  id TEXT PRIMARY KEY,
  identity_id TEXT NOT NULL REFERENCES identities(id),
  type TEXT NOT NULL,
  name TEXT,
  status TEXT NOT NULL,
  created_at TEXT,
  expires_at TEXT,
  ${entityColumns}
);
CREATE TABLE grants (
  id TEXT PRIMARY KEY,
  identity_id TEXT NOT NULL REFERENCES identities(id),
  credential_id TEXT REFERENCES credentials(id),
  permission TEXT NOT NULL,
  resource TEXT NOT NULL,
  privilege TEXT NOT NULL,
  source TEXT,
  granted_at TEXT,
  ${entityColumns}
);
-- Ids are hashes of (provider, scope, external id), so the primary key already enforces
-- uniqueness. Indexes are kept to what frequent queries need: each one slows every scan's
-- writes (bench/catalog). Lookups by external id (nhi show AKIA…) are rare and scan the table.
-- (WITHOUT ROWID was measured too: with hash keys it splits pages holding whole rows: slower.)
CREATE INDEX identities_scope ON identities (provider, scope_id);
CREATE INDEX credentials_scope ON credentials (provider, scope_id);
CREATE INDEX credentials_identity ON credentials (identity_id);
CREATE INDEX grants_scope ON grants (provider, scope_id);
CREATE INDEX grants_identity ON grants (identity_id);

CREATE TABLE changes (
  run_id INTEGER NOT NULL,
  subject_id TEXT NOT NULL,
  field TEXT NOT NULL,
  old_value TEXT,
  new_value TEXT
);
CREATE INDEX changes_subject ON changes (subject_id);
${historyTrigger('credentials', 'status')}
${historyTrigger('credentials', 'last_used_at')}
${historyTrigger('credentials', 'expires_at')}
${historyTrigger('credentials', 'removed_run')}
${historyTrigger('identities', 'last_used_at')}
${historyTrigger('identities', 'owner')}
${historyTrigger('identities', 'removed_run')}
${historyTrigger('grants', 'privilege')}
${historyTrigger('grants', 'last_used_at')}
${historyTrigger('grants', 'removed_run')}
`,
};
