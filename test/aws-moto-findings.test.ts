/**
 * The findings a CIS / Prowler reviewer would raise on an AWS account, and only those: an
 * estate seeded into moto (an independent AWS emulator, AWS's real managed policies included)
 * through the real SDK, scanned and reported by the built CLI. Every finding at medium or above
 * is listed here; a new or missing one fails the test. Skipped where moto is not installed.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  IAMClient,
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateLoginProfileCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
  TagUserCommand,
  TagRoleCommand,
} from '@aws-sdk/client-iam';
import { nhi, scrubbedEnv, tempDir } from './run-cli.js';

const ACCOUNT = '123456789012'; // moto's default account
const CALLER = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'not-a-real-secret-key' };
const awsPolicy = (path: string) => `arn:aws:iam::aws:policy/${path}`;

function hasMoto(): boolean {
  try {
    execFileSync('python3', ['-c', 'import moto'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const motoMissing = !hasMoto();

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

type Statement = {
  Effect: 'Allow';
  Action?: string[];
  NotAction?: string[];
  Resource: string | string[];
};
const doc = (...Statement: Statement[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const allow = (Action: string[], Resource: string | string[] = '*'): Statement => ({
  Effect: 'Allow',
  Action,
  Resource,
});
const trustService = doc({
  Effect: 'Allow',
  Principal: { Service: 'lambda.amazonaws.com' },
  Action: ['sts:AssumeRole'],
} as unknown as Statement);

/** A handful of identities covering the privilege classes, trust and credential hygiene. */
async function seed(iam: IAMClient): Promise<void> {
  const owner = [{ Key: 'owner', Value: 'platform' }];
  const user = async (name: string, opts: { keys?: number; password?: boolean } = {}) => {
    await iam.send(new CreateUserCommand({ UserName: name }));
    await iam.send(new TagUserCommand({ UserName: name, Tags: owner }));
    if (opts.password)
      await iam.send(
        new CreateLoginProfileCommand({ UserName: name, Password: 'Not-a-real-password-1!' }),
      );
    for (let i = 0; i < (opts.keys ?? 1); i++)
      await iam.send(new CreateAccessKeyCommand({ UserName: name }));
  };
  const role = async (name: string, trust = trustService) => {
    await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trust }));
    await iam.send(new TagRoleCommand({ RoleName: name, Tags: owner }));
  };
  const inline = (r: string, name: string, document: string) =>
    iam.send(new PutRolePolicyCommand({ RoleName: r, PolicyName: name, PolicyDocument: document }));

  // Full admin (CIS 1.16), on a user with a static key.
  await user('ci-admin');
  await iam.send(
    new AttachUserPolicyCommand({
      UserName: 'ci-admin',
      PolicyArn: awsPolicy('AdministratorAccess'),
    }),
  );
  // Allow + NotAction s3:* on *: everything else, IAM included.
  await role('notaction-admin');
  await inline(
    'notaction-admin',
    'all-but-s3',
    doc({ Effect: 'Allow', NotAction: ['s3:*'], Resource: '*' }),
  );
  // AWS's read-only policies: never admin.
  await role('readonly-auditor');
  await iam.send(
    new AttachRolePolicyCommand({
      RoleName: 'readonly-auditor',
      PolicyArn: awsPolicy('ReadOnlyAccess'),
    }),
  );
  await role('security-auditor');
  await iam.send(
    new AttachRolePolicyCommand({
      RoleName: 'security-auditor',
      PolicyArn: awsPolicy('SecurityAudit'),
    }),
  );
  await role('viewer');
  await iam.send(
    new AttachRolePolicyCommand({
      RoleName: 'viewer',
      PolicyArn: awsPolicy('job-function/ViewOnlyAccess'),
    }),
  );
  // PowerUserAccess: not admin, but broad.
  await role('power-user');
  await iam.send(
    new AttachRolePolicyCommand({
      RoleName: 'power-user',
      PolicyArn: awsPolicy('PowerUserAccess'),
    }),
  );
  // ecs:Describe* + ecs:UpdateService: a deploy role, nothing to report.
  await role('ecs-deployer');
  await inline('ecs-deployer', 'deploy', doc(allow(['ecs:Describe*', 'ecs:UpdateService'])));
  // iam:PassRole on * with Lambda: privilege escalation.
  await role('lambda-deployer');
  await inline(
    'lambda-deployer',
    'deploy',
    doc(allow(['iam:PassRole']), allow(['lambda:CreateFunction', 'lambda:InvokeFunction'])),
  );
  // The same with PassRole on one role only: fine.
  await role('lambda-deployer-scoped');
  await inline(
    'lambda-deployer-scoped',
    'deploy',
    doc(
      allow(['iam:PassRole'], `arn:aws:iam::${ACCOUNT}:role/app-runtime`),
      allow(['lambda:CreateFunction', 'lambda:InvokeFunction']),
    ),
  );
  // Keys for other users: privilege escalation.
  await user('key-minter');
  await iam.send(
    new PutUserPolicyCommand({
      UserName: 'key-minter',
      PolicyName: 'keys',
      PolicyDocument: doc(allow(['iam:CreateAccessKey', 'iam:ListUsers'])),
    }),
  );
  // Rewriting policies: permission management (customer-managed policy).
  const pm = await iam.send(
    new CreatePolicyCommand({
      PolicyName: 'PolicyEditor',
      PolicyDocument: doc(allow(['iam:Put*Policy', 'iam:Attach*Policy', 'iam:Get*', 'iam:List*'])),
    }),
  );
  await role('policy-editor');
  await iam.send(
    new AttachRolePolicyCommand({ RoleName: 'policy-editor', PolicyArn: pm.Policy!.Arn! }),
  );
  // s3:* on *: service wildcard, data exfiltration, resource exposure.
  await role('bucket-admin');
  await inline('bucket-admin', 's3', doc(allow(['s3:*'])));
  // s3:* on one bucket: narrow.
  await role('bucket-writer');
  await inline(
    'bucket-writer',
    's3',
    doc(allow(['s3:*'], ['arn:aws:s3:::reports', 'arn:aws:s3:::reports/*'])),
  );
  // PassRole on one role and on * in one policy: the connector cannot pair them back.
  await role('mixed-resources');
  await inline(
    'mixed-resources',
    'iam',
    doc(
      allow(['iam:PassRole'], `arn:aws:iam::${ACCOUNT}:role/app-runtime`),
      allow(['iam:ListRoles']),
      allow(['lambda:CreateFunction', 'lambda:InvokeFunction']),
    ),
  );
  // Credential hygiene.
  await user('two-keys', { keys: 2 });
  await user('console-bot', { password: true });
  // Trust: a vendor without ExternalId, GitHub OIDC without a subject.
  await role(
    'vendor-role',
    doc({
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::999988887777:root' },
      Action: ['sts:AssumeRole'],
    } as unknown as Statement),
  );
  await role(
    'gha-any-repo',
    doc({
      Effect: 'Allow',
      Principal: {
        Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`,
      },
      Action: ['sts:AssumeRoleWithWebIdentity'],
      Condition: {
        StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' },
      },
    } as unknown as Statement),
  );
}

interface ReportFinding {
  ruleId: string;
  severity: string;
  outcome: string;
  identityName: string;
  cis: string | null;
  evidence: Record<string, unknown>;
}

describe.skipIf(motoMissing)('findings on an AWS account seeded into moto', () => {
  let moto: ChildProcess;
  let findings: ReportFinding[];
  let scores: { subjectId: string; band: string }[];

  beforeAll(async () => {
    const port = await freePort();
    const endpoint = `http://127.0.0.1:${port}`;
    moto = spawn('python3', ['-m', 'moto.server', '-p', String(port)], {
      stdio: 'ignore',
      // AWS's managed policies (AdministratorAccess, ReadOnlyAccess…) exist only when asked for.
      env: { PATH: process.env.PATH ?? '', MOTO_IAM_LOAD_MANAGED_POLICIES: 'true' },
    });
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        if ((await fetch(`${endpoint}/moto-api/`)).ok) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error('moto server did not start within 30 s');
      await new Promise((r) => setTimeout(r, 200));
    }
    await seed(
      new IAMClient({ endpoint, region: 'us-east-1', credentials: CALLER, maxAttempts: 1 }),
    );
    const dir = tempDir();
    const catalog = join(dir, 'c.db');
    const config = join(dir, 'nhi.config.yaml');
    // moto has no Access Advisor; the credential report is ready at once.
    writeFileSync(config, 'providers:\n  aws: { pollIntervalMs: 10, accessAdvisor: false }\n');
    const env = scrubbedEnv({
      AWS_ENDPOINT_URL: endpoint,
      AWS_ACCESS_KEY_ID: CALLER.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CALLER.secretAccessKey,
      AWS_REGION: 'us-east-1',
    });
    const scan = await nhi(
      ['scan', '--provider', 'aws', '--catalog', catalog, '--config', config],
      { env },
    );
    expect(scan.code, scan.stderr).toBe(0);
    const report = await nhi(
      ['report', '--format', 'json', '--catalog', catalog, '--config', config],
      { env },
    );
    expect(report.code, report.stderr).toBe(0);
    const doc = JSON.parse(report.stdout) as { findings: ReportFinding[]; scores: typeof scores };
    findings = doc.findings;
    scores = doc.scores;
  }, 120_000);

  afterAll(() => {
    moto?.kill();
  });

  it('raises exactly the findings at medium or above a reviewer would', () => {
    const got = findings
      .filter((f) => f.outcome === 'fail' && ['critical', 'high', 'medium'].includes(f.severity))
      .map((f) => `${f.severity} ${f.ruleId} ${f.identityName}`)
      .sort();
    expect(got).toEqual(
      [
        'critical admin-grant ci-admin',
        'critical admin-grant notaction-admin',
        'critical oidc-trust-no-subject gha-any-repo',
        'high external-trust-no-external-id vendor-role',
        'high permissions-management policy-editor',
        'high privilege-escalation key-minter',
        'high privilege-escalation lambda-deployer',
        'high privilege-escalation power-user',
        'high resource-exposure bucket-admin',
        'high resource-exposure power-user',
        'medium data-exfiltration bucket-admin',
        'medium data-exfiltration power-user',
        'medium data-exfiltration readonly-auditor',
        'medium human-traits console-bot',
        'medium multiple-active-keys two-keys',
        'medium service-wildcard bucket-admin',
        'medium service-wildcard power-user',
      ].sort(),
    );
  });

  it('CIS 1.16 only on full admin; the read-only policies, ecs deploy and scoped PassRole are clean', () => {
    for (const f of findings.filter((x) => x.cis === 'CIS AWS Foundations 3.0 1.16'))
      expect(f.ruleId).toBe('admin-grant');
    const quiet = [
      'security-auditor',
      'viewer',
      'ecs-deployer',
      'lambda-deployer-scoped',
      'bucket-writer',
    ];
    for (const name of quiet)
      expect(
        findings.filter(
          (f) => f.identityName === name && f.outcome === 'fail' && f.severity !== 'low',
        ),
        name,
      ).toEqual([]);
    // A policy mixing "*" and one role for iam:PassRole is not guessed: not evaluated.
    expect(
      findings.find(
        (f) => f.identityName === 'mixed-resources' && f.ruleId === 'privilege-escalation',
      ),
    ).toMatchObject({ outcome: 'not-evaluated' });
  });

  it('keys created today and never used are not findings at medium or above', () => {
    const young = findings.filter(
      (f) =>
        ['credential-never-used', 'credential-unused', 'credential-rotation'].includes(f.ruleId) &&
        f.outcome === 'fail',
    );
    expect(young).toEqual([]);
  });

  it('every subject is scored', () => {
    expect(scores.length).toBeGreaterThan(20);
  });
});
