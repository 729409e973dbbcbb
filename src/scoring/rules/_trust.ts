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
  externalIdCondition: boolean;
  oidcProviders: string[];
  oidcSubjectCondition: boolean;
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
  const facts: TrustFacts = {
    externalAccounts: [],
    externalIdCondition: true,
    oidcProviders: [],
    oidcSubjectCondition: true,
    from,
  };
  for (const raw of toArray(doc.Statement)) {
    const st = asRecord(raw);
    if (!st || st.Effect !== 'Allow') continue;
    const principal = st.Principal === '*' ? { AWS: '*' } : (asRecord(st.Principal) ?? {});
    const conds = conditionKeys(st.Condition);
    const external = toArray(principal.AWS)
      .map((p) => accountOf(String(p)))
      .filter((a) => a !== ownAccount);
    if (external.length > 0) {
      facts.externalAccounts.push(...external);
      if (!conds.some((c) => c.key === 'sts:externalid')) facts.externalIdCondition = false;
    }
    const federated = toArray(principal.Federated).map(String);
    for (const f of federated) {
      const idx = f.indexOf('oidc-provider/');
      const provider = idx >= 0 ? f.slice(idx + 'oidc-provider/'.length) : f;
      facts.oidcProviders.push(provider);
      // A subject condition that is only "*" restricts nothing.
      const sub = conds.find((c) => c.key === `${provider.toLowerCase()}:sub`);
      if (!sub || sub.values.every((v) => v === '*')) facts.oidcSubjectCondition = false;
    }
  }
  facts.externalAccounts = [...new Set(facts.externalAccounts)].sort();
  facts.oidcProviders = [...new Set(facts.oidcProviders)].sort();
  return facts;
}

function fromSummary(rec: Record<string, unknown>, from: string): TrustFacts | undefined {
  const known = [
    'externalAccounts',
    'externalIdCondition',
    'oidcProviders',
    'oidcSubjectCondition',
  ];
  if (!known.some((k) => k in rec)) return undefined;
  return {
    externalAccounts: asStringArray(rec.externalAccounts),
    externalIdCondition: rec.externalIdCondition === true,
    oidcProviders: asStringArray(rec.oidcProviders),
    oidcSubjectCondition: rec.oidcSubjectCondition === true,
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
