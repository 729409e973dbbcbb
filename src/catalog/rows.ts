/** SQLite rows -> model records. Column names stay in this file and the writers. */
import type {
  CredentialStatus,
  CredentialType,
  IdentityKind,
  Privilege,
  ProviderId,
  ScanRun,
  ScopeKind,
  StoredCredential,
  StoredGap,
  StoredGrant,
  StoredIdentity,
} from '../model/index.js';
import type { ScopeRunRecord } from './store.js';

type Row = Record<string, unknown>;

const str = (v: unknown): string => v as string;
const optStr = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
/** JSON columns: most hold `{}`, which needs no parser. */
const obj = (v: unknown): Record<string, unknown> =>
  v === '{}' || v === null || v === undefined
    ? {}
    : (JSON.parse(v as string) as Record<string, unknown>);
const optNum = (v: unknown): number | null => (v === null ? null : (v as number));

// Object literals, not spreads of a shared part: these run once per row of a million-row read,
// and literals of one shape are several times cheaper to build.

export function toIdentity(r: Row): StoredIdentity {
  return {
    id: str(r.id),
    provider: str(r.provider) as ProviderId,
    scopeId: str(r.scope_id),
    scopeName: str(r.scope_name),
    externalId: str(r.external_id),
    firstSeenRun: r.first_seen_run as number,
    lastSeenRun: r.last_seen_run as number,
    removedRun: optNum(r.removed_run),
    lastUsedAt: optStr(r.last_used_at),
    lastUsedKnown: r.last_used_known === 1,
    attributes: obj(r.attributes_json),
    kind: str(r.kind) as IdentityKind,
    name: str(r.name),
    owner: optStr(r.owner),
    createdAt: optStr(r.created_at),
    tags: obj(r.tags_json) as Record<string, string>,
  };
}

export function toCredential(r: Row): StoredCredential & { identityExternalId: string } {
  return {
    id: str(r.id),
    provider: str(r.provider) as ProviderId,
    scopeId: str(r.scope_id),
    scopeName: str(r.scope_name),
    externalId: str(r.external_id),
    firstSeenRun: r.first_seen_run as number,
    lastSeenRun: r.last_seen_run as number,
    removedRun: optNum(r.removed_run),
    lastUsedAt: optStr(r.last_used_at),
    lastUsedKnown: r.last_used_known === 1,
    attributes: obj(r.attributes_json),
    identityId: str(r.identity_id),
    identityExternalId: str(r.identity_external_id),
    type: str(r.type) as CredentialType,
    name: optStr(r.name),
    status: str(r.status) as CredentialStatus,
    createdAt: optStr(r.created_at),
    expiresAt: optStr(r.expires_at),
  };
}

export function toGrant(r: Row): StoredGrant {
  return {
    id: str(r.id),
    provider: str(r.provider) as ProviderId,
    scopeId: str(r.scope_id),
    scopeName: str(r.scope_name),
    externalId: str(r.external_id),
    firstSeenRun: r.first_seen_run as number,
    lastSeenRun: r.last_seen_run as number,
    removedRun: optNum(r.removed_run),
    lastUsedAt: optStr(r.last_used_at),
    lastUsedKnown: r.last_used_known === 1,
    attributes: obj(r.attributes_json),
    identityId: str(r.identity_id),
    identityExternalId: str(r.identity_external_id),
    credentialId: optStr(r.credential_id),
    credentialExternalId: optStr(r.credential_external_id),
    permission: str(r.permission),
    resource: str(r.resource),
    privilege: str(r.privilege) as Privilege,
    source: optStr(r.source),
    grantedAt: optStr(r.granted_at),
  };
}

export function toRun(r: Row): ScanRun {
  return {
    id: Number(r.id),
    startedAt: String(r.started_at),
    finishedAt: r.finished_at === null ? null : String(r.finished_at),
    status: r.status as ScanRun['status'],
    demo: r.demo === 1,
  };
}

/** A scope's record in one scan (scan_scopes), the same on both backends. */
export function toScopeRun(r: Row): ScopeRunRecord {
  return {
    runId: Number(r.run_id),
    provider: r.provider as ProviderId,
    scopeId: String(r.scope_id),
    scopeName: String(r.scope_name),
    scopeKind: r.scope_kind as ScopeKind,
    status: r.status as ScopeRunRecord['status'],
    error: (r.error as string | null) ?? null,
    errorCode: (r.error_code as string | null) ?? null,
    identities: Number(r.identities),
    credentials: Number(r.credentials),
    grants: Number(r.grants),
    removed: Number(r.removed),
    gaps: Number(r.gaps),
    apiCalls: Number(r.api_calls),
    durationMs: Number(r.duration_ms),
  };
}

export function toGap(r: Row): StoredGap {
  return {
    provider: str(r.provider) as ProviderId,
    scopeId: str(r.scope_id),
    runId: Number(r.run_id),
    signal: str(r.signal),
    message: str(r.message),
    code: optStr(r.code),
    fix: optStr(r.fix),
  };
}

/** Selects that join the identity's external id the model records carry. */
export const CREDENTIAL_SELECT = `SELECT c.*, i.external_id AS identity_external_id FROM credentials c
  JOIN identities i ON i.id = c.identity_id`;
export const GRANT_SELECT = `SELECT g.*, i.external_id AS identity_external_id, c.external_id AS credential_external_id
  FROM grants g JOIN identities i ON i.id = g.identity_id LEFT JOIN credentials c ON c.id = g.credential_id`;
