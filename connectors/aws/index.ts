/**
 * The AWS connector manifest: which accounts to scan (the caller's, a list, or every ACTIVE
 * account of the organization through AssumeRole), streaming one ScopeResult per account.
 */
import pLimit from 'p-limit';
import {
  UserError,
  type Connector,
  type ConnectorContext,
  type DemoHandle,
  type DoctorCheck,
  type DoctorReport,
} from '../../src/connector/index.js';
import type { CoverageGap, ScopeFailure, ScopeResult } from '../../src/model/index.js';
import { AwsCallError, AwsSession, baseCredentials, type CallerIdentity } from './client.js';
import { options, resolveSettings, type AwsSettings } from './options.js';
import { SIGNALS, SIGNAL_FIX, scanAccount, type AccountTarget } from './scan.js';

/** Every read-only action a scan may call (the README's minimal policy lists the same). */
export const SCAN_PERMISSIONS = [
  'sts:GetCallerIdentity',
  'iam:ListAccountAliases',
  'iam:GenerateCredentialReport',
  'iam:GetCredentialReport',
  'iam:GetAccountAuthorizationDetails',
  'iam:ListAccessKeys',
  'iam:GetAccessKeyLastUsed',
  'iam:GenerateServiceLastAccessedDetails',
  'iam:GetServiceLastAccessedDetails',
  'iam:ListUsers',
  'iam:ListRoles',
  'iam:ListGroups',
  'organizations:ListAccounts',
  'organizations:DescribeOrganization',
  'sts:AssumeRole',
];

function describeError(e: unknown): { error: string; code: string | null } {
  if (e instanceof AwsCallError) return { error: e.message, code: e.code };
  const err = e as { name?: string; message?: string };
  return { error: `${err.name ?? 'Error'}: ${err.message ?? String(e)}`, code: err.name ?? null };
}

async function whoAmI(session: AwsSession): Promise<CallerIdentity> {
  try {
    return await session.callerIdentity();
  } catch (e) {
    const { error } = describeError(e);
    if (e instanceof AwsCallError && !e.authentication && !/Credential/i.test(e.code))
      throw new UserError(
        `AWS: sts:GetCallerIdentity failed: ${error}`,
        'check network access and the endpoint settings',
      );
    throw new UserError(
      `AWS credentials were not found or were rejected (${error})`,
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
    if (!(e instanceof AwsCallError)) throw e;
    // Not the management account, or not in an organization: scan what we can reach.
    return {
      targets: [{ id: caller.account }],
      callerGaps: [
        {
          signal: 'organizations',
          message: `allAccounts: Organizations ListAccounts failed (${e.code}); only the caller's account was scanned`,
          code: e.code,
          fix: SIGNAL_FIX.organizations!,
        },
      ],
    };
  }
}

async function* discover(ctx: ConnectorContext): AsyncIterable<ScopeResult> {
  const settings = resolveSettings(ctx.options, ctx.env);
  const base = new AwsSession(settings, baseCredentials(settings, ctx.env), ctx.signal);
  const caller = await whoAmI(base);
  ctx.log.debug('aws: authenticated', { account: caller.account, arn: caller.arn });
  ctx.progress({ phase: 'accounts' });
  const plan = await planAccounts(base, settings, caller);
  const orgLevelCalls = base.calls; // GetCallerIdentity + ListAccounts, before any AssumeRole
  const limit = pLimit(settings.accountConcurrency);

  const scanOne = async (target: AccountTarget): Promise<ScopeResult> => {
    let session: AwsSession | null = null;
    const own = target.id === caller.account;
    try {
      session = own
        ? new AwsSession(settings, base.credentials, ctx.signal)
        : await base.assume(target.id, settings.roleName, settings.externalId);
      // The caller's account carries the org-level calls; every other account its AssumeRole.
      session.calls += own ? orgLevelCalls : 1;
      const result = await scanAccount(session, ctx, settings, target, own ? plan.callerGaps : []);
      return result;
    } catch (e) {
      if (ctx.signal.aborted) throw e;
      const { error, code } = describeError(e);
      const failure: ScopeFailure = {
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
        code,
        apiCalls: session?.calls ?? 1,
      };
      return failure;
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

/** What each playbook calls (see actions.ts); doctor simulates these for the caller. */
export const PLAYBOOK_PERMISSIONS: { name: string; actions: string[] }[] = [
  {
    name: 'playbook: revoke access keys',
    actions: [
      'iam:ListAccessKeys',
      'iam:GetAccessKeyLastUsed',
      'iam:UpdateAccessKey',
      'iam:DeleteAccessKey',
    ],
  },
  {
    name: 'playbook: rotate access keys',
    actions: [
      'iam:ListAccessKeys',
      'iam:GetAccessKeyLastUsed',
      'iam:CreateAccessKey',
      'iam:UpdateAccessKey',
      'iam:DeleteAccessKey',
    ],
  },
  {
    name: 'playbook: aws-secrets-manager sink',
    actions: [
      'secretsmanager:CreateSecret',
      'secretsmanager:PutSecretValue',
      'secretsmanager:DescribeSecret',
    ],
  },
];

/** The IAM principal SimulatePrincipalPolicy accepts for a caller ARN (an assumed role -> its role). */
function simulationPrincipal(arn: string): string | null {
  if (/^arn:[\w-]+:iam::\d{12}:user\//.test(arn)) return arn;
  const m = /^arn:([\w-]+):sts::(\d{12}):assumed-role\/([^/]+)\//.exec(arn);
  // The assumed-role ARN drops the role's path; roles under a path need it, see README.
  return m ? `arn:${m[1]}:iam::${m[2]}:role/${m[3]}` : null;
}

/** One check per playbook, from a policy simulation: nothing is created or changed. */
async function playbookChecks(session: AwsSession, caller: CallerIdentity): Promise<DoctorCheck[]> {
  const principal = simulationPrincipal(caller.arn);
  const unknown = (why: string): DoctorCheck[] =>
    PLAYBOOK_PERMISSIONS.map((p) => ({
      name: p.name,
      ok: false,
      detail: `unknown: ${why}; this playbook needs ${p.actions.join(', ')}`,
    }));
  if (!principal)
    return unknown(`cannot simulate policies for ${caller.arn} (not an IAM user or role)`);
  const all = [...new Set(PLAYBOOK_PERMISSIONS.flatMap((p) => p.actions))];
  let decisions: Record<string, string>;
  try {
    decisions = await session.simulatePrincipalPolicy(principal, all);
  } catch (e) {
    if (e instanceof AwsCallError && e.denied)
      return unknown(
        'iam:SimulatePrincipalPolicy denied (grant it on the caller so doctor can check)',
      );
    return unknown(`iam:SimulatePrincipalPolicy failed: ${describeError(e).error}`);
  }
  return PLAYBOOK_PERMISSIONS.map((p) => {
    const missing = p.actions.filter((a) => decisions[a] !== 'allowed');
    return {
      name: p.name,
      ok: missing.length === 0,
      detail: missing.length
        ? `missing ${missing.map((a) => `${a} (${decisions[a] ?? 'not evaluated'})`).join(', ')}`
        : `allowed for ${principal}: ${p.actions.join(', ')}`,
    };
  });
}

async function doctor(ctx: ConnectorContext): Promise<DoctorReport> {
  const settings = resolveSettings(ctx.options, ctx.env);
  const session = new AwsSession(settings, baseCredentials(settings, ctx.env), ctx.signal);
  const checks: DoctorCheck[] = [];
  let caller: CallerIdentity;
  try {
    caller = await whoAmI(session);
  } catch (e) {
    session.close();
    return {
      provider: 'aws',
      authenticated: false,
      identity: null,
      checks: [{ name: 'credentials', ok: false, detail: (e as Error).message }],
    };
  }
  checks.push({
    name: 'credentials',
    ok: true,
    detail: `${caller.arn} in account ${caller.account}`,
  });
  const probe = async (name: string, fix: string, fn: () => Promise<string>) => {
    try {
      checks.push({ name, ok: true, detail: await fn() });
    } catch (e) {
      const { error } = describeError(e);
      checks.push({
        name,
        ok: false,
        detail: e instanceof AwsCallError && e.denied ? `denied: grant ${fix} (${error})` : error,
      });
    }
  };
  let sampleArn: string | null = caller.arn.includes(':user/') ? caller.arn : null;
  await probe('credential report', SIGNAL_FIX['credential-report']!, async () => {
    const { csv } = await session.credentialReport();
    return `readable (${Math.max(0, csv.trim().split('\n').length - 1)} rows)`;
  });
  await probe('authorization details', SIGNAL_FIX['authorization-details']!, async () => {
    await session.authorizationDetailsProbe();
    return 'GetAccountAuthorizationDetails allowed';
  });
  if (settings.accessAdvisor) {
    await probe('access advisor', 'iam:GenerateServiceLastAccessedDetails', async () => {
      sampleArn ??= `arn:aws:iam::${caller.account}:root`;
      await session.startServiceLastAccessed(sampleArn);
      return 'GenerateServiceLastAccessedDetails allowed';
    });
  }
  if (settings.allAccounts) {
    await probe('organizations', SIGNAL_FIX.organizations!, async () => {
      const accounts = await session.listAccounts();
      return `${accounts.filter((a) => a.state === 'ACTIVE').length} active accounts; each needs role ${settings.roleName}`;
    });
  }
  checks.push(...(await playbookChecks(session, caller)));
  session.close();
  return { provider: 'aws', authenticated: true, identity: caller.arn, checks };
}

async function startDemo(clock: Date): Promise<DemoHandle> {
  // Loaded only for --demo, so a real scan never parses fixture code.
  const [{ buildAwsDemoEstate, DEMO_CALLER }, { startAwsStandIn }] = await Promise.all([
    import('../../fixtures/demo/aws.js'),
    import('./stand-in/server.js'),
  ]);
  const standIn = await startAwsStandIn({ estate: buildAwsDemoEstate(clock), now: () => clock });
  return {
    options: { endpoint: standIn.url, allAccounts: true, pollIntervalMs: 20, maxAttempts: 3 },
    env: {
      AWS_ACCESS_KEY_ID: DEMO_CALLER.accessKeyId,
      AWS_SECRET_ACCESS_KEY: DEMO_CALLER.secretAccessKey,
      AWS_REGION: 'us-east-1',
    },
    close: () => standIn.close(),
  };
}

export const connector: Connector = {
  id: 'aws',
  title: 'Amazon Web Services (IAM, STS, Organizations)',
  options,
  signals: SIGNALS,
  scanPermissions: SCAN_PERMISSIONS,
  discover,
  doctor,
  startDemo,
};
