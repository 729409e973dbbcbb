/**
 * `nhi catalog check`: is this catalog whole? On either backend, with the same SQL: the schema
 * version is this nhi's; no row points at a run, identity, credential, evaluation or playbook
 * run that is not there; the latest scan (a run group's head) has a complete stored evaluation
 * covering every scope present at it; the audit log's HMAC chain and its anchors hold.
 */
import { SCHEMA_VERSION } from './open.js';
import { MIGRATIONS } from './migrations/index.js';
import { checkAnchor, verifyAuditChain, type AuditKey } from './audit-log.js';
import { toAudit, type AuditRow } from './playbook-store.js';
import type { CatalogStore } from './store.js';
import type { AuditAnchor } from '../model/index.js';

type Row = Record<string, unknown>;

export interface IntegrityCheck {
  name: 'schema' | 'references' | 'evaluation' | 'audit';
  ok: boolean;
  /** What was found (when ok, what was checked). */
  detail: string;
}

export interface IntegrityReport {
  ok: boolean;
  location: string;
  checks: IntegrityCheck[];
}

/** Read-only SQL access both backends give the check (no parameters: the SQL is shared). */
export interface CheckAccess {
  store: CatalogStore;
  backend: 'sqlite' | 'postgres';
  all(sql: string): Promise<Row[]>;
  /** Applied schema versions. */
  versions(): Promise<number[]>;
  /** Backend-specific reference problems (SQLite: PRAGMA foreign_key_check). */
  foreignKeyProblems(): Promise<string[]>;
}

/** child table, its column, the parent table and key; `nullable` columns may be NULL. */
const REFERENCES: [string, string, string, string][] = [
  ['scan_scopes', 'run_id', 'scan_runs', 'id'],
  ['coverage_gaps', 'run_id', 'scan_runs', 'id'],
  ...['identities', 'credentials', 'grants'].flatMap((t): [string, string, string, string][] => [
    [t, 'first_seen_run', 'scan_runs', 'id'],
    [t, 'last_seen_run', 'scan_runs', 'id'],
    [t, 'removed_run', 'scan_runs', 'id'],
  ]),
  ['credentials', 'identity_id', 'identities', 'id'],
  ['grants', 'identity_id', 'identities', 'id'],
  ['grants', 'credential_id', 'credentials', 'id'],
  ['changes', 'run_id', 'scan_runs', 'id'],
  ['evaluations', 'run_id', 'scan_runs', 'id'],
  ...[
    'findings',
    'scores',
    'evaluation_scopes',
    'evaluation_exceptions',
    'expired_exception_matches',
  ].map((t): [string, string, string, string] => [t, 'evaluation_id', 'evaluations', 'id']),
  ['playbook_steps', 'run_id', 'playbook_runs', 'id'],
];

async function references(a: CheckAccess): Promise<IntegrityCheck> {
  const problems = await a.foreignKeyProblems();
  for (const [child, col, parent, key] of REFERENCES) {
    const [r] = await a.all(
      `SELECT count(*) AS n FROM ${child} c WHERE c.${col} IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM ${parent} p WHERE p.${key} = c.${col})`,
    );
    const n = Number(r!.n);
    if (n) problems.push(`${n} ${child} row(s) whose ${col} names no ${parent} row`);
  }
  for (const t of ['identities', 'credentials', 'grants']) {
    const [r] = await a.all(
      `SELECT count(*) AS n FROM ${t} WHERE first_seen_run > last_seen_run
       OR (removed_run IS NOT NULL AND removed_run < first_seen_run)`,
    );
    const n = Number(r!.n);
    if (n) problems.push(`${n} ${t} row(s) with an impossible first/last/removed run`);
  }
  return {
    name: 'references',
    ok: problems.length === 0,
    detail: problems.length
      ? problems.join('; ')
      : `${REFERENCES.length} references and the run order of every record hold`,
  };
}

async function evaluation(a: CheckAccess): Promise<IntegrityCheck> {
  const run = await a.store.latestRun();
  if (!run) return { name: 'evaluation', ok: true, detail: 'no completed scan yet' };
  const e = await a.store.evaluation(run.id);
  if (!e)
    return {
      name: 'evaluation',
      ok: false,
      detail: `scan #${run.id} has no complete stored evaluation (the next view evaluates it; nhi report does it now)`,
    };
  const present = await a.store.presentScopes(run.id);
  const done = new Set(
    (
      await a.all(
        `SELECT provider, scope_id FROM evaluation_scopes WHERE evaluation_id = ${Number(e.id)}`,
      )
    ).map((r) => `${String(r.provider)}/${String(r.scope_id)}`),
  );
  const missing = present.filter((s) => !done.has(`${s.provider}/${s.scopeId}`));
  if (missing.length)
    return {
      name: 'evaluation',
      ok: false,
      detail: `evaluation ${e.id} of scan #${run.id} lacks ${missing.length} of ${present.length} scopes (${missing
        .slice(0, 3)
        .map((s) => `${s.provider}/${s.scopeId}`)
        .join(', ')}${missing.length > 3 ? ', …' : ''})`,
    };
  return {
    name: 'evaluation',
    ok: true,
    detail: `scan #${run.id}: evaluation ${e.id} complete over ${present.length} scopes`,
  };
}

async function audit(a: CheckAccess, key: AuditKey | null): Promise<IntegrityCheck> {
  const entries = (await a.all(`SELECT * FROM audit_log ORDER BY seq`)).map((r) =>
    toAudit({
      ...r,
      seq: Number(r.seq),
      run_id: r.run_id === null ? null : Number(r.run_id),
    } as unknown as AuditRow),
  );
  const anchors: AuditAnchor[] = (
    await a.all(`SELECT at, kind, entries, head, key_id, mac FROM audit_anchors ORDER BY id`)
  ).map((r) => ({
    at: String(r.at),
    kind: r.kind as AuditAnchor['kind'],
    entries: Number(r.entries),
    head: String(r.head),
    keyId: String(r.key_id),
    mac: String(r.mac),
  }));
  const v = verifyAuditChain(entries, key);
  const problems = v.ok ? [] : [`entry ${v.brokenAt}: ${v.reason}`];
  if (v.ok)
    for (const anchor of anchors) {
      const why = checkAnchor(entries, anchor, key);
      if (why) problems.push(why);
    }
  return {
    name: 'audit',
    ok: problems.length === 0,
    detail: problems.length
      ? problems.join('; ')
      : `${entries.length} entries chained${key ? ` (key ${key.id})` : ''}, ${anchors.length} anchors hold`,
  };
}

export async function checkIntegrity(
  a: CheckAccess,
  key: AuditKey | null,
): Promise<IntegrityReport> {
  const versions = await a.versions();
  const expected = MIGRATIONS.map((m) => m.version).sort((x, y) => x - y);
  const current = Math.max(0, ...versions);
  const schemaOk =
    current === SCHEMA_VERSION &&
    (a.backend === 'sqlite' || expected.every((v) => versions.includes(v)));
  const checks: IntegrityCheck[] = [
    {
      name: 'schema',
      ok: schemaOk,
      detail: schemaOk
        ? `schema version ${current}`
        : `schema version ${current}${a.backend === 'postgres' ? ` (applied: ${versions.join(', ')})` : ''}, this nhi's is ${SCHEMA_VERSION}`,
    },
    await references(a),
    await evaluation(a),
    await audit(a, key),
  ];
  return { ok: checks.every((c) => c.ok), location: a.store.location, checks };
}
