/**
 * What `nhi diff` reads beyond findings: credentials added or removed and the net change of a
 * tracked field between two runs, each named by provider/scope/identity/credential. Streamed
 * from the statement, a page at a time.
 */
import type { Db } from '../open.js';
import type { CredentialChange, CredentialDiffRow, DiffField, FieldChangeRow } from '../store.js';
import type { ProviderId } from '../../model/index.js';
import { pagesOf } from './pages.js';

type Row = Record<string, unknown>;

const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

export class SqliteDiff {
  constructor(private readonly db: Db) {}

  credentialDiff(fromRun: number, toRun: number, change: CredentialChange['change']) {
    const column = change === 'added' ? 'first_seen_run' : 'removed_run';
    return pagesOf(
      this.db.prepare(
        `SELECT c.*, i.name AS identity_name, i.external_id AS identity_external_id
         FROM credentials c JOIN identities i ON i.id = c.identity_id
         WHERE c.${column} > @from AND c.${column} <= @to
         ORDER BY c.provider, c.scope_id, i.name, c.external_id`,
      ),
      { from: fromRun, to: toRun },
      (r: Row): CredentialDiffRow => ({
        id: String(r.id),
        provider: r.provider as ProviderId,
        scopeId: String(r.scope_id),
        scopeName: String(r.scope_name),
        identityId: String(r.identity_id),
        identityName: String(r.identity_name),
        identityExternalId: String(r.identity_external_id),
        externalId: String(r.external_id),
        name: str(r.name),
        type: String(r.type),
        status: String(r.status),
        createdAt: str(r.created_at),
        expiresAt: str(r.expires_at),
      }),
    );
  }

  fieldChanges(fromRun: number, toRun: number, field: DiffField) {
    return pagesOf(
      this.db.prepare(
        `SELECT x.subject_id, x.old_value, x.new_value,
           CASE WHEN c.id IS NOT NULL THEN 'credential' WHEN g.id IS NOT NULL THEN 'grant' ELSE 'identity' END AS kind,
           coalesce(c.provider, g.provider, i.provider) AS provider,
           coalesce(c.scope_id, g.scope_id, i.scope_id) AS scope_id,
           coalesce(c.scope_name, g.scope_name, i.scope_name) AS scope_name,
           i.name AS identity_name, i.external_id AS identity_external_id,
           coalesce(c.external_id, gc.external_id) AS credential_external_id,
           CASE WHEN g.id IS NOT NULL THEN g.permission || ' on ' || g.resource END AS grant_text
         FROM (
           SELECT subject_id, old_value, new_value FROM (
             SELECT subject_id,
               first_value(old_value) OVER w AS old_value,
               last_value(new_value) OVER w AS new_value,
               row_number() OVER (PARTITION BY subject_id ORDER BY rowid) AS n
             FROM changes WHERE field = @field AND run_id > @from AND run_id <= @to
             WINDOW w AS (PARTITION BY subject_id ORDER BY rowid
                          ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
           ) WHERE n = 1 AND old_value IS NOT new_value
             -- An expiry moved by less than a minute is clock jitter of the source (stand-ins
             -- compute expiries from their start), not a date anyone acts on.
             AND NOT (@field = 'expires_at' AND old_value IS NOT NULL AND new_value IS NOT NULL
                      AND abs(julianday(new_value) - julianday(old_value)) < 1.0 / 1440)
         ) x
         LEFT JOIN credentials c ON c.id = x.subject_id
         LEFT JOIN grants g ON g.id = x.subject_id
         LEFT JOIN credentials gc ON gc.id = g.credential_id
         LEFT JOIN identities i ON i.id = coalesce(c.identity_id, g.identity_id, x.subject_id)
         WHERE coalesce(c.id, g.id, i.id) IS NOT NULL
         ORDER BY provider, scope_id, identity_name, credential_external_id, x.subject_id`,
      ),
      { field, from: fromRun, to: toRun },
      (r: Row): FieldChangeRow => ({
        field,
        oldValue: str(r.old_value),
        newValue: str(r.new_value),
        subjectId: String(r.subject_id),
        subjectKind: r.kind as FieldChangeRow['subjectKind'],
        provider: r.provider as ProviderId,
        scopeId: String(r.scope_id),
        scopeName: String(r.scope_name),
        identityName: str(r.identity_name),
        identityExternalId: str(r.identity_external_id),
        credentialExternalId: str(r.credential_external_id),
        grant: str(r.grant_text),
      }),
    );
  }
}
