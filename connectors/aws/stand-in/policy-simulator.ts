/**
 * IAM's evaluation of identity policies, enough for `nhi doctor` (SimulatePrincipalPolicy) and
 * for Access Advisor's list of granted services: explicit Deny wins, then any Allow, else an
 * implicit deny; actions match case-insensitively with `*` and `?`.
 */
import type { EstatePolicyDocument, EstateServiceUsage } from './estate.js';

type Statement = Record<string, unknown>;

function statements(doc: EstatePolicyDocument): Statement[] {
  return Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
}

function strings(v: unknown): string[] {
  return ([] as unknown[]).concat(v ?? []).filter((x): x is string => typeof x === 'string');
}

export function actionMatches(pattern: string, action: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 'i').test(action);
}

export function evaluate(
  policies: { id: string; doc: EstatePolicyDocument }[],
  action: string,
): { decision: 'allowed' | 'explicitDeny' | 'implicitDeny'; matched: string[] } {
  const hits = { Allow: [] as string[], Deny: [] as string[] };
  for (const { id, doc } of policies) {
    for (const st of statements(doc)) {
      const applies =
        st.Action !== undefined
          ? strings(st.Action).some((x) => actionMatches(x, action))
          : st.NotAction !== undefined &&
            !strings(st.NotAction).some((x) => actionMatches(x, action));
      if (applies && (st.Effect === 'Allow' || st.Effect === 'Deny')) hits[st.Effect].push(id);
    }
  }
  if (hits.Deny.length) return { decision: 'explicitDeny', matched: hits.Deny };
  if (hits.Allow.length) return { decision: 'allowed', matched: hits.Allow };
  return { decision: 'implicitDeny', matched: [] };
}

/** Services a `*` grant reaches in Access Advisor's list (a representative few). */
const EVERYTHING = ['s3', 'ec2', 'iam', 'sts', 'lambda', 'dynamodb', 'sqs', 'logs', 'cloudwatch'];

/** Service namespaces a set of policies allows (Access Advisor lists these), plus those used. */
export function allowedNamespaces(
  docs: EstatePolicyDocument[],
  usage: EstateServiceUsage | undefined,
): string[] {
  const out = new Set<string>(Object.keys(usage ?? {}));
  for (const doc of docs)
    for (const st of statements(doc)) {
      if (st.Effect !== 'Allow') continue;
      for (const a of [...strings(st.Action), ...(st.NotAction ? ['*'] : [])]) {
        if (a === '*' || a === '*:*') EVERYTHING.forEach((s) => out.add(s));
        else if (a.includes(':')) out.add(a.split(':')[0]!.toLowerCase());
      }
    }
  return [...out].sort();
}
