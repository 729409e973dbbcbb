/**
 * CloudTrail attribution: LookupEvents on the stand-in (moto 5.2.1 does not implement it),
 * driven by the real SDK — the API's filtering, ordering, paging and documented errors — then
 * the connector: creators become `creation-event` candidates, the lookups are bounded and
 * spaced, and a denied call (or moto's missing operation) is a gap, never a failed scope.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CloudTrailClient,
  LookupEventsCommand,
  paginateLookupEvents,
} from '@aws-sdk/client-cloudtrail';
import { makeTestContext } from '../../src/connector/testing.js';
import type { ScopeInventory, ScopeResult } from '../../src/model/index.js';
import { attribution } from '../../src/owners/attribute.js';
import { credentialCandidates, identityCandidates } from '../../src/owners/signals.js';
import { connector } from '../../connectors/aws/index.js';
import { spacing } from '../../connectors/aws/owners.js';
import type { AwsEstate, EstateTrailEvent } from '../../connectors/aws/stand-in/estate.js';
import {
  clientConfig,
  motoMissing,
  seedMoto,
  startMoto,
  type Moto,
} from '../../connectors/aws/stand-in/moto.js';
import { startAwsStandIn, type AwsStandIn } from '../../connectors/aws/stand-in/server.js';
import { SHARED_ACCOUNT, TEST_CALLER, sharedAccount } from '../../connectors/aws/test-support.js';
import { IAMClient } from '@aws-sdk/client-iam';

const now = new Date('2026-11-01T12:00:00Z');
const ago = (d: number) => new Date(now.getTime() - d * 86_400_000).toISOString();
const env = {
  AWS_ACCESS_KEY_ID: TEST_CALLER.accessKeyId,
  AWS_SECRET_ACCESS_KEY: TEST_CALLER.secretAccessKey,
};

const ev = (
  id: number,
  name: string,
  days: number,
  who: string,
  resources: EstateTrailEvent['resources'],
): EstateTrailEvent => ({
  eventId: `e-${id}`,
  eventName: name,
  eventTime: ago(days),
  username: who,
  userArn: `arn:aws:iam::${SHARED_ACCOUNT}:user/${who}`,
  resources,
});

function estate(extra: EstateTrailEvent[] = []): AwsEstate {
  const account = sharedAccount(now);
  account.cloudTrailEvents = [
    ev(1, 'CreateUser', 20, 'grace', [{ type: 'AWS::IAM::User', name: 'alice' }]),
    ev(2, 'CreateAccessKey', 10, 'heidi', [
      { type: 'AWS::IAM::AccessKey', name: 'AKIASHAREDCIBOT00001' },
      { type: 'AWS::IAM::User', name: 'ci-bot' },
    ]),
    ev(3, 'CreateRole', 30, 'ivan', [{ type: 'AWS::IAM::Role', name: 'gha-deploy' }]),
    // Older than CloudTrail's 90 days: not served.
    ev(4, 'CreateUser', 120, 'mallory', [{ type: 'AWS::IAM::User', name: 'admin-bot' }]),
    ev(5, 'DeleteUser', 5, 'grace', [{ type: 'AWS::IAM::User', name: 'old' }]),
    ...extra,
  ];
  return { accounts: [account], callers: [TEST_CALLER] };
}

async function scan(url: string, options: Record<string, unknown> = {}) {
  const ctx = makeTestContext({
    now,
    options: {
      endpoint: url,
      maxAttempts: 2,
      pollIntervalMs: 10,
      accessAdvisor: false,
      ...options,
    },
    env,
  });
  const out: ScopeResult[] = [];
  for await (const r of connector.discover(ctx)) out.push(r);
  expect(out[0]?.kind).toBe('inventory');
  const inv = out[0] as ScopeInventory;
  // Access Advisor is off here (it is not what these tests are about).
  return { ...inv, gaps: inv.gaps.filter((g) => g.signal !== 'access-advisor') };
}

describe('stand-in: CloudTrail LookupEvents', () => {
  let s: AwsStandIn;
  let trail: CloudTrailClient;
  beforeAll(async () => {
    s = await startAwsStandIn({
      estate: estate(
        Array.from({ length: 7 }, (_, i) =>
          ev(100 + i, 'CreateAccessKey', 40 + i, 'bulk', [
            { type: 'AWS::IAM::AccessKey', name: `AKIABULK${i}` },
          ]),
        ),
      ),
      now: () => now,
    });
    trail = new CloudTrailClient(clientConfig(s.url));
  });
  afterAll(() => s.close());

  it('filters by one attribute, serves 90 days, newest first, pages with NextToken', async () => {
    const names: string[] = [];
    for await (const page of paginateLookupEvents(
      { client: trail, pageSize: 3 },
      { LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'CreateAccessKey' }] },
    ))
      names.push(...page.Events!.map((e) => e.EventId!));
    expect(names).toEqual(['e-2', ...Array.from({ length: 7 }, (_, i) => `e-${100 + i}`)]);
    expect(s.requests.byAction.LookupEvents).toBe(3);

    const users = await trail.send(
      new LookupEventsCommand({
        LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'CreateUser' }],
      }),
    );
    // mallory's CreateUser is 120 days old: outside the event history.
    expect(users.Events!.map((e) => [e.Username, e.Resources])).toEqual([
      ['grace', [{ ResourceType: 'AWS::IAM::User', ResourceName: 'alice' }]],
    ]);
    const e = users.Events![0]!;
    expect(e.EventTime).toEqual(new Date(ago(20)));
    expect(JSON.parse(e.CloudTrailEvent!)).toMatchObject({
      eventName: 'CreateUser',
      userIdentity: { type: 'IAMUser', arn: `arn:aws:iam::${SHARED_ACCOUNT}:user/grace` },
    });

    const window = await trail.send(
      new LookupEventsCommand({ StartTime: new Date(ago(15)), EndTime: new Date(ago(6)) }),
    );
    expect(window.Events!.map((x) => x.EventId)).toEqual(['e-2']);
  });

  it.each([
    [
      'two lookup attributes',
      {
        LookupAttributes: [
          { AttributeKey: 'EventName' as const, AttributeValue: 'CreateUser' },
          { AttributeKey: 'Username' as const, AttributeValue: 'grace' },
        ],
      },
      'InvalidLookupAttributesException',
    ],
    ['MaxResults over 50', { MaxResults: 51 }, 'InvalidMaxResultsException'],
    [
      'StartTime after EndTime',
      { StartTime: new Date(ago(1)), EndTime: new Date(ago(2)) },
      'InvalidTimeRangeException',
    ],
    ['a token it never gave', { NextToken: '!!' }, 'InvalidNextTokenException'],
  ])('%s is refused with %s', async (_what, input, code) => {
    await expect(trail.send(new LookupEventsCommand(input))).rejects.toMatchObject({ name: code });
  });
});

describe('connector: creators from CloudTrail', () => {
  it('makes each creator a creation-event candidate (medium) of the user, role or key', async () => {
    const s = await startAwsStandIn({ estate: estate(), now: () => now });
    try {
      const inv = await scan(s.url);
      expect(inv.gaps).toEqual([]);
      const who = (kind: string, name: string) => {
        const i = inv.identities.find((x) => x.kind === kind && x.name === name)!;
        return attribution(identityCandidates(i, 'aws'), null);
      };
      expect(who('user', 'alice')).toMatchObject({
        owner: 'grace',
        source: 'creation-event',
        via: `CloudTrail CreateUser ${ago(20).slice(0, 10)}`,
        confidence: 'medium',
        owned: false,
      });
      expect(who('role', 'gha-deploy').owner).toBe('ivan');
      expect(who('user', 'admin-bot').candidates).toEqual([]);
      const key = inv.credentials.find((c) => c.externalId === 'AKIASHAREDCIBOT00001')!;
      expect(credentialCandidates(key, 'aws')).toEqual([
        expect.objectContaining({ owner: 'heidi', source: 'creation-event' }),
      ]);
      // One lookup per event name; spaced at 2 a second.
      expect(s.requests.byAction.LookupEvents).toBe(3);
    } finally {
      await s.close();
    }
  });

  it('reads at most cloudTrailPages pages per event name', async () => {
    const many = Array.from({ length: 120 }, (_, i) =>
      ev(200 + i, 'CreateUser', 1 + (i % 80), 'bulk', [
        { type: 'AWS::IAM::User', name: `gone-${i}` },
      ]),
    );
    const s = await startAwsStandIn({ estate: estate(many), now: () => now });
    try {
      await scan(s.url, { cloudTrailPages: 2 });
      // CreateUser has 3 pages of 50 (121 events): 2 read; the other two names 1 each.
      expect(s.requests.byAction.LookupEvents).toBe(4);
    } finally {
      await s.close();
    }
  });

  it('a denied LookupEvents is a gap that hides nothing; cloudTrail: false makes no call', async () => {
    const s = await startAwsStandIn({ estate: estate(), now: () => now });
    try {
      s.faults.add({ action: 'LookupEvents', kind: 'AccessDenied' });
      const inv = await scan(s.url);
      expect(inv.gaps).toEqual([
        expect.objectContaining({
          signal: 'cloudtrail',
          message: expect.stringMatching(
            /^CloudTrail attribution not evaluated: cloudtrail:LookupEvents/,
          ),
          fix: expect.stringContaining('cloudtrail:LookupEvents'),
        }),
      ]);
      expect(inv.incomplete).toEqual([]);
      s.faults.clear();
      s.requests.reset();
      const off = await scan(s.url, { cloudTrail: false });
      expect(off.gaps).toEqual([]);
      expect(s.requests.byAction.LookupEvents).toBeUndefined();
    } finally {
      await s.close();
    }
  });

  it('spaces LookupEvents requests 500 ms apart (AWS allows 2 a second)', async () => {
    const turn = spacing(500);
    const t0 = Date.now();
    const at: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      await turn();
      at.push(Date.now() - t0);
    }
    expect(at[0]).toBeLessThan(100);
    expect(at[1]).toBeGreaterThanOrEqual(490);
    expect(at[2]).toBeGreaterThanOrEqual(990);
  });
});

describe.skipIf(motoMissing)('moto: no LookupEvents', () => {
  let moto: Moto;
  beforeAll(async () => {
    moto = await startMoto();
    await seedMoto(new IAMClient(clientConfig(moto.endpoint)), sharedAccount(now));
  });
  afterAll(() => moto?.stop());

  it('records "CloudTrail attribution not evaluated" instead of failing the scope', async () => {
    const inv = await scan(moto.endpoint);
    const gap = inv.gaps.find((g) => g.signal === 'cloudtrail');
    expect(gap?.message).toMatch(/^CloudTrail attribution not evaluated: cloudtrail:LookupEvents/);
    expect(inv.identities.some((i) => i.name === 'alice')).toBe(true);
  });
});
