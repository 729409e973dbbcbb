import type { Migration } from './index.js';

/**
 * Stored evaluations: every view reads the findings and scores a run was evaluated to, so the
 * scan summary, list, show, report, check, diff and SARIF agree. An evaluation records what it
 * was computed from (the policy fingerprint: rules, options, exceptions, rule set and nhi
 * version) and the instant it was evaluated as of (the scan's time); a view that finds a
 * different fingerprint evaluates the run again, scope by scope, and the new evaluation
 * replaces the old one when it is complete.
 *
 * Real columns for everything a view filters or sorts on; JSON only for message-like data
 * (evidence, contributions, the rest of a finding). The findings of version 2 were stored
 * without knowing which policy made them: they are dropped and recomputed on first use.
 */
export const migration: Migration = {
  version: 6,
  name: 'evaluations',
  up: `
DROP TABLE findings;
DROP TABLE scores;

CREATE TABLE evaluations (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  run_id INTEGER NOT NULL REFERENCES scan_runs(id),
  policy_fingerprint TEXT NOT NULL,
  -- The instant the rules were evaluated as of: the scan's start, not the reader's clock.
  as_of TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('running', 'complete')),
  -- 'pid@host' of the process evaluating; NULL once complete.
  holder TEXT,
  nhi_version TEXT NOT NULL,
  started_at TEXT NOT NULL,
  finished_at TEXT,
  -- Counts of the whole evaluation (by severity, not evaluated, suppressed), for summaries.
  summary_json TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX evaluations_run ON evaluations (run_id, status);

-- Scopes an evaluation has finished: an interrupted evaluation resumes after them.
CREATE TABLE evaluation_scopes (
  evaluation_id INTEGER NOT NULL,
  provider TEXT NOT NULL,
  scope_id TEXT NOT NULL,
  PRIMARY KEY (evaluation_id, provider, scope_id)
) WITHOUT ROWID;

-- The policy's exceptions as the evaluation saw them: live ones suppress findings, expired
-- ones are reported with the findings they would still match.
CREATE TABLE evaluation_exceptions (
  evaluation_id INTEGER NOT NULL,
  idx INTEGER NOT NULL,
  exception_json TEXT NOT NULL,
  expired_at TEXT,
  PRIMARY KEY (evaluation_id, idx)
) WITHOUT ROWID;
CREATE TABLE expired_exception_matches (
  evaluation_id INTEGER NOT NULL,
  idx INTEGER NOT NULL,
  fingerprint TEXT NOT NULL,
  PRIMARY KEY (evaluation_id, idx, fingerprint)
) WITHOUT ROWID;

CREATE TABLE findings (
  evaluation_id INTEGER NOT NULL,
  -- NULL: reported; otherwise the index of the exception that suppresses it.
  suppressed_by INTEGER,
  -- Canonical order: failing by severity (critical 4 … info 0), then not evaluated (-1).
  rank INTEGER NOT NULL,
  provider TEXT NOT NULL,
  scope_id TEXT NOT NULL,
  identity_external_id TEXT NOT NULL,
  credential_external_id TEXT,
  rule_id TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  severity TEXT NOT NULL,
  outcome TEXT NOT NULL,
  points INTEGER NOT NULL,
  subject_kind TEXT NOT NULL,
  subject_id TEXT NOT NULL,
  scope_name TEXT NOT NULL,
  identity_name TEXT NOT NULL,
  -- provider/scope/identity[/credential]: SARIF orders results by it.
  logical_name TEXT NOT NULL,
  owasp TEXT NOT NULL,
  cis TEXT,
  playbook TEXT,
  message TEXT NOT NULL,
  evidence_json TEXT NOT NULL,
  -- Finding fields without a column of their own (e.g. the fix), kept as they are.
  extra_json TEXT
);
-- report/check read in canonical order, filtered by severity: this index is that order.
CREATE INDEX findings_order ON findings (evaluation_id, suppressed_by, rank DESC, provider,
  scope_id, identity_external_id, credential_external_id, rule_id, fingerprint);
-- --new-only, diff and baselines compare by fingerprint; show looks up by subject.
CREATE UNIQUE INDEX findings_fingerprint ON findings (evaluation_id, fingerprint);
CREATE INDEX findings_subject ON findings (evaluation_id, subject_id);

-- Every present credential and identity has a score (0 when clean).
CREATE TABLE scores (
  evaluation_id INTEGER NOT NULL,
  subject_kind TEXT NOT NULL,
  subject_id TEXT NOT NULL,
  provider TEXT NOT NULL,
  scope_id TEXT NOT NULL,
  score INTEGER NOT NULL,
  band TEXT NOT NULL,
  -- The subject's creation date ('~' when unknown), so "worst, then oldest first" is an index.
  created_key TEXT NOT NULL,
  contributions_json TEXT NOT NULL,
  PRIMARY KEY (evaluation_id, subject_id)
);
CREATE INDEX scores_order ON scores (evaluation_id, subject_kind, score DESC, created_key, subject_id);

-- nhi diff reads the field changes of a range of runs.
CREATE INDEX changes_run ON changes (run_id);
`,
};
