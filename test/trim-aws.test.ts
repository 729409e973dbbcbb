/**
 * `nhi trim` on moto through the real SDK: a role and a user with inline policies, an
 * AWS-managed attachment and customer-managed policies. moto 5.2.1 does not implement Access
 * Advisor (GenerateServiceLastAccessedDetails), so the usage evidence is SEEDED here (what
 * Access Advisor would report per service); everything else — the documents read, the writes,
 * the versions, rollback — is moto's IAM.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  IAMClient,
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateRoleCommand,
  CreateUserCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { makeTestContext } from '../src/connector/testing.js';
import type { ConnectorContext, GrantDocument, StoredIdentity, TrimSubject } from '../src/connector/index.js';
import { openCatalog } from '../src/catalog/index.js';
import { PlaybookStore } from '../src/catalog/playbook-store.js';
import { applyRun, rollbackRun } from '../src/playbooks/engine.js';
import { planTrim, TRIM_DEFAULTS, type UsageEvidence } from '../src/playbooks/trim/plan.js';
import { renderTrimPlan } from '../src/playbooks/trim/render.js';
import { actions } from '../connectors/aws/actions.js';
import { engineDeps, keysFor, tempCatalogPath } from './playbooks-harness.js';

const ACCOUNT = '123456789012'; // moto's default
const DAY = 86_400_000;
/** The planning clock: moto stamps "now" on what it creates; the safety rules need age. */
const LATER = new Date(Date.now() + 200 * DAY);
const ago = (d: number) => new Date(LATER.getTime() - d * DAY).toISOString();

const motoMissing = (() => {
  try {
    execFileSync('python3', ['-c', 'import moto'], { stdio: 'ignore' });
    return false;
  } catch {
    return true;
  }
})();

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

let moto: ChildProcess | undefined;
let url = '';
let iam: IAMClient;
const creds = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };

const ctx = (): ConnectorContext =>
  makeTestContext({
    options: { endpoint: url, maxAttempts: 2, pollIntervalMs: 1 },
    env: { AWS_ACCESS_KEY_ID: creds.accessKeyId, AWS_SECRET_ACCESS_KEY: creds.secretAccessKey, AWS_REGION: 'us-east-1' },
  });

const doc = (...statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const allow = (action: string | string[], resource = '*') => ({ Effect: 'Allow', Action: action, Resource: resource });

const ROLE_INLINE = doc(allow(['s3:GetObject', 'ec2:DescribeInstances', 'dynamodb:*']), { Effect: 'Deny', Action: 'iam:*', Resource: '*' });
const CM = doc(allow(['sns:Publish', 'kms:Decrypt']));
const USER_INLINE = doc(allow('*'));

/** What Access Advisor would say (seeded: moto does not implement it). */
const usage: UsageEvidence = {
  known: true,
  services: new Map<string, string | null>([
    ['s3', ago(3)],
    ['ec2', null],
    ['dynamodb', ago(200)],
    ['sqs', null],
    ['sns', ago(10)],
    ['kms', null],
    ['iam', null],
  ]),
  observedAt: ago(0),
  source: 'seeded usage (moto has no Access Advisor)',
};

function identity(kind: 'role' | 'user', name: string): StoredIdentity {
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
const scope = { provider: 'aws' as const, id: ACCOUNT, name: 'moto', kind: 'account' as const };
const subjectOf = (i: StoredIdentity): TrimSubject => ({
  scope,
  identityExternalId: i.externalId,
  identityName: i.name,
  identityKind: i.kind,
  attributes: i.attributes,
});

async function seed(): Promise<void> {
  await fetch(`${url}/moto-api/reset`, { method: 'POST' });
  const trust = doc({ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' });
  await iam.send(new CreateRoleCommand({ RoleName: 'app', AssumeRolePolicyDocument: trust }));
  await iam.send(new PutRolePolicyCommand({ RoleName: 'app', PolicyName: 'app-inline', PolicyDocument: ROLE_INLINE }));
  await iam.send(new AttachRolePolicyCommand({ RoleName: 'app', PolicyArn: 'arn:aws:iam::aws:policy/AmazonSQSFullAccess' }));
  await iam.send(new CreatePolicyCommand({ PolicyName: 'app-notify', PolicyDocument: CM }));
  await iam.send(new AttachRolePolicyCommand({ RoleName: 'app', PolicyArn: `arn:aws:iam::${ACCOUNT}:policy/app-notify` }));
  await iam.send(new CreateUserCommand({ UserName: 'ci-bot' }));
  await iam.send(new PutUserPolicyCommand({ UserName: 'ci-bot', PolicyName: 'everything', PolicyDocument: USER_INLINE }));
}

async function read(i: StoredIdentity): Promise<GrantDocument[]> {
  return actions.trim!.read(ctx(), subjectOf(i));
}

/** Plans against moto with the seeded usage, as `nhi trim` does with a scan's. */
async function plan(i: StoredIdentity) {
  const r = planTrim({
    identity: i,
    scope,
    documents: await read(i),
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

function engine() {
  const path = tempCatalogPath();
  const catalog = openCatalog(path);
  const keys = keysFor(path);
  const store = new PlaybookStore(catalog.db, keys);
  return { store, deps: engineDeps(store, keys, async () => ctx()) };
}

beforeAll(async () => {
  if (motoMissing) return;
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  moto = spawn('python3', ['-m', 'moto.server', '-p', String(port)], {
    stdio: 'ignore',
    // moto loads the AWS-managed policies only when asked.
    env: { PATH: process.env.PATH ?? '', MOTO_IAM_LOAD_MANAGED_POLICIES: 'true' },
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
  iam = new IAMClient({ endpoint: url, region: 'us-east-1', credentials: creds, maxAttempts: 1 });
}, 40_000);
afterAll(() => moto?.kill('SIGKILL'));
beforeEach(async () => {
  if (!motoMissing) await seed();
});

describe.skipIf(motoMissing)('nhi trim on moto (usage seeded)', () => {
  const role = identity('role', 'app');
  const user = identity('user', 'ci-bot');

  it('plans the narrowest change per document, shown as a permission diff with evidence', async () => {
    const p = await plan(role);
    const byAddress = Object.fromEntries(p.trim!.changes.map((c) => [c.address, c]));
    expect(Object.keys(byAddress).sort()).toEqual([
      'attachment:arn:aws:iam::aws:policy/AmazonSQSFullAccess',
      'inline:app-inline',
      `version:arn:aws:iam::${ACCOUNT}:policy/app-notify`,
    ]);
    // Inline: ec2 (never) and dynamodb (200 days) go, s3 (3 days) stays; the Deny is kept.
    expect(JSON.parse(byAddress['inline:app-inline']!.after!)).toEqual({
      Version: '2012-10-17',
      Statement: [allow('s3:GetObject'), { Effect: 'Deny', Action: 'iam:*', Resource: '*' }],
    });
    expect(byAddress['attachment:arn:aws:iam::aws:policy/AmazonSQSFullAccess']!.after).toBeNull();
    expect(JSON.parse(byAddress[`version:arn:aws:iam::${ACCOUNT}:policy/app-notify`]!.after!).Statement[0].Action).toBe('sns:Publish');
    const text = renderTrimPlan(p, 7);
    expect(text).toMatch(/- ec2:DescribeInstances\s+never used \(seeded usage/);
    expect(text).toMatch(/- dynamodb:\*\s+last used 200 days ago/);
    expect(text).toMatch(/  s3:GetObject\s+last used 3 days ago/);
    expect(text).toMatch(/- kms:Decrypt/);
    expect(p.steps.every((s) => s.action === 'grant-change' && s.reversible)).toBe(true);
  });

  it('narrows Action "*" to the services used in the window', async () => {
    const p = await plan(user);
    expect(JSON.parse(p.trim!.changes[0]!.after!).Statement[0].Action).toEqual(['s3:*', 'sns:*']);
    expect(renderTrimPlan(p, null)).toMatch(/\+ s3:\*/);
  });

  it('applies, then rollback restores byte-identical documents and the old default version', async () => {
    const before = await read(role);
    const { store, deps } = engine();
    const runId = store.createRun(await plan(role), new Date().toISOString());
    expect((await applyRun(deps, runId)).status).toBe('done');
    const after = await read(role);
    expect(after.map((d) => d.address)).not.toContain('attachment:arn:aws:iam::aws:policy/AmazonSQSFullAccess');
    const inline = after.find((d) => d.address === 'inline:app-inline')!;
    expect(inline.document).not.toContain('dynamodb');
    const cm = after.find((d) => d.kind === 'policy-version')!;
    expect(cm.version).toBe('v2');
    expect(cm.facts.versions).toEqual(expect.arrayContaining(['v1', 'v2'])); // old version kept
    expect((await rollbackRun(deps, runId)).status).toBe('rolled-back');
    const restored = await read(role);
    expect(restored.map((d) => [d.address, d.document, d.version])).toEqual(
      before.map((d) => [d.address, d.document, d.version]),
    );
    expect(restored.find((d) => d.kind === 'policy-version')!.facts.versions).toEqual(['v1']);
  });

  it('refuses to apply over a change made between plan and apply; nothing changes', async () => {
    const { store, deps } = engine();
    const runId = store.createRun(await plan(role), new Date().toISOString());
    const changed = doc(allow(['s3:GetObject', 'ec2:*']));
    await iam.send(new PutRolePolicyCommand({ RoleName: 'app', PolicyName: 'app-inline', PolicyDocument: changed }));
    const before = await read(role);
    await expect(applyRun(deps, runId)).rejects.toThrow(/app-inline changed or disappeared.*nothing was changed/);
    expect((await read(role)).map((d) => d.document)).toEqual(before.map((d) => d.document));
  });

  it('refuses to roll back a document someone changed after apply, and restores the rest', async () => {
    const { store, deps } = engine();
    const runId = store.createRun(await plan(role), new Date().toISOString());
    await applyRun(deps, runId);
    const theirs = doc(allow('s3:*'));
    await iam.send(new PutRolePolicyCommand({ RoleName: 'app', PolicyName: 'app-inline', PolicyDocument: theirs }));
    await expect(rollbackRun(deps, runId)).rejects.toThrow(/app-inline was changed by someone else.*rollback refused/);
    expect((await read(role)).find((d) => d.address === 'inline:app-inline')!.document).toBe(theirs);
  });

  it('respects the 5-version limit: the oldest non-default version makes room, the default is kept', async () => {
    const arn = `arn:aws:iam::${ACCOUNT}:policy/app-notify`;
    for (let i = 0; i < 4; i++)
      await iam.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: CM, SetAsDefault: false }));
    const p = await plan(role);
    const step = p.steps.find((s) => s.targetExternalId === `version:${arn}`)!;
    expect(step.reversible).toBe(false);
    expect(step.changes).toMatch(/oldest non-default version is deleted/);
    const { store, deps } = engine();
    const runId = store.createRun(p, new Date().toISOString());
    await applyRun(deps, runId);
    const cm = (await read(role)).find((d) => d.kind === 'policy-version')!;
    expect(cm.facts.versions).toHaveLength(5);
    expect(cm.facts.versions).toContain('v1'); // the planned-from default survives
    expect(cm.facts.versions).not.toContain('v2'); // the oldest non-default made room
    await rollbackRun(deps, runId);
    const back = (await read(role)).find((d) => d.kind === 'policy-version')!;
    expect([back.version, back.document]).toEqual(['v1', CM]);
  });

  it('never plans for a service-linked role, a too-young identity or without usage data', () => {
    const linked = { ...identity('role', 'AWSServiceRoleForX'), attributes: { roleName: 'AWSServiceRoleForX', path: '/aws-service-role/x.amazonaws.com/' } };
    const base = { scope, documents: [], settings: TRIM_DEFAULTS, now: LATER, actions: actions.trim!, demo: false };
    const refused = (r: ReturnType<typeof planTrim>) => ('refused' in r ? r.refused : 'planned');
    expect(refused(planTrim({ ...base, identity: linked, usage, untouchable: actions.trim!.untouchable!(subjectOf(linked)) }))).toMatch(/service-linked/);
    expect(refused(planTrim({ ...base, identity: { ...role, createdAt: ago(89) }, usage, untouchable: null }))).toMatch(/89 days old, younger than the minimum age of 90/);
    expect(refused(planTrim({ ...base, identity: { ...role, createdAt: ago(90) }, usage, untouchable: null }))).toBe('planned');
    expect(refused(planTrim({ ...base, identity: role, usage: { ...usage, known: false }, untouchable: null }))).toMatch(/no usage data/);
    expect(refused(planTrim({ ...base, identity: role, usage: { ...usage, services: new Map() }, untouchable: null }))).toMatch(/no usage data reported/);
    expect(refused(planTrim({ ...base, identity: role, usage: { ...usage, observedAt: ago(8) }, untouchable: null }))).toMatch(/8 days old/);
  });

  it('keeps a document changed within the window whole (a new grant may not have been used yet)', async () => {
    const docs = (await read(role)).map((d) => (d.kind === 'policy-version' ? { ...d, changedAt: ago(5) } : d));
    const r = planTrim({ identity: role, scope, documents: docs, usage, settings: TRIM_DEFAULTS, now: LATER, untouchable: null, actions: actions.trim!, demo: false });
    if (!('plan' in r)) throw new Error(r.refused);
    expect(r.plan.trim!.changes.map((c) => c.kind)).not.toContain('policy-version');
    expect(renderTrimPlan(r.plan, null)).toMatch(/kms:Decrypt\s+changed 5 days ago: younger than the 90-day window/);
  });
});
