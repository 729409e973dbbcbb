/**
 * An answer that is not the document asked for is never an empty estate: an HTML page or
 * another action's XML in a 200 to GetAccountAuthorizationDetails or ListAccessKeys, a JSON
 * object without accounts from Organizations, a redirect elsewhere — each fails the scope (or
 * the run) with one line naming the operation, and nothing is read as "no users" or "no keys".
 */
import { afterEach, describe, expect, it } from 'vitest';
import { connector } from './index.js';
import { startAwsStandIn, type AwsStandIn } from './stand-in/server.js';
import { buildAwsDemoEstate, DEMO_CALLER } from './stand-in/demo.js';
import { SHARED_ACCOUNT, TEST_CALLER, sharedEstate } from './test-support.js';
import { makeTestContext } from '../../src/connector/testing.js';
import { startCanary, type StandInServer } from '../../src/connector/stand-in.js';
import type { ScopeFailure, ScopeResult } from '../../src/connector/index.js';

const now = new Date('2026-11-01T12:00:00Z');
const open: StandInServer[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function standIn(estate = sharedEstate(now)): Promise<AwsStandIn> {
  const s = await startAwsStandIn({ estate, now: () => now });
  open.push(s);
  return s;
}

async function scan(s: AwsStandIn, options: Record<string, unknown> = {}, caller = TEST_CALLER) {
  const ctx = makeTestContext({
    now,
    options: { endpoint: s.url, pollIntervalMs: 5, maxAttempts: 2, ...options },
    env: { AWS_ACCESS_KEY_ID: caller.accessKeyId, AWS_SECRET_ACCESS_KEY: caller.secretAccessKey },
  });
  const out: ScopeResult[] = [];
  for await (const r of connector.discover(ctx)) out.push(r);
  return out;
}

const HTML = {
  body: '<html><body><h1>Welcome to nginx!</h1></body></html>',
  contentType: 'text/html',
};
const LIST_GROUPS =
  '<?xml version="1.0"?><ListGroupsResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ListGroupsResult><Groups/><IsTruncated>false</IsTruncated></ListGroupsResult></ListGroupsResponse>';

const action = (name: string) => new RegExp(`(^|&)Action=${name}(&|$)`);

describe('answers that are not the document asked for', () => {
  it.each([
    ['an HTML page', 'GetAccountAuthorizationDetails', HTML, /got <html>/],
    [
      'another action’s XML',
      'GetAccountAuthorizationDetails',
      { body: LIST_GROUPS, contentType: 'text/xml' },
      /expected <GetAccountAuthorizationDetailsResponse>, got <ListGroupsResponse>/,
    ],
    ['an HTML page', 'ListAccessKeys', HTML, /got <html>/],
    [
      'another action’s XML',
      'ListAccessKeys',
      { body: LIST_GROUPS, contentType: 'text/xml' },
      /expected <ListAccessKeysResponse>/,
    ],
    [
      'the right root without its result',
      'ListAccessKeys',
      {
        body: '<ListAccessKeysResponse><ResponseMetadata/></ListAccessKeysResponse>',
        contentType: 'text/xml',
      },
      /has no <ListAccessKeysResult>/,
    ],
  ])('%s in a 200 to %s fails the scope', async (_what, name, answer, message) => {
    const s = await standIn();
    s.faults.add({ requestBody: action(name), ...answer, times: Infinity });
    const [r] = await scan(s);
    expect(r).toMatchObject({
      kind: 'failure',
      scope: { id: SHARED_ACCOUNT },
      code: 'InvalidResponse',
    });
    expect((r as ScopeFailure).error).toMatch(new RegExp(`^iam:${name}: InvalidResponse`));
    expect((r as ScopeFailure).error).toMatch(message);
  });

  it('an answer with required members missing is not "no keys"', async () => {
    const s = await standIn();
    s.faults.add({
      requestBody: action('ListAccessKeys'),
      body: '<ListAccessKeysResponse><ListAccessKeysResult><IsTruncated>false</IsTruncated></ListAccessKeysResult></ListAccessKeysResponse>',
      contentType: 'text/xml',
      times: Infinity,
    });
    const [r] = await scan(s);
    expect(r).toMatchObject({ kind: 'failure', error: expect.stringMatching(/AccessKeyMetadata/) });
  });

  it('a page marker that comes back twice fails instead of looping or truncating', async () => {
    const s = await standIn();
    const page = (marker: string) =>
      `<ListAccessKeysResponse><ListAccessKeysResult><AccessKeyMetadata/><IsTruncated>true</IsTruncated><Marker>${marker}</Marker></ListAccessKeysResult></ListAccessKeysResponse>`;
    s.faults.add({
      requestBody: action('ListAccessKeys'),
      body: page('again'),
      contentType: 'text/xml',
      times: Infinity,
    });
    const [r] = await scan(s);
    expect(r).toMatchObject({ kind: 'failure', code: 'RepeatedMarker' });
  });

  it('Organizations answering JSON without accounts fails the run: it is not an empty organization', async () => {
    const s = await standIn(buildAwsDemoEstate(now));
    s.faults.add({
      requestHeaders: { 'x-amz-target': /\.ListAccounts$/ },
      body: '{"kind":"something else","items":null}',
      contentType: 'application/x-amz-json-1.1',
    });
    await expect(scan(s, { allAccounts: true }, DEMO_CALLER)).rejects.toMatchObject({
      kind: 'invalid-response',
      message: expect.stringMatching(/^organizations:ListAccounts: InvalidResponse no accounts/),
    });
  });

  it('a redirect to another origin is refused and nothing reaches it', async () => {
    const s = await standIn();
    const canary = await startCanary();
    open.push(canary);
    s.faults.add({
      requestBody: action('GetAccountAuthorizationDetails'),
      redirect: `${canary.url}/`,
      times: Infinity,
    });
    const [r] = await scan(s);
    expect(r).toMatchObject({ kind: 'failure', code: 'OffOrigin' });
    expect(canary.requests).toEqual([]);
  });

  it('an error page that is not AWS’s says so in one line, and 5xx are still retried', async () => {
    const s = await standIn();
    s.faults.add({
      requestBody: action('GetAccountAuthorizationDetails'),
      status: 502,
      ...HTML,
      times: 1,
    });
    const [ok] = await scan(s);
    expect(ok?.kind).toBe('inventory');
    s.faults.add({
      requestBody: action('GetAccountAuthorizationDetails'),
      status: 502,
      ...HTML,
      times: Infinity,
    });
    const [r] = await scan(s);
    expect(r).toMatchObject({
      kind: 'failure',
      code: 'Http502',
      error: expect.stringMatching(/HTTP 502 without an AWS error document \(starts with "<html>/),
    });
  });
});
