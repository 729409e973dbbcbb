import type { Migration } from './index.js';

/**
 * Ownership stored with each evaluation: owner, team, the signal and confidence, departed, and
 * purpose are attributed while the run is evaluated (src/owners, with the config's ownership
 * map, which is part of the evaluation's fingerprint) and stored on each subject's score row;
 * each finding carries its subject's owner and team keys. `list`, `report`, `check --owner
 * /--team` and `nhi owners` then answer by indexed queries and SQL grouping instead of
 * attributing the whole run in every view. Keys are the lower-cased owner and team
 * (`--owner` matches case-insensitively). Evaluations stored before say nothing: the first
 * view under this nhi re-evaluates them (the fingerprint changed).
 */
export const OWNERSHIP_DDL = `
ALTER TABLE scores ADD COLUMN owner TEXT;
ALTER TABLE scores ADD COLUMN team TEXT;
ALTER TABLE scores ADD COLUMN owner_key TEXT;
ALTER TABLE scores ADD COLUMN team_key TEXT;
ALTER TABLE scores ADD COLUMN owned INTEGER NOT NULL DEFAULT 0;
ALTER TABLE scores ADD COLUMN departed INTEGER;
-- Credentials: 1 while active (nhi owners counts live credentials); identities: 1.
ALTER TABLE scores ADD COLUMN live INTEGER NOT NULL DEFAULT 1;
-- A credential's identity (nhi owners: an unowned identity's credentials and worst score).
ALTER TABLE scores ADD COLUMN identity_id TEXT;
-- The whole attribution (signal, confidence, purpose, ranked candidates) for show and list.
ALTER TABLE scores ADD COLUMN ownership_json TEXT;
-- Identities: the strongest hint over the identity and its live credentials (unowned list).
ALTER TABLE scores ADD COLUMN candidate_json TEXT;
ALTER TABLE findings ADD COLUMN owner_key TEXT;
ALTER TABLE findings ADD COLUMN team_key TEXT;
-- --owner/--team: the owner's subjects, in list's default order (worst first) straight off the index.
CREATE INDEX scores_owner ON scores (evaluation_id, owner_key, subject_kind, score DESC, created_key, subject_id);
CREATE INDEX scores_team ON scores (evaluation_id, team_key, subject_kind, score DESC, created_key, subject_id);
CREATE INDEX scores_owned ON scores (evaluation_id, owned, owner, team, departed);
CREATE INDEX scores_identity ON scores (evaluation_id, identity_id);
-- report/check --owner/--team: that owner's findings in canonical order, like findings_order.
CREATE INDEX findings_owner ON findings (evaluation_id, owner_key, suppressed_by, rank DESC,
  provider, scope_id, identity_external_id, credential_external_id, rule_id, fingerprint);
CREATE INDEX findings_team ON findings (evaluation_id, team_key, suppressed_by, rank DESC,
  provider, scope_id, identity_external_id, credential_external_id, rule_id, fingerprint);
`;

export const migration: Migration = {
  version: 8,
  name: 'ownership',
  up: OWNERSHIP_DDL,
};
