/**
 * One account's reads -> its inventory: every user (with access keys, console password and
 * service-specific credentials), role, group and the root, and the grants of users and roles.
 */
import type {
  Credential,
  Grant,
  Identity,
  Scope,
  ScopeInventory,
} from '../../../src/connector/index.js';
import type {
  AuthorizationDetails,
  RawAccessKey,
  RawGroup,
  RawServiceCredential,
} from '../schema.js';
import type { ReportSnapshot } from './credential-report.js';
import { serviceCredential, withLastUsed, type KeyLastUsed } from './credentials.js';
import {
  grantsFromPolicies,
  indexManagedPolicies,
  policySources,
  type ServiceUsage,
} from './grants.js';
import { mapGroup, mapRole, mapRoot, mapUser, userLastUse } from './identities.js';

/** What the per-principal calls returned (scan-principals.ts). */
export interface PrincipalReads {
  /** User name -> access keys, for the users whose keys were listed. */
  keysByUser: Map<string, RawAccessKey[]>;
  /** Access key id -> last use, for keys the credential report could not speak for. */
  lastUsedByKey: Map<string, KeyLastUsed>;
  /** User name -> service-specific credentials. */
  serviceCredentialsByUser: Map<string, RawServiceCredential[]>;
  /** Principal ARN -> last access per service (Access Advisor). */
  usage: Map<string, ServiceUsage>;
}

export interface AccountReads {
  scope: Scope;
  details: AuthorizationDetails;
  report: ReportSnapshot | null;
  read: PrincipalReads;
  /** False when GAAD was denied: no policies were read, so no grants and no role last use. */
  grantsKnown: boolean;
  /** Attached managed policies GAAD did not return (their grants cannot be evaluated). */
  onMissingPolicies(arns: string[]): void;
}

export async function toInventory(
  a: AccountReads,
): Promise<Pick<ScopeInventory, 'kind' | 'scope' | 'identities' | 'credentials' | 'grants'>> {
  const { details, report, read } = a;
  const accountId = a.scope.id;
  const rowByUser = new Map((report?.rows ?? []).filter((r) => !r.isRoot).map((r) => [r.user, r]));
  const managed = indexManagedPolicies(details.policies);
  const missing = new Set<string>();
  const groupsByName = new Map<string, RawGroup>(details.groups.map((g) => [g.GroupName!, g]));
  const members = new Map<string, string[]>();
  for (const u of details.users)
    for (const g of u.GroupList ?? []) {
      const names = members.get(g);
      if (names) names.push(u.UserName!);
      else members.set(g, [u.UserName!]);
    }

  const identities: Identity[] = [];
  const credentials: Credential[] = [];
  const grants: Grant[] = [];

  for (const u of details.users) {
    const mapped = mapUser(
      u,
      rowByUser.get(u.UserName!),
      read.keysByUser.get(u.UserName!) ?? [],
      report !== null,
      report?.generatedAt ?? null,
    );
    const own = mapped.credentials.map((c) => {
      const used = c.type === 'access-key' ? read.lastUsedByKey.get(c.externalId) : undefined;
      return used ? withLastUsed(c, used) : c;
    });
    for (const c of read.serviceCredentialsByUser.get(u.UserName!) ?? [])
      own.push(serviceCredential(mapped.identity.externalId, c));
    // Last use of a user is that of its keys and password (service credentials report none).
    identities.push(
      userLastUse(
        mapped.identity,
        own.filter((c) => c.type !== 'service-specific-credential'),
      ),
    );
    credentials.push(...own);
    if (!a.grantsKnown) continue;
    const sources = policySources(
      `user ${u.UserName}`,
      u.UserPolicyList,
      u.AttachedManagedPolicies,
      managed,
      null,
      missing,
    );
    for (const gName of u.GroupList ?? []) {
      const g = groupsByName.get(gName);
      if (g)
        sources.push(
          ...policySources(
            `group ${gName}`,
            g.GroupPolicyList,
            g.AttachedManagedPolicies,
            managed,
            gName,
            missing,
          ),
        );
    }
    grants.push(...(await grantsFromPolicies(u.Arn!, sources, read.usage.get(u.Arn!))));
  }
  for (const r of details.roles) {
    const identity = mapRole(r, accountId);
    // ListRoles (GAAD denied) carries no RoleLastUsed: not "never used", just unknown.
    identities.push(
      a.grantsKnown ? identity : { ...identity, lastUsedKnown: false, lastUsedAt: null },
    );
    if (!a.grantsKnown) continue;
    const sources = policySources(
      `role ${r.RoleName}`,
      r.RolePolicyList,
      r.AttachedManagedPolicies,
      managed,
      null,
      missing,
    );
    grants.push(...(await grantsFromPolicies(r.Arn!, sources, read.usage.get(r.Arn!))));
  }
  for (const g of details.groups) identities.push(mapGroup(g, members.get(g.GroupName!) ?? []));
  const rootRow = report?.rows.find((r) => r.isRoot);
  if (rootRow) {
    const root = mapRoot(rootRow, accountId);
    identities.push(root.identity);
    credentials.push(...root.credentials);
  }
  if (missing.size) a.onMissingPolicies([...missing]);
  return { kind: 'inventory', scope: a.scope, identities, credentials, grants };
}
