/**
 * AWS serves its credential report for up to 4 hours after it made it. Keys created since are not
 * in it: the scan must still find them (a fresh backdoor key is exactly what a scan is for), and
 * must never take a key the stale report does not show for a key that is gone.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { connector } from './index.js';
import { startAwsStandIn, type AwsStandIn } from './stand-in/server.js';
import { SHARED_ACCOUNT, TEST_CALLER, sharedEstate } from './test-support.js';
import { makeTestContext } from '../../src/connector/testing.js';
import type { ScopeInventory, ScopeResult } from '../../src/connector/index.js';

const start = new Date('2026-11-01T12:00:00Z');
const hour = 3600_000;
let s: AwsStandIn | null = null;
afterEach(async () => {
  await s?.close();
  s = null;
});

async function scanAt(at: Date): Promise<ScopeInventory> {
  const ctx = makeTestContext({
    now: at,
    options: { endpoint: s!.url, pollIntervalMs: 5, accessAdvisor: false },
    env: {
      AWS_ACCESS_KEY_ID: TEST_CALLER.accessKeyId,
      AWS_SECRET_ACCESS_KEY: TEST_CALLER.secretAccessKey,
    },
  });
  const out: ScopeResult[] = [];
  for await (const r of connector.discover(ctx)) out.push(r);
  expect(out.map((r) => r.kind)).toEqual(['inventory']);
  return out[0] as ScopeInventory;
}

const keyIds = (inv: ScopeInventory) =>
  inv.credentials
    .filter((c) => c.type === 'access-key' && !c.attributes.root)
    .map((c) => c.externalId)
    .sort();

describe('a credential report AWS made before the scan', () => {
  it('still finds keys created since (a new user’s and an existing user’s) and loses none', async () => {
    const clock = { now: start };
    s = await startAwsStandIn({ estate: sharedEstate(start), now: () => clock.now });
    const first = await scanAt(start);
    expect(s.requests.byAction.ListAccessKeys).toBe(3); // fresh report: only users with keys

    // One hour later: the report is AWS's cached copy; a backdoor user and key appeared, and
    // alice (no keys in the report) got one.
    clock.now = new Date(start.getTime() + hour);
    const account = s.estate.accounts.find((a) => a.id === SHARED_ACCOUNT)!;
    const created = new Date(start.getTime() + hour / 2).toISOString();
    account.users.push({
      name: 'backdoor',
      createdAt: created,
      accessKeys: [{ id: 'AKIABACKDOOR00000001', status: 'Active', createdAt: created }],
    });
    account.users.find((u) => u.name === 'alice')!.accessKeys = [
      { id: 'AKIAALICENEWKEY00001', status: 'Active', createdAt: created, lastUsedAt: created },
    ];
    s.requests.reset();
    const second = await scanAt(clock.now);

    expect(s.requests.byAction.GenerateCredentialReport).toBe(1);
    expect(keyIds(second)).toEqual(
      [...keyIds(first), 'AKIABACKDOOR00000001', 'AKIAALICENEWKEY00001'].sort(),
    );
    // The stale report is not trusted to say "no keys": every user's keys were listed.
    expect(s.requests.byAction.ListAccessKeys).toBe(18);
    expect(second.gaps.map((g) => g.signal)).toEqual(['access-advisor']); // turned off here
    expect(second.incomplete).toEqual([]);
    // New keys have no report slot: their last use is read per key, not guessed.
    const alice = second.credentials.find((c) => c.externalId === 'AKIAALICENEWKEY00001')!;
    expect(alice).toMatchObject({
      lastUsedKnown: true,
      lastUsedAt: created.replace(/\.\d{3}Z$/, '.000Z'),
    });
    expect(s.requests.byAction.GetAccessKeyLastUsed).toBe(2);
    // Old keys keep the report's last use.
    expect(second.credentials.find((c) => c.externalId === 'AKIASHAREDCIBOT00001')).toMatchObject({
      lastUsedKnown: true,
      attributes: expect.objectContaining({ reportSlot: 1 }),
    });
  });

  it('lists only the users with keys again once a fresh report exists', async () => {
    const clock = { now: start };
    s = await startAwsStandIn({ estate: sharedEstate(start), now: () => clock.now });
    await scanAt(start);
    clock.now = new Date(start.getTime() + 5 * hour); // past AWS's 4 hours: a new report
    s.requests.reset();
    await scanAt(clock.now);
    expect(s.requests.byAction.ListAccessKeys).toBe(3);
  });
});
