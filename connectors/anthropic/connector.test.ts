/**
 * The connector end to end over HTTP against its stand-in (real wire, no mocks), and the
 * faults every connector must survive: a scope that cannot be read fails alone, an answer
 * that is not the document asked for is never an empty estate, nothing leaves the origin,
 * nothing hangs.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { makeTestContext } from '../../src/connector/testing.js';
import { startCanary, startFaultProxy, type StandInServer } from '../../src/connector/stand-in.js';
import type { ScopeResult } from '../../src/connector/index.js';
import { connector } from './index.js';
import { connect, demoEstate, startAnthropicStandIn } from './stand-in/index.js';

const NOW = new Date('2026-11-01T12:00:00Z');
const open: StandInServer[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function standIn() {
  const s = await startAnthropicStandIn({ estate: demoEstate(NOW), now: () => NOW });
  open.push(s);
  return s;
}

async function scan(target: { url: string; token: string }, options: Record<string, unknown> = {}) {
  const c = connect(target);
  const results: ScopeResult[] = [];
  const ctx = makeTestContext({ now: NOW, env: c.env, options: { ...c.options, ...options } });
  for await (const r of connector.discover(ctx)) results.push(r);
  return results;
}

describe('anthropic connector', () => {
  it('inventories every page of service accounts and keys through the real protocol', async () => {
    const s = await standIn();
    const [r] = await scan(s);
    expect(r).toMatchObject({ kind: 'inventory', scope: { id: 'orbital-prod' } });
    if (r?.kind !== 'inventory') throw new Error('expected an inventory');
    expect(r.identities.map((i) => i.name).sort()).toEqual(['ci-deployer', 'legacy-export']);
    expect(r.credentials.map((c) => c.externalId).sort()).toEqual([
      'key-ci-7f3a',
      'key-ci-91be',
      'key-lx-0c11',
    ]);
    expect(r.gaps).toEqual([]);
  });

  it('a denied key listing is a gap naming the account, and its keys are never marked removed', async () => {
    const s = await standIn();
    s.estate.projects[0]!.serviceAccounts[1]!.keysDenied = true;
    const [r] = await scan(s);
    if (r?.kind !== 'inventory') throw new Error('expected an inventory');
    expect(r.gaps).toEqual([
      expect.objectContaining({
        signal: 'service-account-keys',
        code: '403',
        message: expect.stringContaining('(1: legacy-export)'),
        fix: 'the keys:read permission on the project',
      }),
    ]);
    expect(r.incomplete).toEqual(['credentials']);
  });

  it('an answer that is not the document asked for fails the scope; it is never "no keys"', async () => {
    const s = await standIn();
    const proxy = await startFaultProxy(s.url);
    open.push(proxy);
    proxy.faults.add({
      path: '/service-accounts',
      body: '<html><body>Service Unavailable</body></html>',
      contentType: 'text/html',
    });
    const [r] = await scan({ url: proxy.url, token: s.token });
    expect(r).toMatchObject({ kind: 'failure', error: expect.stringMatching(/not JSON/) });
  });

  it('retries throttling and 5xx, then succeeds', async () => {
    const s = await standIn();
    s.faults.add({ path: '/keys', status: 429, retryAfter: 0, times: 2 });
    s.faults.add({ path: '/keys', status: 503, times: 1 });
    const [r] = await scan(s);
    expect(r?.kind).toBe('inventory');
  });

  it('a request that never gets an answer times out with one line naming the endpoint', async () => {
    const s = await standIn();
    s.faults.add({ path: '/service-accounts', hang: true, times: Infinity });
    const [r] = await scan(s, { timeoutMs: 200, maxAttempts: 1 });
    expect(r).toMatchObject({
      kind: 'failure',
      error: `GET ${s.url}/v1/projects/orbital-prod/service-accounts: Timeout no answer within 0.2 s`,
    });
  });

  it('never follows a redirect to another origin, so the token stays home', async () => {
    const s = await standIn();
    const canary = await startCanary();
    open.push(canary);
    s.faults.add({ path: '/service-accounts', redirect: `${canary.url}/v1/steal` });
    const [r] = await scan(s);
    expect(r).toMatchObject({ kind: 'failure', code: 'OffOrigin' });
    expect(canary.requests).toEqual([]);
  });

  it('missing credentials are a user error before any request', async () => {
    const s = await standIn();
    const ctx = makeTestContext({ options: { baseUrl: s.url }, env: {} });
    await expect(connector.discover(ctx)[Symbol.asyncIterator]().next()).rejects.toThrow(
      'anthropic: no credentials (set ANTHROPIC_API_TOKEN)',
    );
    expect(s.requests).toEqual([]);
  });
});
