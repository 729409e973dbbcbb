/**
 * Trust (assume-role) policies: who may become a role — other accounts with or without an
 * sts:ExternalId condition, OIDC providers with or without a `sub` condition, anyone.
 */
import { list, type PolicyDocument, type PolicyStatement } from './policy.js';

export interface OidcTrust {
  provider: string;
  hasSubCondition: boolean;
  hasAudCondition: boolean;
}

export interface TrustAnalysis {
  /** Every principal as `Type:value`, e.g. `AWS:arn:aws:iam::123:root`, `Service:ec2.amazonaws.com`. */
  principals: string[];
  services: string[];
  /** Account ids other than the role's own that may assume it. */
  externalAccounts: string[];
  /** External accounts allowed by a statement lacking an sts:ExternalId condition. */
  externalAccountsWithoutExternalId: string[];
  hasExternalIdCondition: boolean;
  oidc: OidcTrust[];
  /** An OIDC trust (e.g. token.actions.githubusercontent.com) without a `sub` condition. */
  oidcWithoutSubCondition: boolean;
  /** Principal "*" (anyone), with or without conditions. */
  publicPrincipal: boolean;
}

function accountOf(principal: string): string | null {
  if (/^\d{12}$/.test(principal)) return principal;
  const m = /^arn:aws[\w-]*:(?:iam|sts)::(\d{12}):/.exec(principal);
  return m ? m[1]! : null;
}

function conditionKeys(condition: PolicyStatement['Condition']): string[] {
  if (!condition) return [];
  return Object.values(condition).flatMap((byKey) =>
    Object.keys(byKey).map((k) => k.toLowerCase()),
  );
}

/** What a role's trust (assume-role) policy lets in, for the NHI3/NHI6 rules. */
export function analyzeTrustPolicy(doc: PolicyDocument, ownAccountId: string): TrustAnalysis {
  const principals = new Set<string>();
  const services = new Set<string>();
  const external = new Set<string>();
  const externalNoId = new Set<string>();
  const oidc: OidcTrust[] = [];
  let hasExternalId = false;
  let publicPrincipal = false;
  for (const st of doc.Statement) {
    if (st.Effect !== 'Allow' || !st.Principal) continue;
    const keys = conditionKeys(st.Condition);
    const stHasExternalId = keys.includes('sts:externalid');
    hasExternalId ||= stHasExternalId;
    const byType: Record<string, string[]> =
      st.Principal === '*'
        ? { AWS: ['*'] }
        : Object.fromEntries(Object.entries(st.Principal).map(([k, v]) => [k, list(v)]));
    for (const [type, values] of Object.entries(byType)) {
      for (const value of values) {
        principals.add(`${type}:${value}`);
        if (type === 'Service') services.add(value);
        if (type === 'AWS') {
          if (value === '*') publicPrincipal = true;
          const account = accountOf(value);
          if (account && account !== ownAccountId) {
            external.add(account);
            if (!stHasExternalId) externalNoId.add(account);
          }
        }
        if (type === 'Federated' && !value.includes('saml-provider/')) {
          // OIDC providers appear as arn:aws:iam::<acct>:oidc-provider/<host> (or a bare host
          // such as accounts.google.com / cognito-identity.amazonaws.com).
          const host = value.includes('oidc-provider/') ? value.split('oidc-provider/')[1]! : value;
          oidc.push({
            provider: host,
            hasSubCondition: keys.some(
              (k) => k === `${host.toLowerCase()}:sub` || k.endsWith(':sub'),
            ),
            hasAudCondition: keys.some((k) => k.endsWith(':aud')),
          });
        }
      }
    }
  }
  return {
    principals: [...principals].sort(),
    services: [...services].sort(),
    externalAccounts: [...external].sort(),
    externalAccountsWithoutExternalId: [...externalNoId].sort(),
    hasExternalIdCondition: hasExternalId,
    oidc,
    oidcWithoutSubCondition: oidc.some((o) => !o.hasSubCondition),
    publicPrincipal,
  };
}
