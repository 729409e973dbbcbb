/**
 * Which calls an AWS scan makes, in what order, and which gaps they can leave. Accounts: the
 * caller's, a list, or every ACTIVE account of the organization through AssumeRole, one scope
 * each, streamed as each finishes. Per account: bulk reads first (credential report,
 * GetAccountAuthorizationDetails), then the per-principal calls that cannot be avoided
 * (scan-principals.ts), then mapping. A denied call is a gap; a call that decides what exists
 * failing fails the scope.
 */
import pLimit from 'p-limit';
import {
  GapCollector,
  UserError,
  defineSignals,
  errorMessage,
  isApiError,
  isDenied,
  type ConnectorContext,
  type CoverageGap,
  type Scope,
  type ScopeInventory,
  type ScopeResult,
} from '../../src/connector/index.js';
import {
  AwsSession,
  baseCredentials,
  type AuthorizationDetails,
  type CallerIdentity,
} from './client.js';
import { parseCredentialReport, type ReportSnapshot } from './map/credential-report.js';
import { toInventory } from './map/inventory.js';
import { resolveSettings, type AwsSettings } from './options.js';
import { applyCreationEvents, readCreationEvents } from './owners.js';
import { PrincipalReader } from './scan-principals.js';

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
    signal: 'service-specific-credentials',
    description:
      'service-specific credentials of each user: Bedrock and CloudWatch Logs API keys, CodeCommit and Keyspaces credentials',
    fix: 'iam:ListServiceSpecificCredentials',
    hides: ['credentials'],
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
  {
    signal: 'cloudtrail',
    description:
      'who created users, roles and access keys (CloudTrail LookupEvents, last 90 days): owner candidates',
    fix: 'cloudtrail:LookupEvents (or set aws.cloudTrail: false)',
    hides: [],
  },
  { signal: 'roles', description: 'IAM roles', fix: 'iam:ListRoles', hides: ['identities'] },
  { signal: 'groups', description: 'IAM groups', fix: 'iam:ListGroups', hides: ['identities'] },
]);

export type Signal = (typeof SIGNALS)[number]['signal'];
export type Gaps = GapCollector<Signal>;
/** Progress of one account's scan: phase, and items done of a total where it is known. */
export type Progress = (phase: string, done?: number, total?: number) => void;

/** The IAM actions each signal needs: the `fix` of its coverage gap (doctor names them too). */
export const SIGNAL_FIX = Object.fromEntries(SIGNALS.map((s) => [s.signal, s.fix])) as Record<
  Signal,
  string
>;

export interface AccountTarget {
  id: string;
  /** Organizations account name, when the account came from ListAccounts. */
  orgName?: string;
}

/**
 * Who the credentials are. Missing or rejected credentials are a user error (exit 2); an
 * endpoint that does not answer as AWS fails the provider like any other scope (exit 3/4).
 */
export async function whoAmI(session: AwsSession, signal?: AbortSignal): Promise<CallerIdentity> {
  try {
    return await session.callerIdentity();
  } catch (e) {
    if (signal?.aborted) throw e; // interrupted, not rejected
    if (isApiError(e) && e.kind !== 'auth' && !/Credential/i.test(e.code ?? '')) throw e;
    throw new UserError(
      `AWS credentials were not found or were rejected (${errorMessage(e)})`,
      'configure the default credential chain (AWS_PROFILE, aws sso login, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY) or set aws.profile',
    );
  }
}

interface Plan {
  targets: AccountTarget[];
  /** Gaps that belong to the caller's own account (e.g. Organizations not readable). */
  callerGaps: CoverageGap[];
}

async function planAccounts(
  base: AwsSession,
  settings: AwsSettings,
  caller: CallerIdentity,
): Promise<Plan> {
  if (!settings.allAccounts) {
    const ids = settings.accounts?.length ? settings.accounts : [caller.account];
    return { targets: ids.map((id) => ({ id })), callerGaps: [] };
  }
  try {
    const accounts = await base.listAccounts();
    const wanted = settings.accounts ? new Set(settings.accounts) : null;
    const targets = accounts
      .filter((a) => a.state === 'ACTIVE' && (!wanted || wanted.has(a.id)))
      .map((a) => ({ id: a.id, orgName: a.name }));
    return { targets, callerGaps: [] };
  } catch (e) {
    // Not the management account, or not in an organization: scan what we can reach. An
    // answer that is not Organizations' fails the run instead of shrinking it to one account.
    if (!isApiError(e) || e.kind === 'invalid-response' || e.kind === 'off-origin') throw e;
    return {
      targets: [{ id: caller.account }],
      callerGaps: [
        {
          signal: 'organizations',
          message: `allAccounts: Organizations ListAccounts failed (${e.code}); only the caller's account was scanned`,
          code: e.code,
          fix: SIGNAL_FIX.organizations,
        },
      ],
    };
  }
}

export async function* discover(ctx: ConnectorContext): AsyncIterable<ScopeResult> {
  const settings = resolveSettings(ctx.options, ctx.env);
  const base = new AwsSession(settings, baseCredentials(settings, ctx.env), ctx.signal);
  const caller = await whoAmI(base, ctx.signal);
  ctx.log.debug('aws: authenticated', { account: caller.account, arn: caller.arn });
  ctx.progress({ phase: 'accounts' });
  const plan = await planAccounts(base, settings, caller);
  if (ctx.wants) plan.targets = plan.targets.filter((t) => ctx.wants!(t.id));
  const orgLevelCalls = base.calls; // GetCallerIdentity + ListAccounts, before any AssumeRole
  const limit = pLimit(settings.accountConcurrency);

  const scanOne = async (target: AccountTarget): Promise<ScopeResult> => {
    let session: AwsSession | null = null;
    const own = target.id === caller.account;
    const before = base.calls;
    try {
      session = own
        ? new AwsSession(settings, base.credentials, ctx.signal)
        : await base.assume(target.id, settings.roleName, settings.externalId);
      // The caller's account carries the org-level calls; every other account its AssumeRole.
      session.calls += own ? orgLevelCalls : base.calls - before;
      return await scanAccount(session, ctx, settings, target, own ? plan.callerGaps : []);
    } catch (e) {
      if (ctx.signal.aborted) throw e;
      const error = errorMessage(e);
      return {
        kind: 'failure',
        scope: {
          provider: 'aws',
          id: target.id,
          name: target.orgName ?? target.id,
          kind: 'account',
        },
        error:
          own || session
            ? error
            : `could not assume ${settings.roleName} in ${target.id}: ${error}`,
        code: isApiError(e) ? e.code : ((e as { name?: string }).name ?? null),
        apiCalls: session?.calls ?? Math.max(1, base.calls - before),
      };
    } finally {
      session?.close();
    }
  };

  const pending = new Map<number, Promise<{ i: number; result: ScopeResult }>>();
  plan.targets.forEach((t, i) =>
    pending.set(
      i,
      limit(() => scanOne(t)).then((result) => ({ i, result })),
    ),
  );
  try {
    while (pending.size) {
      const { i, result } = await Promise.race(pending.values());
      pending.delete(i);
      yield result;
    }
  } finally {
    limit.clearQueue();
    base.close();
  }
}

export async function scanAccount(
  session: AwsSession,
  ctx: ConnectorContext,
  settings: AwsSettings,
  target: AccountTarget,
  extraGaps: CoverageGap[] = [],
): Promise<ScopeInventory> {
  const accountId = target.id;
  const gaps: Gaps = new GapCollector<Signal>(SIGNALS);
  gaps.addAll(extraGaps);
  const progress = (phase: string, done?: number, total?: number) =>
    ctx.progress({
      scope: accountId,
      phase,
      ...(done !== undefined ? { done } : {}),
      ...(total !== undefined ? { total } : {}),
    });

  // CloudTrail's lookups are spaced (2 a second): they run beside the IAM reads, not after.
  const creators = settings.cloudTrail
    ? readCreationEvents(session, settings, ctx.now(), ctx.signal)
    : null;
  // Observed at once; awaited (and its failure judged) after mapping.
  creators?.catch(() => undefined);

  // The alias, the credential report and the GAAD pages are three chains of calls run side by
  // side, each in one of the account's slots; each page's principals are read (keys, service
  // credentials, Access Advisor) in the other slots while the next page is on its way.
  const reader = new PrincipalReader(session, ctx, settings, gaps, progress);
  let alias: string | null;
  let report: ReportSnapshot | null;
  let details: AuthorizationDetails;
  try {
    [alias, report, details] = await Promise.all([
      reader.holding(() => readAlias(session, gaps)),
      reader.holding(async () => {
        const got = await readReport(session, ctx, accountId, gaps, progress);
        reader.setReport(got);
        return got;
      }),
      reader.holding(() => readDetails(session, gaps, reader, progress)),
    ]);
  } catch (e) {
    reader.abandon();
    throw e;
  }
  const read = await reader.finish();
  const scope: Scope = {
    provider: 'aws',
    id: accountId,
    name: alias ?? target.orgName ?? accountId,
    kind: 'account',
  };

  progress('mapping');
  const inventory = await toInventory({
    scope,
    details,
    report,
    read,
    grantsKnown: !gaps.has('authorization-details'),
    onMissingPolicies: (arns) =>
      gaps.add('managed-policies', {
        message: `${arns.length} attached managed polic${arns.length === 1 ? 'y was' : 'ies were'} not returned by GetAccountAuthorizationDetails; their grants are not evaluated (${arns.slice(0, 3).join(', ')})`,
      }),
  });
  /* -------- creators from CloudTrail: owner candidates only, so any failure is a gap */
  if (creators) {
    progress('cloudtrail');
    try {
      const events = await creators;
      applyCreationEvents(inventory, events);
      if (events.truncated.length)
        ctx.log.debug('aws: CloudTrail history longer than cloudTrailPages; newest events read', {
          account: accountId,
          events: events.truncated,
        });
    } catch (e) {
      if (ctx.signal.aborted || !isApiError(e)) throw e;
      gaps.add('cloudtrail', {
        message: `CloudTrail attribution not evaluated: ${errorMessage(e)}`,
        code: e.code,
      });
    }
  }
  progress('done', inventory.identities.length, inventory.identities.length);
  return {
    ...inventory,
    gaps: gaps.list(),
    apiCalls: session.calls,
    incomplete: gaps.incomplete(),
  };
}

async function readAlias(session: AwsSession, gaps: Gaps): Promise<string | null> {
  try {
    return await session.accountAlias();
  } catch (e) {
    if (!isDenied(e)) throw e;
    gaps.add('account-alias', {
      message: 'account alias not readable; the scope is named after the account',
      code: e.code,
    });
    return null;
  }
}

/** The credential report: last use of passwords and keys for every user in one call. */
async function readReport(
  session: AwsSession,
  ctx: ConnectorContext,
  accountId: string,
  gaps: Gaps,
  progress: Progress,
): Promise<ReportSnapshot | null> {
  progress('credential-report');
  try {
    const got = await session.credentialReport((polls) => progress('credential-report', polls));
    const report = {
      rows: parseCredentialReport(got.csv),
      generatedAt: got.generatedAt,
      // AWS serves its copy for up to 4 hours: only one made for (or since) this scan is fresh.
      fresh: got.generatedForUs || got.generatedAt >= ctx.now().toISOString(),
    };
    if (!report.fresh)
      ctx.log.debug('aws: the credential report predates the scan; every user’s keys are listed', {
        account: accountId,
        generatedAt: got.generatedAt,
      });
    return report;
  } catch (e) {
    // An answer that is not a report fails the scope; a denied or unavailable one leaves a gap.
    if (!isApiError(e) || e.kind === 'invalid-response' || e.kind === 'off-origin') throw e;
    // Without the report, keys are listed for every user and their last use read one by one.
    gaps.add('credential-report', {
      message: e.denied
        ? 'credential report denied: password and MFA state not evaluated; key last-use read per key instead'
        : `credential report unavailable (${e.code}); password and MFA state not evaluated`,
      code: e.code,
    });
    return null;
  }
}

/** Identities and policies in bulk, each page's principals handed to the reader as it comes. */
async function readDetails(
  session: AwsSession,
  gaps: Gaps,
  reader: PrincipalReader,
  progress: Progress,
): Promise<AuthorizationDetails> {
  progress('authorization-details');
  const seen = new Set<string>();
  try {
    return await session.authorizationDetails((pages, page) => {
      progress('authorization-details', pages);
      for (const u of page.users) seen.add(u.UserName!);
      reader.add(page.users, page.roles, true);
    });
  } catch (e) {
    if (!isDenied(e)) throw e;
    gaps.add('authorization-details', {
      message:
        'GetAccountAuthorizationDetails denied: policies, grants and role last use not evaluated',
      code: e.code,
    });
    const details = await listWithoutGaad(session, gaps);
    // Users of pages read before the denial are being read already.
    reader.add(
      details.users.filter((u) => !seen.has(u.UserName!)),
      details.roles,
      false,
    );
    return details;
  }
}

/** When GAAD is denied: identities from the List* calls (which need their own permissions). */
async function listWithoutGaad(session: AwsSession, gaps: Gaps): Promise<AuthorizationDetails> {
  // Users must be listable, or the scan cannot tell what exists: let that failure fail the scope.
  const users = await session.listUsers();
  const optional = async <T>(signal: 'roles' | 'groups', list: () => Promise<T[]>) => {
    try {
      return await list();
    } catch (e) {
      if (!isDenied(e)) throw e;
      gaps.add(signal, {
        message: `List${signal === 'roles' ? 'Roles' : 'Groups'} denied: ${signal} not inventoried`,
        code: e.code,
      });
      return [];
    }
  };
  const roles = await optional('roles', () => session.listRoles());
  const groups = await optional('groups', () => session.listGroups());
  return { users, roles, groups, policies: [] };
}
