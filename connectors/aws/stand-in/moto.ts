/**
 * moto (an independent AWS emulator, `python3 -m moto.server`) as the second stand-in of AWS
 * tests: start it on a free port, and seed an account into it through the real SDK, the way an
 * administrator would. What the stand-in serves, moto must serve alike (moto.test.ts).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import {
  type IAMClient,
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
import type { EstateAccount } from './estate.js';
import { TEST_CALLER } from '../test-support.js';

export function hasMoto(): boolean {
  try {
    execFileSync('python3', ['-c', 'import moto'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

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

export const clientConfig = (
  endpoint: string,
  creds = { accessKeyId: TEST_CALLER.accessKeyId, secretAccessKey: TEST_CALLER.secretAccessKey },
) => ({
  endpoint,
  region: 'us-east-1',
  credentials: creds,
  maxAttempts: 1,
});

/** Seeds an account into moto through the real SDK, the way an administrator would build it. */
export async function seedMoto(iam: IAMClient, account: EstateAccount): Promise<void> {
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

export interface Moto {
  endpoint: string;
  stop(): void;
}

/** Starts moto on a free port and waits until it answers (at most 30 s). */
export async function startMoto(): Promise<Moto> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn('python3', ['-m', 'moto.server', '-p', String(port)], {
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
    if (Date.now() > deadline) {
      child.kill();
      throw new Error('moto server did not start within 30 s');
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { endpoint, stop: () => void child.kill() };
}

/** Whether moto can run here; a test file skips its moto part, with the reason, when not. */
export const motoMissing = !hasMoto();
if (motoMissing)
  console.warn(
    'moto tests skipped: `python3 -c "import moto"` failed (pip install "moto[server]" to run them)',
  );
