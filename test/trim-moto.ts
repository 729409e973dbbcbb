/** moto world for the trim tests: a role and a user with every kind of policy, seeded usage. */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import {
  IAMClient,
  AttachRolePolicyCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { makeTestContext } from '../src/connector/testing.js';
import type {
  ConnectorContext,
  GrantDocument,
  StoredIdentity,
  TrimSubject,
} from '../src/connector/index.js';
import { openCatalog } from '../src/catalog/index.js';
import { SqlitePlaybookStore } from '../src/catalog/sqlite/playbook-store.js';
import { planTrim, TRIM_DEFAULTS, type UsageEvidence } from '../src/playbooks/trim/plan.js';
import { actions } from '../connectors/aws/actions.js';
import { engineDeps, keysFor, tempCatalogPath } from './playbooks-harness.js';

export const ACCOUNT = '123456789012'; // moto's default
const DAY = 86_400_000;
/** The planning clock: moto stamps "now" on what it creates; the safety rules need age. */
export const LATER = new Date(Date.now() + 200 * DAY);
export const ago = (d: number) => new Date(LATER.getTime() - d * DAY).toISOString();

export const motoMissing = (() => {
  try {
    execFileSync('python3', ['-c', 'import moto'], { stdio: 'ignore' });
    return false;
  } catch {
    return true;
  }
})();

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export const creds = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};

export const ctx = (url: string): ConnectorContext =>
  makeTestContext({
    options: { endpoint: url, maxAttempts: 2, pollIntervalMs: 1 },
    env: {
      AWS_ACCESS_KEY_ID: creds.accessKeyId,
      AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
      AWS_REGION: 'us-east-1',
    },
  });

export const doc = (...statements: object[]) =>
  JSON.stringify({ Version: '2012-10-17', Statement: statements });
export const allow = (action: string | string[], resource = '*') => ({
  Effect: 'Allow',
  Action: action,
  Resource: resource,
});

export const ROLE_INLINE = doc(allow(['s3:GetObject', 'ec2:DescribeInstances', 'dynamodb:*']), {
  Effect: 'Deny',
  Action: 'iam:*',
  Resource: '*',
});
export const CM = doc(allow(['sns:Publish', 'kms:Decrypt']));
export const USER_INLINE = doc(allow('*'));

/** What Access Advisor would say (seeded: moto does not implement it). */
export const usage: UsageEvidence = {
  known: true,
  services: new Map<string, string | null>([
    ['s3', ago(3)],
    ['ec2', null],
    ['dynamodb', ago(200)],
    ['sqs', null],
    ['sns', ago(10)],
    ['kms', null],
    ['iam', null],
    ['s3-object-lambda', null],
  ]),
  observedAt: ago(0),
  source: 'seeded usage (moto has no Access Advisor)',
};

export function identity(kind: 'role' | 'user', name: string): StoredIdentity {
  return {
    id: `i-${kind}${name}`,
    provider: 'aws',
    scopeId: ACCOUNT,
    scopeName: 'moto',
    firstSeenRun: 1,
    lastSeenRun: 1,
    removedRun: null,
    externalId: `arn:aws:iam::${ACCOUNT}:${kind}/${name}`,
    name,
    kind,
    owner: null,
    createdAt: ago(180),
    lastUsedAt: null,
    lastUsedKnown: true,
    tags: {},
    attributes: kind === 'role' ? { roleName: name, path: '/' } : { userName: name },
  };
}
export const scope = {
  provider: 'aws' as const,
  id: ACCOUNT,
  name: 'moto',
  kind: 'account' as const,
};
export const subjectOf = (i: StoredIdentity): TrimSubject => ({
  scope,
  identityExternalId: i.externalId,
  identityName: i.name,
  identityKind: i.kind,
  attributes: i.attributes,
});

/** AWS-managed, partly used by the role (s3 yes, s3-object-lambda never): replaced by a copy. */
export const PARTLY_USED = 'arn:aws:iam::aws:policy/AmazonS3FullAccess';

/** A fresh moto with the role `app` (trusted by EC2) and nothing else. */
async function resetWithRole(url: string, iam: IAMClient): Promise<void> {
  await fetch(`${url}/moto-api/reset`, { method: 'POST' });
  const trust = doc({
    Effect: 'Allow',
    Principal: { Service: 'ec2.amazonaws.com' },
    Action: 'sts:AssumeRole',
  });
  await iam.send(new CreateRoleCommand({ RoleName: 'app', AssumeRolePolicyDocument: trust }));
}

export async function seed(
  url: string,
  iam: IAMClient,
  managed = true,
  partlyUsed = false,
): Promise<void> {
  await resetWithRole(url, iam);
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: 'app',
      PolicyName: 'app-inline',
      PolicyDocument: ROLE_INLINE,
    }),
  );
  if (managed)
    await iam.send(
      new AttachRolePolicyCommand({
        RoleName: 'app',
        PolicyArn: 'arn:aws:iam::aws:policy/AmazonSQSFullAccess',
      }),
    );
  if (partlyUsed)
    await iam.send(new AttachRolePolicyCommand({ RoleName: 'app', PolicyArn: PARTLY_USED }));
  await iam.send(new CreatePolicyCommand({ PolicyName: 'app-notify', PolicyDocument: CM }));
  await iam.send(
    new AttachRolePolicyCommand({
      RoleName: 'app',
      PolicyArn: `arn:aws:iam::${ACCOUNT}:policy/app-notify`,
    }),
  );
  await iam.send(new CreateUserCommand({ UserName: 'ci-bot' }));
  await iam.send(
    new PutUserPolicyCommand({
      UserName: 'ci-bot',
      PolicyName: 'everything',
      PolicyDocument: USER_INLINE,
    }),
  );
}

/** A role holding only a partly used AWS-managed policy: the replacement path alone. */
export async function seedReplacement(url: string, iam: IAMClient): Promise<void> {
  await resetWithRole(url, iam);
  await iam.send(new AttachRolePolicyCommand({ RoleName: 'app', PolicyArn: PARTLY_USED }));
}

export async function read(url: string, i: StoredIdentity): Promise<GrantDocument[]> {
  return actions.trim!.read(ctx(url), subjectOf(i));
}

/** Plans against moto with the seeded usage, as `nhi trim` does with a scan's. */
export async function plan(url: string, i: StoredIdentity) {
  const r = planTrim({
    identity: i,
    scope,
    documents: await read(url, i),
    usage,
    settings: TRIM_DEFAULTS,
    now: LATER,
    untouchable: actions.trim!.untouchable!(subjectOf(i)),
    actions: actions.trim!,
    demo: false,
  });
  if (!('plan' in r)) throw new Error(r.refused);
  return r.plan;
}

export function engine(url: string) {
  const path = tempCatalogPath();
  const catalog = openCatalog(path);
  const keys = keysFor(path);
  const store = new SqlitePlaybookStore(catalog.db, keys);
  return { store, deps: engineDeps(store, keys, async () => ctx(url)) };
}

/** Starts moto (AWS-managed policies loaded when asked); resolves with its URL and a stop. */
export async function startMoto(managed: boolean): Promise<{ url: string; stop(): void }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn('python3', ['-m', 'moto.server', '-p', String(port)], {
    stdio: 'ignore',
    env: {
      PATH: process.env.PATH ?? '',
      ...(managed ? { MOTO_IAM_LOAD_MANAGED_POLICIES: 'true' } : {}),
    },
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/moto-api/`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('moto did not start');
    await new Promise((r) => setTimeout(r, 150));
  }
  return { url, stop: () => child.kill('SIGKILL') };
}

export const motoIam = (url: string) =>
  new IAMClient({ endpoint: url, region: 'us-east-1', credentials: creds, maxAttempts: 1 });
