/**
 * `nhi doctor` for AWS: who the credentials are, what a scan can see (one probe per bulk read),
 * and which playbooks could run — from a policy simulation, so nothing is created or changed.
 */
import {
  errorMessage,
  isDenied,
  type ConnectorContext,
  type DoctorCheck,
  type DoctorReport,
} from '../../src/connector/index.js';
import { AwsSession, baseCredentials, type CallerIdentity } from './client.js';
import { resolveSettings } from './options.js';
import { SIGNAL_FIX, whoAmI } from './scan.js';

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
    if (isDenied(e))
      return unknown(
        'iam:SimulatePrincipalPolicy denied (grant it on the caller so doctor can check)',
      );
    return unknown(`iam:SimulatePrincipalPolicy failed: ${errorMessage(e)}`);
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

export async function doctor(ctx: ConnectorContext): Promise<DoctorReport> {
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
      const error = errorMessage(e);
      checks.push({
        name,
        ok: false,
        detail: isDenied(e) ? `denied: grant ${fix} (${error})` : error,
      });
    }
  };
  let sampleArn: string | null = caller.arn.includes(':user/') ? caller.arn : null;
  await probe('credential report', SIGNAL_FIX['credential-report'], async () => {
    const { csv } = await session.credentialReport();
    return `readable (${Math.max(0, csv.trim().split('\n').length - 1)} rows)`;
  });
  await probe('authorization details', SIGNAL_FIX['authorization-details'], async () => {
    await session.authorizationDetailsProbe();
    return 'GetAccountAuthorizationDetails allowed';
  });
  const callerUser = /:user\/(?:.*\/)?([^/]+)$/.exec(caller.arn)?.[1];
  if (settings.serviceCredentials && callerUser) {
    await probe(
      'service-specific credentials',
      SIGNAL_FIX['service-specific-credentials'],
      async () => {
        const own = await session.listServiceCredentials(callerUser);
        return `ListServiceSpecificCredentials allowed (${own.length} for ${callerUser})`;
      },
    );
  }
  if (settings.accessAdvisor) {
    await probe('access advisor', 'iam:GenerateServiceLastAccessedDetails', async () => {
      sampleArn ??= `arn:aws:iam::${caller.account}:root`;
      await session.startServiceLastAccessed(sampleArn);
      return 'GenerateServiceLastAccessedDetails allowed';
    });
  }
  if (settings.allAccounts) {
    await probe('organizations', SIGNAL_FIX.organizations, async () => {
      const accounts = await session.listAccounts();
      return `${accounts.filter((a) => a.state === 'ACTIVE').length} active accounts; each needs role ${settings.roleName}`;
    });
  }
  checks.push(...(await playbookChecks(session, caller)));
  session.close();
  return { provider: 'aws', authenticated: true, identity: caller.arn, checks };
}
