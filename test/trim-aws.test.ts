/**
 * `nhi trim` on moto through the real SDK: a role and a user with inline policies, an
 * AWS-managed attachment and customer-managed policies. moto 5.2.1 does not implement Access
 * Advisor (GenerateServiceLastAccessedDetails), so the usage evidence is SEEDED here (what
 * Access Advisor would report per service); everything else — the documents read, the writes,
 * the versions, rollback — is moto's IAM.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  PutRolePolicyCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  GetPolicyCommand,
  ListAttachedRolePoliciesCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { applyRun, rollbackRun } from '../src/playbooks/engine.js';
import { planTrim, TRIM_DEFAULTS } from '../src/playbooks/trim/plan.js';
import { renderTrimPlan } from '../src/playbooks/trim/render.js';
import { actions } from '../connectors/aws/actions.js';
import * as W from './trim-moto.js';
import {
  ACCOUNT,
  CM,
  LATER,
  ago,
  allow,
  doc,
  identity,
  motoMissing,
  scope,
  subjectOf,
  usage,
} from './trim-moto.js';

let moto: { url: string; stop(): void } | undefined;
let url = '';
let iam: IAMClient;
const read = (i: Parameters<typeof W.read>[1]) => W.read(url, i);
const plan = (i: Parameters<typeof W.plan>[1]) => W.plan(url, i);
const engine = () => W.engine(url);

beforeAll(async () => {
  if (motoMissing) return;
  moto = await W.startMoto(true);
  url = moto.url;
  iam = W.motoIam(url);
}, 40_000);
afterAll(() => moto?.stop());
beforeEach(async () => {
  if (!motoMissing) await W.seed(url, iam);
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
    expect(
      JSON.parse(byAddress[`version:arn:aws:iam::${ACCOUNT}:policy/app-notify`]!.after!)
        .Statement[0].Action,
    ).toBe('sns:Publish');
    const text = renderTrimPlan(p, 7);
    expect(text).toMatch(/- ec2:DescribeInstances\s+never used \(seeded usage/);
    expect(text).toMatch(/- dynamodb:\*\s+last used 200 days ago/);
    expect(text).toMatch(/ {2}s3:GetObject\s+last used 3 days ago/);
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
    const runId = await store.createRun(await plan(role), new Date().toISOString());
    expect((await applyRun(deps, runId)).status).toBe('done');
    const after = await read(role);
    expect(after.map((d) => d.address)).not.toContain(
      'attachment:arn:aws:iam::aws:policy/AmazonSQSFullAccess',
    );
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
    const runId = await store.createRun(await plan(role), new Date().toISOString());
    const changed = doc(allow(['s3:GetObject', 'ec2:*']));
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: 'app',
        PolicyName: 'app-inline',
        PolicyDocument: changed,
      }),
    );
    const before = await read(role);
    await expect(applyRun(deps, runId)).rejects.toThrow(
      /app-inline changed or disappeared.*nothing was changed/,
    );
    expect((await read(role)).map((d) => d.document)).toEqual(before.map((d) => d.document));
  });

  it('refuses to roll back a document someone changed after apply, and restores the rest', async () => {
    const { store, deps } = engine();
    const runId = await store.createRun(await plan(role), new Date().toISOString());
    await applyRun(deps, runId);
    const theirs = doc(allow('s3:*'));
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: 'app',
        PolicyName: 'app-inline',
        PolicyDocument: theirs,
      }),
    );
    await expect(rollbackRun(deps, runId)).rejects.toThrow(
      /app-inline was changed by someone else.*rollback refused/,
    );
    expect((await read(role)).find((d) => d.address === 'inline:app-inline')!.document).toBe(
      theirs,
    );
  });

  it('respects the 5-version limit: the oldest non-default version makes room, the default is kept', async () => {
    const arn = `arn:aws:iam::${ACCOUNT}:policy/app-notify`;
    for (let i = 0; i < 4; i++)
      await iam.send(
        new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: CM, SetAsDefault: false }),
      );
    const p = await plan(role);
    const step = p.steps.find((s) => s.targetExternalId === `version:${arn}`)!;
    expect(step.reversible).toBe(false);
    expect(step.changes).toMatch(/oldest non-default version is deleted/);
    const { store, deps } = engine();
    const runId = await store.createRun(p, new Date().toISOString());
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
    const linked = {
      ...identity('role', 'AWSServiceRoleForX'),
      attributes: { roleName: 'AWSServiceRoleForX', path: '/aws-service-role/x.amazonaws.com/' },
    };
    const base = {
      scope,
      documents: [],
      settings: TRIM_DEFAULTS,
      now: LATER,
      actions: actions.trim!,
      demo: false,
    };
    const refused = (r: ReturnType<typeof planTrim>) => ('refused' in r ? r.refused : 'planned');
    expect(
      refused(
        planTrim({
          ...base,
          identity: linked,
          usage,
          untouchable: actions.trim!.untouchable!(subjectOf(linked)),
        }),
      ),
    ).toMatch(/service-linked/);
    expect(
      refused(
        planTrim({ ...base, identity: { ...role, createdAt: ago(89) }, usage, untouchable: null }),
      ),
    ).toMatch(/89 days old, younger than the minimum age of 90/);
    expect(
      refused(
        planTrim({ ...base, identity: { ...role, createdAt: ago(90) }, usage, untouchable: null }),
      ),
    ).toBe('planned');
    expect(
      refused(
        planTrim({ ...base, identity: role, usage: { ...usage, known: false }, untouchable: null }),
      ),
    ).toMatch(/no usage data/);
    expect(
      refused(
        planTrim({
          ...base,
          identity: role,
          usage: { ...usage, services: new Map() },
          untouchable: null,
        }),
      ),
    ).toMatch(/no usage data reported/);
    expect(
      refused(
        planTrim({
          ...base,
          identity: role,
          usage: { ...usage, observedAt: ago(8) },
          untouchable: null,
        }),
      ),
    ).toMatch(/8 days old/);
  });

  it('keeps a document changed within the window whole (a new grant may not have been used yet)', async () => {
    const docs = (await read(role)).map((d) =>
      d.kind === 'policy-version' ? { ...d, changedAt: ago(5) } : d,
    );
    const r = planTrim({
      identity: role,
      scope,
      documents: docs,
      usage,
      settings: TRIM_DEFAULTS,
      now: LATER,
      untouchable: null,
      actions: actions.trim!,
      demo: false,
    });
    if (!('plan' in r)) throw new Error(r.refused);
    expect(r.plan.trim!.changes.map((c) => c.kind)).not.toContain('policy-version');
    expect(renderTrimPlan(r.plan, null)).toMatch(
      /kms:Decrypt\s+changed 5 days ago: younger than the 90-day window/,
    );
  });
});

describe.skipIf(motoMissing)('nhi trim on moto: a partly used AWS-managed policy', () => {
  const role = identity('role', 'app');
  const copy = `arn:aws:iam::${ACCOUNT}:policy/nhi-trim/nhi-role-app-AmazonS3FullAccess`;
  const attachedArns = async () =>
    (await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'app' })))
      .AttachedPolicies!.map((a) => a.PolicyArn)
      .sort();
  const copyExists = () =>
    iam.send(new GetPolicyCommand({ PolicyArn: copy })).then(
      () => true,
      () => false,
    );

  beforeEach(async () => {
    await W.seed(url, iam, true, true);
  });

  it('plans a customer-managed copy of the used part; apply swaps it in, rollback swaps back and deletes the copy', async () => {
    const before = await read(role);
    const p = await plan(role);
    const change = p.trim!.changes.find((c) => c.address === `attachment:${W.PARTLY_USED}`)!;
    expect(JSON.parse(change.after!).Statement).toEqual([allow('s3:*')]);
    const step = p.steps.find((s) => s.targetExternalId === change.address)!;
    expect(step.summary).toMatch(/replace AmazonS3FullAccess by a policy of your own/);
    expect(step.reversible).toBe(true);
    expect(renderTrimPlan(p, null)).toMatch(/- s3-object-lambda:\*\s+never used/);

    const { store, deps } = engine();
    const runId = await store.createRun(p, new Date().toISOString());
    expect((await applyRun(deps, runId)).status).toBe('done');
    expect(await attachedArns()).toContain(copy);
    expect(await attachedArns()).not.toContain(W.PARTLY_USED);
    const swapped = (await read(role)).find((d) => d.address === change.address)!;
    expect(swapped.document).toBe(change.after); // the copy reads as the narrowed attachment
    const pol = await iam.send(new GetPolicyCommand({ PolicyArn: copy }));
    expect(pol.Policy!.Path).toBe('/nhi-trim/');

    expect((await rollbackRun(deps, runId)).status).toBe('rolled-back');
    expect(await attachedArns()).toContain(W.PARTLY_USED);
    expect(await copyExists()).toBe(false);
    expect((await read(role)).map((d) => [d.address, d.document, d.version])).toEqual(
      before.map((d) => [d.address, d.document, d.version]),
    );
  });

  it('refuses to overwrite a policy of the copy name that nhi did not make; the managed policy stays', async () => {
    await iam.send(
      new CreatePolicyCommand({
        PolicyName: 'nhi-role-app-AmazonS3FullAccess',
        Path: '/nhi-trim/',
        PolicyDocument: doc(allow('s3:*')),
      }),
    );
    const { store, deps } = engine();
    const runId = await store.createRun(await plan(role), new Date().toISOString());
    await expect(applyRun(deps, runId)).rejects.toThrow(/not the copy this run would make/);
    expect(await attachedArns()).toContain(W.PARTLY_USED);
    expect(await attachedArns()).not.toContain(copy);
  });
});
