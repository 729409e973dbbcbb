/**
 * The same scan and the same assertions against moto (an independent AWS emulator) as against
 * the stand-in: if they disagree, the stand-in has drifted from AWS behaviour. moto is driven
 * only through the real SDK. Skipped, with a reason, where moto is not installed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  GenerateCredentialReportCommand,
  GetCredentialReportCommand,
  IAMClient,
} from '@aws-sdk/client-iam';
import {
  OrganizationsClient,
  CreateAccountCommand,
  CreateOrganizationCommand,
} from '@aws-sdk/client-organizations';
import { STSClient, AssumeRoleCommand } from '@aws-sdk/client-sts';
import { connector } from './index.js';
import { clientConfig, motoMissing, seedMoto, startMoto, type Moto } from './stand-in/moto.js';
import { startAwsStandIn, type AwsStandIn } from './stand-in/server.js';
import {
  SHARED_ACCOUNT,
  TEST_CALLER,
  assertSharedInventory,
  sharedAccount,
  sharedEstate,
} from './test-support.js';
import { makeTestContext } from '../../src/connector/testing.js';
import type { ScopeFailure, ScopeInventory, ScopeResult } from '../../src/model/index.js';
import { startFaultProxy, type FaultProxy } from '../../src/connector/stand-in.js';

const now = new Date('2026-11-01T12:00:00Z');

async function collect(iter: AsyncIterable<ScopeResult>): Promise<ScopeResult[]> {
  const out: ScopeResult[] = [];
  for await (const r of iter) out.push(r);
  return out;
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
  let moto: Moto;
  let endpoint: string;
  beforeAll(async () => {
    moto = await startMoto();
    endpoint = moto.endpoint;
    await seedMoto(new IAMClient(clientConfig(endpoint)), sharedAccount(now));
  });
  afterAll(() => moto?.stop());

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

describe.skipIf(motoMissing)('moto: cached reports, wrong documents, service credentials', () => {
  let moto: Moto;
  let proxy: FaultProxy;
  let iam: IAMClient;
  beforeAll(async () => {
    moto = await startMoto();
    iam = new IAMClient(clientConfig(moto.endpoint));
    await seedMoto(iam, sharedAccount(now));
    proxy = await startFaultProxy(moto.endpoint);
  });
  afterAll(async () => {
    await proxy?.close();
    moto?.stop();
  });
  const scanAt = async (at: Date) =>
    collect(
      connector.discover(
        makeTestContext({
          now: at,
          options: { ...scanOptions(proxy.url), accessAdvisor: false },
          env: scanEnv,
        }),
      ),
    );
  const action = (name: string) => new RegExp(`(^|&)Action=${name}(&|$)`);

  it('moto offers no ListServiceSpecificCredentials: a gap, and credentials kept, not a failure', async () => {
    const [r] = await scanAt(now);
    expect(r?.kind).toBe('inventory');
    const inv = r as ScopeInventory;
    expect(inv.gaps.find((g) => g.signal === 'service-specific-credentials')).toMatchObject({
      code: 'Http500',
      message: expect.stringMatching(/does not offer ListServiceSpecificCredentials/),
    });
    expect(inv.incomplete).toContain('credentials');
  });

  it.each([
    ['an HTML page', 'GetAccountAuthorizationDetails', '<html><body>Welcome</body></html>'],
    [
      'another action’s XML',
      'ListAccessKeys',
      '<ListGroupsResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ListGroupsResult><Groups/><IsTruncated>false</IsTruncated></ListGroupsResult></ListGroupsResponse>',
    ],
  ])('%s in a 200 to %s fails the scope, as on the stand-in', async (_what, name, body) => {
    proxy.faults.clear();
    proxy.faults.add({ requestBody: action(name), body, contentType: 'text/xml', times: Infinity });
    try {
      const [r] = await scanAt(now);
      expect(r).toMatchObject({ kind: 'failure', code: 'InvalidResponse' });
      expect((r as ScopeFailure).error).toMatch(new RegExp(`^iam:${name}: InvalidResponse`));
    } finally {
      proxy.faults.clear();
    }
  });

  it('finds keys created after the report AWS would still serve (replayed through the proxy)', async () => {
    // The report as it is now, kept the way AWS keeps it for up to 4 hours.
    await iam.send(new GenerateCredentialReportCommand({}));
    const report = await iam.send(new GetCredentialReportCommand({}));
    const kept = new Date();
    const before = (await scanAt(kept))[0] as ScopeInventory;
    await iam.send(new CreateUserCommand({ UserName: 'backdoor' }));
    const backdoor = await iam.send(new CreateAccessKeyCommand({ UserName: 'backdoor' }));
    const alice = await iam.send(new CreateAccessKeyCommand({ UserName: 'alice' }));
    proxy.faults.add({
      requestBody: action('GetCredentialReport'),
      times: Infinity,
      contentType: 'text/xml',
      body: `<GetCredentialReportResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetCredentialReportResult><Content>${Buffer.from(report.Content!).toString('base64')}</Content><ReportFormat>text/csv</ReportFormat><GeneratedTime>${kept.toISOString()}</GeneratedTime></GetCredentialReportResult><ResponseMetadata><RequestId>replayed</RequestId></ResponseMetadata></GetCredentialReportResponse>`,
    });
    try {
      const [r] = await scanAt(new Date(kept.getTime() + 60 * 60_000));
      expect(r?.kind).toBe('inventory');
      const keys = (inv: ScopeInventory) =>
        inv.credentials.filter((c) => c.type === 'access-key').map((c) => c.externalId);
      expect(keys(r as ScopeInventory).sort()).toEqual(
        [...keys(before), backdoor.AccessKey!.AccessKeyId!, alice.AccessKey!.AccessKeyId!].sort(),
      );
    } finally {
      proxy.faults.clear();
    }
  });
});
