/**
 * Reads who may assume a role from identity attributes. The agreed connector shape is
 *   attributes.trust = { externalAccounts: string[], externalIdCondition: boolean,
 *                        oidcProviders: string[], oidcSubjectCondition: boolean }
 * Defensively also accepted: the same fields directly on attributes, or a raw IAM trust policy
 * (object or JSON / URL-encoded JSON string) under trust, trustPolicy, assumeRolePolicy or
 * assumeRolePolicyDocument, which is then analysed statement by statement.
 */
import type { StoredIdentity } from '../../model/index.js';
import { asRecord, asStringArray } from './_helpers.js';

export interface TrustFacts {
  externalAccounts: string[];
  /** External accounts allowed by a statement without an sts:ExternalId condition. */
  externalWithoutExternalId: string[];
  oidcProviders: string[];
  /** OIDC providers trusted by a statement without a (non-"*") `:sub` condition. */
  oidcWithoutSubject: string[];
  /** Which attribute the facts came from, for evidence. */
  from: string;
}

const DOC_KEYS = [
  'trust',
  'trustPolicy',
  'assumeRolePolicy',
  'assumeRolePolicyDocument',
  'AssumeRolePolicyDocument',
];

function toArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : v === undefined || v === null ? [] : [v];
}

function parseDocument(v: unknown): Record<string, unknown> | undefined {
  if (typeof v === 'string') {
    for (const text of [v, safeDecode(v)]) {
      try {
        const parsed: unknown = JSON.parse(text);
        const rec = asRecord(parsed);
        if (rec) return rec;
      } catch {
        // not JSON in this form; try the next
      }
    }
    return undefined;
  }
  return asRecord(v);
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function accountOf(principal: string): string {
  if (principal === '*') return '*';
  const m = /^arn:aws[\w-]*:(?:iam|sts)::(\d{12}):/.exec(principal);
  return m ? m[1]! : principal;
}

function conditionKeys(cond: unknown): Array<{ key: string; values: string[] }> {
  const out: Array<{ key: string; values: string[] }> = [];
  for (const block of Object.values(asRecord(cond) ?? {})) {
    for (const [key, value] of Object.entries(asRecord(block) ?? {})) {
      out.push({ key: key.toLowerCase(), values: toArray(value).map(String) });
    }
  }
  return out;
}

function fromDocument(doc: Record<string, unknown>, ownAccount: string, from: string): TrustFacts {
  const external = new Set<string>();
  const externalNoId = new Set<string>();
  const oidc = new Set<string>();
  const oidcNoSub = new Set<string>();
  for (const raw of toArray(doc.Statement)) {
    const st = asRecord(raw);
    if (!st || st.Effect !== 'Allow') continue;
    const principal = st.Principal === '*' ? { AWS: '*' } : (asRecord(st.Principal) ?? {});
    const conds = conditionKeys(st.Condition);
    const hasExternalId = conds.some((c) => c.key === 'sts:externalid');
    for (const p of toArray(principal.AWS)) {
      const account = accountOf(String(p));
      if (account === ownAccount) continue;
      external.add(account);
      if (!hasExternalId) externalNoId.add(account);
    }
    for (const f of toArray(principal.Federated).map(String)) {
      if (f.includes('saml-provider/')) continue;
      const idx = f.indexOf('oidc-provider/');
      const provider = idx >= 0 ? f.slice(idx + 'oidc-provider/'.length) : f;
      oidc.add(provider);
      // A subject condition that is only "*" restricts nothing.
      const sub = conds.find((c) => c.key === `${provider.toLowerCase()}:sub`);
      if (!sub || sub.values.every((v) => v === '*')) oidcNoSub.add(provider);
    }
  }
  return {
    externalAccounts: [...external].sort(),
    externalWithoutExternalId: [...externalNoId].sort(),
    oidcProviders: [...oidc].sort(),
    oidcWithoutSubject: [...oidcNoSub].sort(),
    from,
  };
}

const SUMMARY_KEYS = [
  'externalAccounts',
  'externalIdCondition',
  'oidcProviders',
  'oidcSubjectCondition',
  'externalAccountsWithoutExternalId',
  'hasExternalIdCondition',
  'oidc',
  'oidcWithoutSubCondition',
];

/**
 * A connector's analysis of the trust policy. Precise per-account / per-provider lists win
 * over role-wide booleans when both are present.
 */
function fromSummary(rec: Record<string, unknown>, from: string): TrustFacts | undefined {
  if (!SUMMARY_KEYS.some((k) => k in rec)) return undefined;
  const externalAccounts = asStringArray(rec.externalAccounts);
  if (rec.publicPrincipal === true && !externalAccounts.includes('*')) externalAccounts.push('*');
  const hasExternalId = rec.externalIdCondition === true || rec.hasExternalIdCondition === true;
  const externalWithoutExternalId = Array.isArray(rec.externalAccountsWithoutExternalId)
    ? asStringArray(rec.externalAccountsWithoutExternalId)
    : hasExternalId
      ? []
      : externalAccounts;
  if (rec.publicPrincipal === true && !hasExternalId && !externalWithoutExternalId.includes('*')) {
    externalWithoutExternalId.push('*');
  }
  const oidcEntries = Array.isArray(rec.oidc)
    ? rec.oidc.map(asRecord).filter((o) => o !== undefined)
    : [];
  const oidcProviders = [
    ...new Set([
      ...asStringArray(rec.oidcProviders),
      ...oidcEntries.map((o) => String(o.provider)),
    ]),
  ];
  const subjectCondition =
    rec.oidcSubjectCondition === true || rec.oidcWithoutSubCondition === false;
  const oidcWithoutSubject =
    oidcEntries.length > 0
      ? oidcEntries.filter((o) => o.hasSubCondition !== true).map((o) => String(o.provider))
      : subjectCondition
        ? []
        : oidcProviders;
  return {
    externalAccounts: externalAccounts.sort(),
    externalWithoutExternalId: [...new Set(externalWithoutExternalId)].sort(),
    oidcProviders: oidcProviders.sort(),
    oidcWithoutSubject: [...new Set(oidcWithoutSubject)].sort(),
    from,
  };
}

export function readTrust(identity: StoredIdentity): TrustFacts | undefined {
  const a = identity.attributes;
  for (const key of DOC_KEYS) {
    if (a[key] === undefined || a[key] === null) continue;
    const rec = parseDocument(a[key]);
    if (!rec) continue;
    const summary = fromSummary(rec, `attributes.${key}`);
    if (summary) return summary;
    if ('Statement' in rec) return fromDocument(rec, identity.scopeId, `attributes.${key}`);
  }
  return fromSummary(a, 'attributes');
}

/** Roles are where trust lives; for them missing trust data means "not evaluated". */
export function expectsTrust(identity: StoredIdentity): boolean {
  return identity.provider === 'aws' && identity.kind === 'role';
}
