/**
 * The connector with the real AWS SDK against the stand-in: what a user of `nhi scan` would
 * notice — complete inventories across pages, retries that work, denied calls as "not
 * evaluated" gaps, one broken account not sinking the others, and no secret in any output.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { connector } from './index.js';
import { startAwsStandIn, type AwsStandIn } from './stand-in/server.js';
import type { AwsEstate } from './stand-in/estate.js';
import { SHARED_ACCOUNT, TEST_CALLER, sharedEstate } from './test-support.js';
import { buildAwsDemoEstate, DEMO_CALLER } from './stand-in/demo.js';
import { COMPANY } from '../../fixtures/demo/company.js';
import { makeTestContext, type TestContext } from '../../src/connector/testing.js';
import { UserError } from '../../src/connector/index.js';
import type { ScopeFailure, ScopeInventory, ScopeResult } from '../../src/model/index.js';

const now = new Date('2026-11-01T12:00:00Z');
const env = {
  AWS_ACCESS_KEY_ID: TEST_CALLER.accessKeyId,
  AWS_SECRET_ACCESS_KEY: TEST_CALLER.secretAccessKey,
};
const demoEnv = {
  AWS_ACCESS_KEY_ID: DEMO_CALLER.accessKeyId,
  AWS_SECRET_ACCESS_KEY: DEMO_CALLER.secretAccessKey,
};

let standIn: AwsStandIn | null = null;
afterEach(async () => {
  await standIn?.close();
  standIn = null;
});

async function start(
  estate: AwsEstate,
  extra: Partial<Parameters<typeof startAwsStandIn>[0]> = {},
): Promise<AwsStandIn> {
  standIn = await startAwsStandIn({ estate, now: () => now, ...extra });
  return standIn;
}

function ctxFor(
  s: AwsStandIn,
  options: Record<string, unknown> = {},
  e: Record<string, string> = env,
): TestContext {
  return makeTestContext({
    now,
    options: { endpoint: s.url, maxAttempts: 3, pollIntervalMs: 5, ...options },
    env: e,
  });
}

async function scan(ctx: TestContext): Promise<ScopeResult[]> {
  const out: ScopeResult[] = [];
  for await (const r of connector.discover(ctx)) out.push(r);
  return out;
}

function only(results: ScopeResult[]): ScopeInventory {
  expect(results).toHaveLength(1);
  expect(results[0]!.kind).toBe('inventory');
  return results[0] as ScopeInventory;
}

/** A stable picture of an inventory, for comparing two scans. */
function fingerprint(inv: ScopeInventory) {
  return {
    identities: inv.identities.map((i) => `${i.kind}:${i.externalId}:${i.lastUsedAt}`).sort(),
    credentials: inv.credentials.map((c) => `${c.externalId}:${c.status}:${c.lastUsedAt}`).sort(),
    grants: inv.grants.map((g) => `${g.externalId}:${g.privilege}:${g.lastUsedAt}`).sort(),
  };
}

describe('demo estate (Orbital Freight, four accounts)', () => {
  it('inventories every account of the organization with the stories the demo tells', async () => {
    const s = await start(buildAwsDemoEstate(now));
    const results = await scan(ctxFor(s, { allAccounts: true }, demoEnv));
    expect(results.map((r) => [r.kind, r.scope.id, r.scope.name]).sort()).toEqual(
      Object.values(COMPANY.aws)
        .map((a) => ['inventory', a.id, a.name])
        .sort(),
    );
    const invs = results as ScopeInventory[];
    const all = invs.flatMap((i) => i.credentials);
    expect(all.filter((c) => c.type === 'access-key').length).toBeGreaterThanOrEqual(60);
    expect(invs.every((i) => i.gaps.length === 0)).toBe(true);

    const prod = invs.find((i) => i.scope.id === COMPANY.aws.prod.id)!;
    const user = (name: string) =>
      prod.identities.find((i) => i.kind === 'user' && i.name === name)!;
    const keysOf = (name: string) =>
      prod.credentials.filter(
        (c) => c.type === 'access-key' && c.identityExternalId === user(name).externalId,
      );
    expect(keysOf('ci-deployer').map((k) => k.status)).toEqual(['active', 'active']);
    expect(keysOf('legacy-reporting').map((k) => k.status)).toEqual(['inactive']);
    expect(keysOf('payments-batch')[0]).toMatchObject({ lastUsedKnown: true, lastUsedAt: null });
    expect(user('svc-admin-emergency').attributes).toMatchObject({
      consolePassword: true,
      mfaActive: false,
    });
    const role = (name: string) =>
      prod.identities.find((i) => i.kind === 'role' && i.name === name)!;
    expect(role('github-actions-deploy').attributes.oidcWithoutSubCondition).toBe(true);
    expect(role('partner-logistics-access').attributes.externalAccountsWithoutExternalId).toEqual([
      '777788889999',
    ]);
    expect(role('datadog-integration').attributes.hasExternalIdCondition).toBe(true);
    expect(role('AWSServiceRoleForRDS').attributes.serviceLinked).toBe(true);
    // terraform-prod is admin but only touched four services: the rest of "*" is unused.
    const tf = prod.grants.filter(
      (g) => g.identityExternalId === user('terraform-prod').externalId,
    );
    expect(tf).toEqual([
      expect.objectContaining({ permission: '*', privilege: 'admin', lastUsedKnown: true }),
    ]);

    const staging = invs.find((i) => i.scope.id === COMPANY.aws.staging.id)!;
    const root = staging.identities.find((i) => i.kind === 'root')!;
    expect(staging.credentials.filter((c) => c.identityExternalId === root.externalId)).toEqual([
      expect.objectContaining({
        type: 'access-key',
        status: 'active',
        attributes: expect.objectContaining({ root: true }),
      }),
    ]);
  });

  it('startDemo returns options and env that scan the demo without any real credentials', async () => {
    const demo = await connector.startDemo(now);
    try {
      expect(demo.options).toMatchObject({
        allAccounts: true,
        endpoint: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      });
      const results = await scan(makeTestContext({ now, options: demo.options, env: demo.env }));
      expect(results.filter((r) => r.kind === 'inventory')).toHaveLength(4);
    } finally {
      await demo.close();
    }
  });
});

describe('bulk reads and pagination', () => {
  it('follows Marker pages (small MaxItems) to the same inventory as one big page', async () => {
    const s = await start(sharedEstate(now));
    const big = only(await scan(ctxFor(s)));
    s.requests.reset();
    const paged = only(await scan(ctxFor(s, { pageSize: 2 })));
    expect(fingerprint(paged)).toEqual(fingerprint(big));
    expect(s.requests.byAction.GetAccountAuthorizationDetails).toBeGreaterThan(10);
    expect(paged.identities.filter((i) => i.kind === 'user')).toHaveLength(17);
  });

  it('calls ListAccessKeys only for users the credential report shows with keys', async () => {
    const s = await start(sharedEstate(now));
    only(await scan(ctxFor(s)));
    // 17 users, 3 with keys (ci-bot, deployer, admin-bot): no N+1.
    expect(s.requests.byAction.ListAccessKeys).toBe(3);
    expect(s.requests.byAction.GetAccessKeyLastUsed).toBeUndefined();
  });

  it('waits while the credential report is being generated (ReportInProgress)', async () => {
    const s = await start(sharedEstate(now), { reportPendingPolls: 2 });
    const inv = only(await scan(ctxFor(s)));
    expect(s.requests.byAction.GetCredentialReport).toBe(3);
    expect(
      inv.credentials.filter((c) => c.type === 'access-key').every((c) => c.lastUsedKnown),
    ).toBe(true);
    expect(inv.gaps).toEqual([]);
  });

  it('waits for Access Advisor jobs that are still IN_PROGRESS', async () => {
    const s = await start(sharedEstate(now), { advisorPendingPolls: 1 });
    const inv = only(await scan(ctxFor(s)));
    const ciBot = inv.identities.find((i) => i.name === 'ci-bot')!;
    expect(inv.grants.find((g) => g.identityExternalId === ciBot.externalId)).toMatchObject({
      lastUsedKnown: true,
      lastUsedAt: expect.any(String),
    });
  });

  it('reports progress per account and phase', async () => {
    const s = await start(sharedEstate(now));
    const ctx = ctxFor(s);
    only(await scan(ctx));
    const phases = new Set(
      ctx.progressEvents.filter((p) => p.scope === SHARED_ACCOUNT).map((p) => p.phase),
    );
    expect([...phases]).toEqual(
      expect.arrayContaining([
        'credential-report',
        'authorization-details',
        'access-keys',
        'access-advisor',
      ]),
    );
    const last = ctx.progressEvents.filter((p) => p.phase === 'access-advisor').at(-1)!;
    expect(last.done).toBe(last.total);
  });
});

describe('faults', () => {
  it('retries throttling and 503s and still returns the full inventory', async () => {
    const s = await start(sharedEstate(now));
    const clean = only(await scan(ctxFor(s)));
    s.requests.reset();
    s.faults.add({ action: 'GetAccountAuthorizationDetails', kind: 'Throttling', times: 1 });
    s.faults.add({ action: 'ListAccessKeys', kind: 'ServiceUnavailable', times: 2 });
    // standard mode: the same retries without adaptive mode's client-side slow-down after throttling
    const inv = only(await scan(ctxFor(s, { retryMode: 'standard' })));
    expect(fingerprint(inv)).toEqual(fingerprint(clean));
    expect(s.requests.byAction.GetAccountAuthorizationDetails).toBe(2);
    expect(s.requests.byAction.ListAccessKeys).toBe(5);
  });

  it('turns a denied Access Advisor into a gap naming the permission; grants become "not evaluated"', async () => {
    const s = await start(sharedEstate(now));
    s.faults.add({ action: 'GenerateServiceLastAccessedDetails', kind: 'AccessDenied' });
    const inv = only(await scan(ctxFor(s)));
    expect(inv.gaps).toEqual([
      expect.objectContaining({
        signal: 'access-advisor',
        code: 'AccessDenied',
        fix: expect.stringContaining('iam:GenerateServiceLastAccessedDetails'),
      }),
    ]);
    expect(inv.grants.length).toBeGreaterThan(0);
    expect(inv.grants.every((g) => g.lastUsedKnown === false)).toBe(true);
    expect(inv.credentials.filter((c) => c.type === 'access-key')).toHaveLength(4);
    // One denial stops the remaining jobs rather than hammering a denied API per principal.
    expect(s.requests.byAction.GenerateServiceLastAccessedDetails).toBeLessThanOrEqual(8);
  });

  it('marks what a denied listing hid as incomplete, so the catalog keeps it', async () => {
    const s = await start(sharedEstate(now));
    const clean = only(await scan(ctxFor(s)));
    expect(clean.incomplete).toEqual([]);
    s.faults.add({ action: 'ListAccessKeys', kind: 'AccessDenied' });
    s.faults.add({ action: 'GetAccountAuthorizationDetails', kind: 'AccessDenied' });
    const inv = only(await scan(ctxFor(s)));
    expect(inv.gaps.map((g) => g.signal)).toEqual(
      expect.arrayContaining(['access-keys', 'authorization-details']),
    );
    expect(inv.incomplete).toEqual(expect.arrayContaining(['credentials', 'grants']));
    expect(inv.incomplete).not.toContain('identities');
  });

  it('falls back to List* calls when GetAccountAuthorizationDetails is denied', async () => {
    const s = await start(sharedEstate(now));
    s.faults.add({ action: 'GetAccountAuthorizationDetails', kind: 'AccessDenied' });
    const inv = only(await scan(ctxFor(s)));
    expect(inv.gaps.map((g) => [g.signal, g.fix])).toEqual([
      ['authorization-details', 'iam:GetAccountAuthorizationDetails'],
    ]);
    expect(inv.identities.filter((i) => i.kind === 'user')).toHaveLength(17);
    expect(
      inv.identities.filter((i) => i.kind === 'role').every((r) => r.lastUsedKnown === false),
    ).toBe(true);
    expect(inv.credentials.filter((c) => c.type === 'access-key')).toHaveLength(4);
    expect(inv.grants).toEqual([]);
  });

  it('reads key last use per key when the credential report is denied', async () => {
    const s = await start(sharedEstate(now));
    s.faults.add({ action: 'GenerateCredentialReport', kind: 'AccessDenied' });
    const inv = only(await scan(ctxFor(s)));
    expect(inv.gaps.map((g) => g.signal)).toEqual(['credential-report']);
    const ciKey = inv.credentials.find((c) => c.externalId === 'AKIASHAREDCIBOT00001')!;
    expect(ciKey).toMatchObject({
      lastUsedKnown: true,
      lastUsedAt: '2026-10-30T12:00:00.000Z',
      attributes: expect.objectContaining({ lastUsedService: 's3' }),
    });
    expect(s.requests.byAction.ListAccessKeys).toBe(17); // no report: every user is asked
    expect(s.requests.byAction.GetAccessKeyLastUsed).toBe(4);
  });

  it('fails the scope (not a partial inventory) when identities cannot be read at all', async () => {
    const s = await start(sharedEstate(now));
    s.faults.add({ action: 'GetAccountAuthorizationDetails', kind: 'ServiceUnavailable' });
    const [r] = await scan(ctxFor(s, { maxAttempts: 2 }));
    expect(r).toMatchObject({
      kind: 'failure',
      scope: { id: SHARED_ACCOUNT },
      code: 'ServiceUnavailable',
    });
  });

  it('names the role and the place when a payload is garbage, failing only that account', async () => {
    const estate = sharedEstate(now);
    estate.accounts[0]!.roles[0]!.trustPolicy = {
      Statement: [{ Effect: 'Maybe', Action: 'sts:AssumeRole' }],
    };
    const s = await start(estate);
    const [r] = await scan(ctxFor(s));
    expect(r).toMatchObject({ kind: 'failure', scope: { id: SHARED_ACCOUNT } });
    expect((r as ScopeFailure).error).toMatch(/role partner-access trust policy.*Statement/);
  });
});

describe('multi-account', () => {
  it('records a ScopeFailure for an account whose role cannot be assumed and finishes the others', async () => {
    const estate = buildAwsDemoEstate(now);
    const prod = estate.accounts.find((a) => a.id === COMPANY.aws.prod.id)!;
    prod.roles = prod.roles.filter((r) => r.name !== 'OrganizationAccountAccessRole');
    const s = await start(estate);
    const results = await scan(ctxFor(s, { allAccounts: true }, demoEnv));
    const failure = results.find((r) => r.kind === 'failure') as ScopeFailure;
    expect(failure).toMatchObject({
      scope: { id: COMPANY.aws.prod.id, name: COMPANY.aws.prod.name },
      code: 'AccessDenied',
    });
    expect(failure.error).toMatch(/could not assume OrganizationAccountAccessRole/);
    expect(
      results
        .filter((r) => r.kind === 'inventory')
        .map((r) => r.scope.id)
        .sort(),
    ).toEqual([COMPANY.aws.management.id, COMPANY.aws.staging.id, COMPANY.aws.sandbox.id].sort());
  });

  it('streams each account as it finishes and honours the accounts limit', async () => {
    const s = await start(buildAwsDemoEstate(now));
    // Every request in staging answers late (a fault cannot tell accounts apart).
    s.accountLatencyMs[COMPANY.aws.staging.id] = 40;
    const ids = [COMPANY.aws.staging.id, COMPANY.aws.sandbox.id];
    const results = await scan(ctxFor(s, { allAccounts: true, accounts: ids }, demoEnv));
    expect(results.map((r) => r.scope.id)).toEqual([
      COMPANY.aws.sandbox.id,
      COMPANY.aws.staging.id,
    ]);
  });

  it('passes the ExternalId and role name options to AssumeRole', async () => {
    const estate = buildAwsDemoEstate(now);
    const sandbox = estate.accounts.find((a) => a.id === COMPANY.aws.sandbox.id)!;
    sandbox.roles.push({
      name: 'nhi-reader',
      createdAt: now.toISOString(),
      trustPolicy: {
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: `arn:aws:iam::${COMPANY.aws.management.id}:root` },
            Action: 'sts:AssumeRole',
            Condition: { StringEquals: { 'sts:ExternalId': 'xid-42' } },
          },
        ],
      },
    });
    const s = await start(estate);
    const opts = { accounts: [COMPANY.aws.sandbox.id], roleName: 'nhi-reader' };
    const [denied] = await scan(ctxFor(s, opts, demoEnv));
    expect(denied!.kind).toBe('failure');
    const [ok] = await scan(ctxFor(s, { ...opts, externalId: 'xid-42' }, demoEnv));
    expect(ok).toMatchObject({
      kind: 'inventory',
      scope: { id: COMPANY.aws.sandbox.id, name: 'orbital-sandbox' },
    });
  });

  it('scans only the caller account, with a gap, when Organizations is not readable', async () => {
    const s = await start(sharedEstate(now)); // not in an organization
    const inv = only(await scan(ctxFor(s, { allAccounts: true })));
    expect(inv.scope.id).toBe(SHARED_ACCOUNT);
    expect(inv.gaps.map((g) => g.signal)).toContain('organizations');
  });
});

describe('configuration and secrets', () => {
  it('reads the standard endpoint variables from ctx.env (never process.env)', async () => {
    const s = await start(sharedEstate(now));
    const ctx = makeTestContext({
      now,
      options: { pollIntervalMs: 5 },
      env: { ...env, AWS_ENDPOINT_URL: s.url },
    });
    expect(only(await scan(ctx)).scope.id).toBe(SHARED_ACCOUNT);
  });

  it('rejects bad options and bad credentials with a one-line user error', async () => {
    const s = await start(sharedEstate(now));
    await expect(scan(ctxFor(s, { concurrency: 'lots' }))).rejects.toThrow(UserError);
    await expect(
      scan(
        ctxFor(s, {}, { AWS_ACCESS_KEY_ID: 'AKIAUNKNOWN000000000', AWS_SECRET_ACCESS_KEY: 'x' }),
      ),
    ).rejects.toThrow(/credentials were not found or were rejected/);
  });

  it('puts no secret value in results, logs or progress', async () => {
    const s = await start(buildAwsDemoEstate(now));
    const ctx = ctxFor(s, { allAccounts: true }, demoEnv);
    const results = await scan(ctx);
    const text = JSON.stringify({ results, debug: ctx.debugLines, progress: ctx.progressEvents });
    expect(text).not.toContain(DEMO_CALLER.secretAccessKey);
    expect(text).not.toMatch(/SecretAccessKey|SessionToken/i);
    expect(text).toContain(DEMO_CALLER.accessKeyId); // the key id is metadata, and is there
  });

  it('doctor reports the identity and one check per probe, naming the missing permission', async () => {
    const s = await start(buildAwsDemoEstate(now));
    s.faults.add({ action: 'GetAccountAuthorizationDetails', kind: 'AccessDenied' });
    const report = await connector.doctor(ctxFor(s, { allAccounts: true }, demoEnv));
    expect(report).toMatchObject({
      provider: 'aws',
      authenticated: true,
      identity: DEMO_CALLER.arn,
    });
    const byName = Object.fromEntries(report.checks.map((c) => [c.name, c]));
    expect(byName['credential report']!.ok).toBe(true);
    expect(byName['authorization details']).toMatchObject({
      ok: false,
      detail: expect.stringContaining('iam:GetAccountAuthorizationDetails'),
    });
    expect(byName['access advisor']!.ok).toBe(true);
    expect(byName.organizations).toMatchObject({
      ok: true,
      detail: expect.stringContaining('4 active accounts'),
    });
    const bad = await connector.doctor(
      ctxFor(s, {}, { AWS_ACCESS_KEY_ID: 'AKIAUNKNOWN000000000', AWS_SECRET_ACCESS_KEY: 'x' }),
    );
    expect(bad.authenticated).toBe(false);
  });
});
