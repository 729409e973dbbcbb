/**
 * Service-specific credentials (issue 14): every user's Bedrock API keys, CodeCommit and
 * Keyspaces credentials are inventoried with their status, dates and the handle the console
 * shows; a denied listing is its own gap, and what it hid is never marked removed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { connector } from './index.js';
import { startAwsStandIn, type AwsStandIn } from './stand-in/server.js';
import { buildAwsDemoEstate, DEMO_CALLER } from './stand-in/demo.js';
import { COMPANY } from '../../fixtures/demo/company.js';
import { makeTestContext } from '../../src/connector/testing.js';
import type { ScopeInventory, ScopeResult } from '../../src/connector/index.js';

const now = new Date('2026-11-01T12:00:00Z');
const prod = COMPANY.aws.prod.id;
let s: AwsStandIn | null = null;
afterEach(async () => {
  await s?.close();
  s = null;
});

async function scanProd(options: Record<string, unknown> = {}): Promise<ScopeInventory> {
  s ??= await startAwsStandIn({ estate: buildAwsDemoEstate(now), now: () => now });
  const ctx = makeTestContext({
    now,
    options: { endpoint: s.url, accounts: [prod], accessAdvisor: false, ...options },
    env: {
      AWS_ACCESS_KEY_ID: DEMO_CALLER.accessKeyId,
      AWS_SECRET_ACCESS_KEY: DEMO_CALLER.secretAccessKey,
    },
  });
  const out: ScopeResult[] = [];
  for await (const r of connector.discover(ctx)) out.push(r);
  expect(out.map((r) => r.kind)).toEqual(['inventory']);
  return out[0] as ScopeInventory;
}

const day = 86_400_000;
const iso = (offsetDays: number) => new Date(now.getTime() + offsetDays * day).toISOString();

describe('service-specific credentials', () => {
  it('lists Bedrock API keys (long-term and expiring) and CodeCommit credentials as they are', async () => {
    const inv = await scanProd();
    const ssc = inv.credentials.filter((c) => c.type === 'service-specific-credential');
    const user = (name: string) =>
      inv.identities.find((i) => i.kind === 'user' && i.name === name)!;
    const of = (name: string) => ssc.filter((c) => c.identityExternalId === user(name).externalId);
    const [longTerm] = of('ml-inference');
    expect(longTerm).toMatchObject({
      status: 'active',
      createdAt: iso(-220),
      expiresAt: null, // a Bedrock API key that never expires
      lastUsedKnown: false, // IAM records no last use for these: unknown, never "never used"
      attributes: {
        service: 'bedrock.amazonaws.com',
        handle: expect.stringMatching(/^ml-inference\+1-\d{8}$/),
        userName: 'ml-inference',
      },
    });
    expect(longTerm!.externalId).toMatch(/^ACCA[A-Z2-7]{16}$/);
    expect(of('ml-eval')).toEqual([
      expect.objectContaining({ status: 'active', expiresAt: iso(20), createdAt: iso(-10) }),
    ]);
    expect(
      of('release-mirror')
        .map((c) => [c.status, c.attributes.service, c.attributes.handle])
        .sort(),
    ).toEqual([
      ['active', 'codecommit.amazonaws.com', `release-mirror-at-${prod}`],
      ['inactive', 'codecommit.amazonaws.com', `release-mirror-at-${prod}`],
    ]);
    // One call per user (the SDK's own paginator shape), no more.
    expect(s!.requests.byAction.ListServiceSpecificCredentials).toBe(
      inv.identities.filter((i) => i.kind === 'user').length,
    );
    // Access keys carry the handle a person finds them by: the key id.
    const key = inv.credentials.find((c) => c.type === 'access-key' && !c.attributes.root)!;
    expect(key.attributes.handle).toBe(key.externalId);
  });

  it('a denied listing is its own gap; the credentials it hid are kept, not removed', async () => {
    s = await startAwsStandIn({ estate: buildAwsDemoEstate(now), now: () => now });
    s.faults.add({ action: 'ListServiceSpecificCredentials', kind: 'AccessDenied' });
    const inv = await scanProd();
    expect(inv.gaps).toEqual([
      expect.objectContaining({ signal: 'access-advisor' }),
      expect.objectContaining({
        signal: 'service-specific-credentials',
        code: 'AccessDenied',
        fix: 'iam:ListServiceSpecificCredentials',
      }),
    ]);
    expect(inv.incomplete).toEqual(['credentials']);
    expect(inv.credentials.filter((c) => c.type === 'service-specific-credential')).toEqual([]);
    expect(inv.credentials.filter((c) => c.type === 'access-key').length).toBeGreaterThan(10);
    // One denial stops the listing instead of asking for every user.
    expect(s.requests.byAction.ListServiceSpecificCredentials).toBeLessThanOrEqual(8);
  });

  it('can be turned off, which says so in a gap', async () => {
    const inv = await scanProd({ serviceCredentials: false });
    expect(inv.gaps.find((g) => g.signal === 'service-specific-credentials')).toMatchObject({
      fix: 'set aws.serviceCredentials to true',
    });
    expect(s!.requests.byAction.ListServiceSpecificCredentials).toBeUndefined();
  });
});
