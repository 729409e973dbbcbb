/**
 * `nhi trim` on the AWS stand-in (the one behind `--demo`), through the real SDK: the stand-in's
 * IAM policy actions must behave as IAM does for every write trim makes — inline policies kept
 * as the exact text written, attachments, managed policy versions with IAM's five-version limit,
 * the replacement of a partly used AWS-managed policy by a copy — so that apply and rollback on
 * the demo are the real thing: rollback restores byte-identical documents and leaves nothing.
 * Usage is seeded the same way as on moto (trim-moto.ts), and so are the documents.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreatePolicyVersionCommand,
  DeletePolicyVersionCommand,
  GetPolicyCommand,
  IAMClient,
} from '@aws-sdk/client-iam';
import { applyRun, rollbackRun } from '../src/playbooks/engine.js';
import { startAwsStandIn, type AwsStandIn } from '../connectors/aws/stand-in/index.js';
import type { AwsEstate } from '../connectors/aws/stand-in/estate.js';
import * as W from './trim-moto.js';
import { ACCOUNT, CM, PARTLY_USED, ROLE_INLINE, ago, identity } from './trim-moto.js';

const role = identity('role', 'app');
const NOTIFY = `arn:aws:iam::${ACCOUNT}:policy/app-notify`;
const COPY = `arn:aws:iam::${ACCOUNT}:policy/nhi-trim/nhi-role-app-AmazonS3FullAccess`;
// Formatted as a person would write it: IAM keeps the text, so rollback must give it back as is.
const INLINE_TEXT = JSON.stringify(JSON.parse(ROLE_INLINE), null, 2);

function estate(): AwsEstate {
  return {
    accounts: [
      {
        id: ACCOUNT,
        name: 'trim',
        root: { createdAt: ago(900), mfaActive: true },
        users: [],
        groups: [],
        roles: [
          {
            name: 'app',
            createdAt: ago(180),
            trustPolicy: {
              Version: '2012-10-17',
              Statement: [
                {
                  Effect: 'Allow',
                  Principal: { Service: 'ec2.amazonaws.com' },
                  Action: 'sts:AssumeRole',
                },
              ],
            },
            inlinePolicies: [
              { name: 'app-inline', document: JSON.parse(INLINE_TEXT), text: INLINE_TEXT },
            ],
            attachedPolicies: ['arn:aws:iam::aws:policy/AmazonSQSFullAccess', PARTLY_USED, NOTIFY],
          },
        ],
        policies: [{ name: 'app-notify', createdAt: ago(300), document: JSON.parse(CM) }],
      },
    ],
    callers: [{ ...W.creds, accountId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:user/nhi` }],
  };
}

let s: AwsStandIn;
let iam: IAMClient;
const read = () => W.read(s.url, role);
const snapshot = async () =>
  (await read()).map((d) => [d.address, d.document, d.version, d.facts.versions ?? null]);

beforeAll(async () => {
  s = await startAwsStandIn({ estate: estate() });
  iam = new IAMClient({
    endpoint: s.url,
    region: 'us-east-1',
    credentials: W.creds,
    maxAttempts: 1,
  });
});
afterAll(async () => {
  iam.destroy();
  await s.close();
});

describe('nhi trim on the AWS stand-in (the demo estate’s IAM)', () => {
  it('reads each document exactly as written, and plans inline, detach, replacement and a new version', async () => {
    const docs = await read();
    expect(docs.find((d) => d.address === 'inline:app-inline')!.document).toBe(INLINE_TEXT);
    const p = await W.plan(s.url, role);
    expect(p.steps.map((x) => x.summary).sort()).toEqual([
      'detach AmazonSQSFullAccess (none of it is used)',
      'new default version of app-notify without its unused services (version v1 kept)',
      'replace AmazonS3FullAccess by a policy of your own holding only its used part',
      'rewrite inline policy app-inline without its unused services',
    ]);
  });

  it('applies every change, then rollback restores byte-identical documents, the old default version, and deletes the copy', async () => {
    const before = await snapshot();
    const { store, deps } = W.engine(s.url);
    const runId = await store.createRun(await W.plan(s.url, role), new Date().toISOString());
    expect((await applyRun(deps, runId)).status).toBe('done');
    const after = await read();
    expect(after.find((d) => d.address === 'inline:app-inline')!.document).not.toContain(
      'dynamodb',
    );
    expect(after.find((d) => d.kind === 'policy-version')!.version).toBe('v2');
    expect(
      (await iam.send(new GetPolicyCommand({ PolicyArn: COPY }))).Policy?.AttachmentCount,
    ).toBe(1);
    expect((await rollbackRun(deps, runId)).status).toBe('rolled-back');
    expect(await snapshot()).toEqual(before);
    await expect(iam.send(new GetPolicyCommand({ PolicyArn: COPY }))).rejects.toThrow(
      /does not exist/,
    );
  });

  it("answers IAM's errors: a sixth version (LimitExceeded), deleting the default version (DeleteConflict)", async () => {
    for (let i = 0; i < 4; i++)
      await iam.send(new CreatePolicyVersionCommand({ PolicyArn: NOTIFY, PolicyDocument: CM }));
    await expect(
      iam.send(new CreatePolicyVersionCommand({ PolicyArn: NOTIFY, PolicyDocument: CM })),
    ).rejects.toMatchObject({ name: 'LimitExceededException' });
    await expect(
      iam.send(new DeletePolicyVersionCommand({ PolicyArn: NOTIFY, VersionId: 'v1' })),
    ).rejects.toMatchObject({ name: 'DeleteConflictException' });
    // With five versions, trim deletes the oldest non-default one to make room; v1 survives.
    const { store, deps } = W.engine(s.url);
    const runId = await store.createRun(await W.plan(s.url, role), new Date().toISOString());
    expect((await applyRun(deps, runId)).status).toBe('done');
    const cm = (await read()).find((d) => d.kind === 'policy-version')!;
    expect(cm.version).toBe('v6');
    expect(cm.facts.versions).toEqual(['v1', 'v3', 'v4', 'v5', 'v6']);
  });
});
