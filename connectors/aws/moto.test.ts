/**
 * The same scan and the same assertions against moto (an independent AWS emulator) as against
 * the stand-in: if they disagree, the stand-in has drifted from AWS behaviour. moto is driven
 * only through the real SDK. Skipped, with a reason, where moto is not installed.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  IAMClient,
  AddUserToGroupCommand,
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateGroupCommand,
  CreateLoginProfileCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  PutGroupPolicyCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import {
  OrganizationsClient,
  CreateAccountCommand,
  CreateOrganizationCommand,
} from '@aws-sdk/client-organizations';
import { STSClient, AssumeRoleCommand } from '@aws-sdk/client-sts';
import { connector } from './index.js';
import { startAwsStandIn, type AwsStandIn } from './stand-in/server.js';
import type { EstateAccount } from './stand-in/estate.js';
import {
  SHARED_ACCOUNT,
  TEST_CALLER,
  assertSharedInventory,
  sharedAccount,
  sharedEstate,
} from './test-support.js';
import { makeTestContext } from '../../src/connector/testing.js';
import type { ScopeResult } from '../../src/model/index.js';

const now = new Date('2026-11-01T12:00:00Z');

function hasMoto(): boolean {
  try {
    execFileSync('python3', ['-c', 'import moto'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const motoMissing = !hasMoto();
if (motoMissing)
  console.warn(
    'moto tests skipped: `python3 -c "import moto"` failed (pip install "moto[server]" to run them)',
  );

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

const clientConfig = (
  endpoint: string,
  creds = { accessKeyId: TEST_CALLER.accessKeyId, secretAccessKey: TEST_CALLER.secretAccessKey },
) => ({
  endpoint,
  region: 'us-east-1',
  credentials: creds,
  maxAttempts: 1,
});

async function collect(iter: AsyncIterable<ScopeResult>): Promise<ScopeResult[]> {
  const out: ScopeResult[] = [];
  for await (const r of iter) out.push(r);
  return out;
}

/** Seeds an account into moto through the real SDK, the way an administrator would build it. */
async function seedMoto(iam: IAMClient, account: EstateAccount): Promise<void> {
  for (const p of account.policies)
    await iam.send(
      new CreatePolicyCommand({ PolicyName: p.name, PolicyDocument: JSON.stringify(p.document) }),
    );
  for (const g of account.groups) {
    await iam.send(new CreateGroupCommand({ GroupName: g.name }));
    for (const p of g.inlinePolicies ?? [])
      await iam.send(
        new PutGroupPolicyCommand({
          GroupName: g.name,
          PolicyName: p.name,
          PolicyDocument: JSON.stringify(p.document),
        }),
      );
  }
  for (const u of account.users) {
    await iam.send(new CreateUserCommand({ UserName: u.name }));
    if (u.passwordEnabled)
      await iam.send(
        new CreateLoginProfileCommand({ UserName: u.name, Password: 'Not-a-real-password-1!' }),
      );
    for (const p of u.inlinePolicies ?? [])
      await iam.send(
        new PutUserPolicyCommand({
          UserName: u.name,
          PolicyName: p.name,
          PolicyDocument: JSON.stringify(p.document),
        }),
      );
    for (const arn of u.attachedPolicies ?? [])
      await iam.send(new AttachUserPolicyCommand({ UserName: u.name, PolicyArn: arn }));
    for (const g of u.groups ?? [])
      await iam.send(new AddUserToGroupCommand({ UserName: u.name, GroupName: g }));
    for (const k of u.accessKeys ?? []) {
      const out = await iam.send(new CreateAccessKeyCommand({ UserName: u.name }));
      if (k.status === 'Inactive')
        await iam.send(
          new UpdateAccessKeyCommand({
            UserName: u.name,
            AccessKeyId: out.AccessKey!.AccessKeyId!,
            Status: 'Inactive',
          }),
        );
    }
  }
  for (const r of account.roles) {
    await iam.send(
      new CreateRoleCommand({
        RoleName: r.name,
        Path: r.path,
        AssumeRolePolicyDocument: JSON.stringify(r.trustPolicy),
      }),
    );
    for (const p of r.inlinePolicies ?? [])
      await iam.send(
        new PutRolePolicyCommand({
          RoleName: r.name,
          PolicyName: p.name,
          PolicyDocument: JSON.stringify(p.document),
        }),
      );
    for (const arn of r.attachedPolicies ?? [])
      await iam.send(new AttachRolePolicyCommand({ RoleName: r.name, PolicyArn: arn }));
  }
}

const scanOptions = (endpoint: string) => ({
  endpoint,
  maxAttempts: 2,
  pollIntervalMs: 10,
  pageSize: 5,
});
const scanEnv = {
  AWS_ACCESS_KEY_ID: TEST_CALLER.accessKeyId,
  AWS_SECRET_ACCESS_KEY: TEST_CALLER.secretAccessKey,
};

describe('stand-in: shared estate', () => {
  let standIn: AwsStandIn;
  beforeAll(async () => {
    standIn = await startAwsStandIn({ estate: sharedEstate(now), now: () => now });
  });
  afterAll(() => standIn.close());

  it('passes the shared assertions, with Access Advisor data', async () => {
    const results = await collect(
      connector.discover(makeTestContext({ now, options: scanOptions(standIn.url), env: scanEnv })),
    );
    const inv = assertSharedInventory(results);
    expect(inv.gaps).toEqual([]);
    expect(inv.grants.every((g) => g.lastUsedKnown)).toBe(true);
    // moto's credential report has no <root_account> row; AWS's (and the stand-in's) does.
    expect(inv.identities.filter((x) => x.kind === 'root')).toHaveLength(1);
  });
});

describe.skipIf(motoMissing)('moto: shared estate', () => {
  let moto: ChildProcess;
  let endpoint: string;
  beforeAll(async () => {
    const port = await freePort();
    endpoint = `http://127.0.0.1:${port}`;
    moto = spawn('python3', ['-m', 'moto.server', '-p', String(port)], {
      stdio: 'ignore',
      env: { PATH: process.env.PATH ?? '' },
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
    await seedMoto(new IAMClient(clientConfig(endpoint)), sharedAccount(now));
  });
  afterAll(() => {
    moto?.kill();
  });

  it('passes the shared assertions; Access Advisor (not in moto) is a gap, not a crash', async () => {
    const results = await collect(
      connector.discover(makeTestContext({ now, options: scanOptions(endpoint), env: scanEnv })),
    );
    const inv = assertSharedInventory(results);
    expect(inv.gaps.map((g) => g.signal)).toContain('access-advisor');
    expect(inv.gaps.find((g) => g.signal === 'access-advisor')!.fix).toMatch(
      /GenerateServiceLastAccessedDetails/,
    );
    expect(inv.grants.every((g) => !g.lastUsedKnown && g.lastUsedAt === null)).toBe(true);
  });

  it('scans every account of a moto organization through AssumeRole', async () => {
    const org = new OrganizationsClient(clientConfig(endpoint));
    await org.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
    const created = await org.send(
      new CreateAccountCommand({ AccountName: 'member-one', Email: 'member@example.com' }),
    );
    const memberId = created.CreateAccountStatus!.AccountId!;
    const assumed = await new STSClient(clientConfig(endpoint)).send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${memberId}:role/OrganizationAccountAccessRole`,
        RoleSessionName: 'seed',
      }),
    );
    const c = assumed.Credentials!;
    const memberIam = new IAMClient(
      clientConfig(endpoint, {
        accessKeyId: c.AccessKeyId!,
        secretAccessKey: c.SecretAccessKey!,
        sessionToken: c.SessionToken!,
      } as never),
    );
    await memberIam.send(new CreateUserCommand({ UserName: 'member-ci' }));
    await memberIam.send(new CreateAccessKeyCommand({ UserName: 'member-ci' }));

    const results = await collect(
      connector.discover(
        makeTestContext({
          now,
          options: { ...scanOptions(endpoint), allAccounts: true, accessAdvisor: false },
          env: scanEnv,
        }),
      ),
    );
    expect(results.map((r) => [r.kind, r.scope.id]).sort()).toEqual(
      [
        ['inventory', SHARED_ACCOUNT],
        ['inventory', memberId],
      ].sort(),
    );
    const member = results.find((r) => r.scope.id === memberId)!;
    expect(member.kind === 'inventory' && member.identities.map((x) => x.name)).toContain(
      'member-ci',
    );
    expect(
      member.kind === 'inventory' && member.credentials.filter((x) => x.type === 'access-key'),
    ).toHaveLength(1);
    expect(member.scope.name).toBe('member-one');
  });
});
