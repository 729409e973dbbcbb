/**
 * Scans one AWS account: bulk reads first (credential report, GetAccountAuthorizationDetails),
 * then the per-item calls that cannot be avoided (ListAccessKeys only for users the report shows
 * with keys; Access Advisor per principal), with bounded concurrency. A denied call becomes a
 * CoverageGap; a call that decides what exists (identities, keys) failing otherwise fails the scope.
 */
import pLimit from 'p-limit';
import { defineSignals, type ConnectorContext } from '../../src/connector/index.js';
import type {
  CoverageGap,
  Credential,
  Grant,
  Identity,
  Scope,
  ScopeInventory,
} from '../../src/model/index.js';
import { AwsCallError, type AuthorizationDetails, type AwsSession } from './client.js';
import {
  grantsFromPolicies,
  indexManagedPolicies,
  mapGroup,
  mapRole,
  mapRoot,
  mapUser,
  parseCredentialReport,
  policySources,
  reportShowsKeys,
  serviceUsage,
  type PolicySource,
  type RawAccessKey,
  type ReportRow,
  type ServiceUsage,
} from './map.js';
import type { AwsSettings } from './options.js';

/** What an AWS scan can fail to see, the IAM actions that close each gap, and what it hides. */
export const SIGNALS = defineSignals([
  {
    signal: 'account-alias',
    description: 'the account alias, used as the scope name',
    fix: 'iam:ListAccountAliases',
    hides: [],
  },
  {
    signal: 'credential-report',
    description: 'root keys, console passwords, MFA and key last use from the credential report',
    fix: 'iam:GenerateCredentialReport, iam:GetCredentialReport',
    hides: ['credentials', 'identities'],
  },
  {
    signal: 'authorization-details',
    description: 'users, roles, groups and their policies (GetAccountAuthorizationDetails)',
    fix: 'iam:GetAccountAuthorizationDetails',
    hides: ['grants'],
  },
  {
    signal: 'access-keys',
    description: 'the access keys of each user',
    fix: 'iam:ListAccessKeys',
    hides: ['credentials'],
  },
  {
    signal: 'access-key-last-used',
    description: 'when, where and for which service each key was last used',
    fix: 'iam:GetAccessKeyLastUsed',
    hides: [],
  },
  {
    signal: 'access-advisor',
    description: 'which granted services each principal used (Access Advisor)',
    fix: 'iam:GenerateServiceLastAccessedDetails, iam:GetServiceLastAccessedDetails',
    hides: [],
  },
  {
    signal: 'organizations',
    description: 'the member accounts of the organization',
    fix: 'organizations:ListAccounts (from the management or a delegated administrator account)',
    hides: [],
  },
  {
    signal: 'managed-policies',
    description: 'the documents of managed policies',
    fix: 'iam:GetAccountAuthorizationDetails (Filter LocalManagedPolicy, AWSManagedPolicy)',
    hides: ['grants'],
  },
  { signal: 'roles', description: 'IAM roles', fix: 'iam:ListRoles', hides: ['identities'] },
  { signal: 'groups', description: 'IAM groups', fix: 'iam:ListGroups', hides: ['identities'] },
]);

/** The IAM actions each signal needs: the `fix` of its coverage gap and the README's policy. */
export const SIGNAL_FIX: Record<string, string> = Object.fromEntries(
  SIGNALS.map((s) => [s.signal, s.fix]),
);

class Gaps {
  readonly list: CoverageGap[] = [];
  private seen = new Set<string>();
  add(
    signal: string,
    message: string,
    code: string | null,
    fix: string | null = SIGNAL_FIX[signal] ?? null,
  ): void {
    if (this.seen.has(signal)) return; // one gap per signal and scope is what a user acts on
    this.seen.add(signal);
    this.list.push({ signal, message, code, fix });
  }
  has(signal: string): boolean {
    return this.seen.has(signal);
  }
}

function isDenied(e: unknown): e is AwsCallError {
  return e instanceof AwsCallError && e.denied;
}

export interface AccountTarget {
  id: string;
  /** Organizations account name, when the account came from ListAccounts. */
  orgName?: string;
}

export async function scanAccount(
  session: AwsSession,
  ctx: ConnectorContext,
  settings: AwsSettings,
  target: AccountTarget,
  extraGaps: CoverageGap[] = [],
): Promise<ScopeInventory> {
  const accountId = target.id;
  const gaps = new Gaps();
  for (const g of extraGaps) gaps.add(g.signal, g.message, g.code, g.fix);
  const progress = (phase: string, done?: number, total?: number) =>
    ctx.progress({
      scope: accountId,
      phase,
      ...(done !== undefined ? { done } : {}),
      ...(total !== undefined ? { total } : {}),
    });

  let alias: string | null = null;
  try {
    alias = await session.accountAlias();
  } catch (e) {
    if (!isDenied(e)) throw e;
    gaps.add(
      'account-alias',
      'account alias not readable; the scope is named after the account',
      e.code,
    );
  }
  const scope: Scope = {
    provider: 'aws',
    id: accountId,
    name: alias ?? target.orgName ?? accountId,
    kind: 'account',
  };

  /* -------- credential report: last use of passwords and keys for every user in one call */
  progress('credential-report');
  let rows: ReportRow[] | null = null;
  try {
    const report = await session.credentialReport((polls) => progress('credential-report', polls));
    rows = parseCredentialReport(report.csv);
  } catch (e) {
    if (!(e instanceof AwsCallError)) throw e;
    // Without the report, keys are listed for every user and their last use read one by one.
    gaps.add(
      'credential-report',
      e.denied
        ? 'credential report denied: password and MFA state not evaluated; key last-use read per key instead'
        : `credential report unavailable (${e.code}); password and MFA state not evaluated`,
      e.code,
    );
  }
  const rowByUser = new Map((rows ?? []).filter((r) => !r.isRoot).map((r) => [r.user, r]));
  const rootRow = rows?.find((r) => r.isRoot);

  /* -------- identities and policies in bulk */
  progress('authorization-details');
  let details: AuthorizationDetails;
  try {
    details = await session.authorizationDetails((pages) =>
      progress('authorization-details', pages),
    );
  } catch (e) {
    if (!isDenied(e)) throw e;
    gaps.add(
      'authorization-details',
      'GetAccountAuthorizationDetails denied: policies, grants and role last use not evaluated',
      e.code,
    );
    details = await listWithoutGaad(session, gaps);
  }
  const missingPolicies = new Set<string>();
  const managed = indexManagedPolicies(details.policies);

  const identities: Identity[] = [];
  const credentials: Credential[] = [];
  const grants: Grant[] = [];

  /* -------- access keys: only for users whose report row shows keys (all users without a report) */
  const keyUsers = details.users.filter((u) =>
    rows ? reportShowsKeys(rowByUser.get(u.UserName ?? '')) : true,
  );
  const keysByUser = new Map<string, RawAccessKey[]>();
  const lastUsedByKey = new Map<
    string,
    { lastUsedAt: string | null; service: string | null; region: string | null }
  >();
  const readKeys = async () => {
    let done = 0;
    const step = Math.max(1, Math.floor(keyUsers.length / 20));
    progress('access-keys', 0, keyUsers.length);
    await Promise.all(
      keyUsers.map((u) =>
        limit(async () => {
          if (gaps.has('access-keys')) return;
          try {
            keysByUser.set(u.UserName!, await session.listAccessKeys(u.UserName!));
          } catch (e) {
            if (!isDenied(e)) throw e;
            gaps.add('access-keys', 'ListAccessKeys denied: access keys not inventoried', e.code);
          }
          if (++done % step === 0 || done === keyUsers.length)
            progress('access-keys', done, keyUsers.length);
        }),
      ),
    );

    /* -------- key last use without a report: one GetAccessKeyLastUsed per key */

    if (!rows) {
      const allKeys = [...keysByUser.values()].flat();
      await Promise.all(
        allKeys.map((k) =>
          limit(async () => {
            if (gaps.has('access-key-last-used') || !k.AccessKeyId) return;
            try {
              lastUsedByKey.set(k.AccessKeyId, await session.accessKeyLastUsed(k.AccessKeyId));
            } catch (e) {
              if (!isDenied(e)) throw e;
              gaps.add(
                'access-key-last-used',
                'GetAccessKeyLastUsed denied: access key last use not evaluated',
                e.code,
              );
            }
          }),
        ),
      );
    }
  };

  /* -------- Access Advisor: last access per service, per user and role */
  const usage = new Map<string, ServiceUsage>();
  const readAdvisor = async () => {
    if (settings.accessAdvisor && !gaps.has('authorization-details')) {
      const principals = [
        ...details.users.map((u) => u.Arn!),
        ...details.roles
          .filter((r) => !(r.Path ?? '/').startsWith('/aws-service-role/'))
          .map((r) => r.Arn!),
      ].filter(Boolean);
      let failed: AwsCallError | null = null;
      let advisorDone = 0;
      const advisorStep = Math.max(1, Math.floor(principals.length / 20));
      progress('access-advisor', 0, principals.length);
      await Promise.all(
        principals.map((arn) =>
          limit(async () => {
            if (failed) return; // after a service-wide failure, more jobs only add load
            try {
              usage.set(arn, serviceUsage(await session.serviceLastAccessed(arn)));
            } catch (e) {
              if (!(e instanceof AwsCallError)) throw e;
              failed = e;
            }
            if (++advisorDone % advisorStep === 0 || advisorDone === principals.length)
              progress('access-advisor', advisorDone, principals.length);
          }),
        ),
      );
      if (failed) {
        const e = failed as AwsCallError;
        gaps.add(
          'access-advisor',
          `Access Advisor unavailable (${e.code}): unused permissions not evaluated${usage.size ? ` for ${principals.length - usage.size} of ${principals.length} principals` : ''}`,
          e.code,
        );
      }
    } else if (!settings.accessAdvisor) {
      gaps.add(
        'access-advisor',
        'Access Advisor turned off (accessAdvisor: false): unused permissions not evaluated',
        null,
        'set aws.accessAdvisor to true',
      );
    }
  };

  // Keys and Access Advisor are independent: one shared limit keeps total concurrency bounded
  // while neither phase waits for the other's tail. A failure drops the queued work.
  const limit = pLimit(settings.concurrency);
  try {
    await Promise.all([readKeys(), readAdvisor()]);
  } catch (e) {
    limit.clearQueue();
    throw e;
  }

  /* -------- mapping */
  progress('mapping');
  const groupsByName = new Map(details.groups.map((g) => [g.GroupName!, g]));
  const members = new Map<string, string[]>();
  for (const u of details.users)
    for (const g of u.GroupList ?? []) members.set(g, [...(members.get(g) ?? []), u.UserName!]);

  for (const u of details.users) {
    const keys = keysByUser.get(u.UserName!) ?? [];
    const mapped = mapUser(u, rowByUser.get(u.UserName!), keys, rows !== null);
    if (!rows) {
      for (const c of mapped.credentials) {
        const lu = lastUsedByKey.get(c.externalId);
        if (c.type !== 'access-key' || !lu) continue;
        c.lastUsedAt = lu.lastUsedAt;
        c.lastUsedKnown = true;
        c.attributes = { ...c.attributes, lastUsedService: lu.service, lastUsedRegion: lu.region };
      }
      const known = mapped.credentials.filter((c) => c.lastUsedKnown);
      if (known.length && known.length === mapped.credentials.length) {
        mapped.identity.lastUsedKnown = true;
        mapped.identity.lastUsedAt = known
          .map((c) => c.lastUsedAt)
          .reduce<string | null>((a, b) => (b && (!a || b > a) ? b : a), null);
      }
    }
    identities.push(mapped.identity);
    credentials.push(...mapped.credentials);
    if (gaps.has('authorization-details')) continue;
    const sources: PolicySource[] = policySources(
      `user ${u.UserName}`,
      u.UserPolicyList,
      u.AttachedManagedPolicies,
      managed,
      null,
      missingPolicies,
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
            missingPolicies,
          ),
        );
    }
    grants.push(...(await grantsFromPolicies(u.Arn!, sources, usage.get(u.Arn!))));
  }
  for (const r of details.roles) {
    const identity = mapRole(r, accountId);
    if (gaps.has('authorization-details')) {
      // ListRoles carries no RoleLastUsed: not "never used", just unknown.
      identity.lastUsedKnown = false;
      identity.lastUsedAt = null;
    }
    identities.push(identity);
    if (gaps.has('authorization-details')) continue;
    const sources = policySources(
      `role ${r.RoleName}`,
      r.RolePolicyList,
      r.AttachedManagedPolicies,
      managed,
      null,
      missingPolicies,
    );
    grants.push(...(await grantsFromPolicies(r.Arn!, sources, usage.get(r.Arn!))));
  }
  for (const g of details.groups) identities.push(mapGroup(g, members.get(g.GroupName!) ?? []));
  if (rootRow) {
    const root = mapRoot(rootRow, accountId);
    identities.push(root.identity);
    credentials.push(...root.credentials);
  }
  if (missingPolicies.size) {
    gaps.add(
      'managed-policies',
      `${missingPolicies.size} attached managed polic${missingPolicies.size === 1 ? 'y was' : 'ies were'} not returned by GetAccountAuthorizationDetails; their grants are not evaluated (${[...missingPolicies].slice(0, 3).join(', ')})`,
      null,
    );
  }
  progress('done', identities.length, identities.length);
  return {
    kind: 'inventory',
    scope,
    identities,
    credentials,
    grants,
    gaps: gaps.list,
    apiCalls: session.calls,
    incomplete: incompleteKinds(gaps),
  };
}

/**
 * Record kinds a denied listing hid: the catalog keeps those as they were instead of taking
 * "not seen" for "removed". (The credential report is where root and console passwords come from.)
 */
function incompleteKinds(gaps: {
  has(signal: string): boolean;
}): ('identities' | 'credentials' | 'grants')[] {
  const kinds = new Set<'identities' | 'credentials' | 'grants'>();
  if (gaps.has('access-keys') || gaps.has('credential-report')) kinds.add('credentials');
  if (gaps.has('roles') || gaps.has('groups') || gaps.has('credential-report'))
    kinds.add('identities');
  if (gaps.has('authorization-details') || gaps.has('managed-policies')) kinds.add('grants');
  return [...kinds];
}

/** When GAAD is denied: identities from the List* calls (which need their own permissions). */
async function listWithoutGaad(session: AwsSession, gaps: Gaps): Promise<AuthorizationDetails> {
  // Users must be listable, or the scan cannot tell what exists: let that failure fail the scope.
  const users = await session.listUsers();
  let roles: AuthorizationDetails['roles'] = [];
  let groups: AuthorizationDetails['groups'] = [];
  try {
    roles = await session.listRoles();
  } catch (e) {
    if (!isDenied(e)) throw e;
    gaps.add('roles', 'ListRoles denied: roles not inventoried', e.code, 'iam:ListRoles');
  }
  try {
    groups = await session.listGroups();
  } catch (e) {
    if (!isDenied(e)) throw e;
    gaps.add('groups', 'ListGroups denied: groups not inventoried', e.code, 'iam:ListGroups');
  }
  return { users, roles, groups, policies: [] };
}
