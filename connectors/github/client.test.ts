/**
 * The transport rules, with the real Octokit against the stand-in: nothing leaves the API
 * origin (redirects, `Link: rel="next"` pages), every request has a timeout, GitHub's primary
 * and secondary rate limits and Retry-After are waited out (and pause the client's other
 * requests), writes are spaced, and an answer that is not the document asked for is an error.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { makeTestContext } from '../../src/connector/testing.js';
import { ApiError } from '../../src/connector/index.js';
import { peakInFlight, startCanary, type StandInServer } from '../../src/connector/stand-in.js';
import { GitHubClient, resolveSettings } from './client.js';
import { DeployKeySchema, RepoSchema, list } from './schema.js';
import { primaryLimit, secondaryLimit } from './stand-in/faults.js';
import { startGitHubStandIn, type GitHubStandIn } from './stand-in/server.js';
import { syntheticOrg } from './stand-in/synthetic.js';

const TOKEN = 'ghs_clientTestToken0000000000000000000000';
const open: StandInServer[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function standIn(repos = 3): Promise<GitHubStandIn> {
  const s = await startGitHubStandIn({
    estate: { orgs: [syntheticOrg({ login: 'acme', repos, every: 1 })] },
  });
  open.push(s);
  return s;
}

async function canary(): Promise<StandInServer> {
  const c = await startCanary();
  open.push(c);
  return c;
}

function client(s: { url: string }, options: Record<string, unknown> = {}) {
  const ctx = makeTestContext({
    options: { orgs: ['acme'], apiUrl: s.url, ...options },
    env: { GITHUB_TOKEN: TOKEN },
  });
  return { ctx, open: () => GitHubClient.open(resolveSettings(ctx), 'acme', ctx) };
}

const REPOS = list(RepoSchema);
const KEYS = list(DeployKeySchema);
const keysOf = (c: GitHubClient, repo = 'repo-0001') =>
  c.list('GET /repos/{owner}/{repo}/keys', { owner: 'acme', repo }, KEYS);

describe('origin pinning', () => {
  it('refuses a `Link: rel="next"` page on another origin: no request, no token goes there', async () => {
    const s = await standIn(105);
    const foreign = await canary();
    s.faults.add({ path: '/orgs/acme/repos', foreignLinks: foreign.url });
    const c = await client(s).open();
    const err = await c
      .list('GET /orgs/{org}/repos', { org: 'acme' }, REPOS)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ kind: 'off-origin' });
    expect((err as Error).message).toContain(new URL(foreign.url).origin);
    expect(foreign.requests).toEqual([]);
  });

  it('refuses a redirect to another origin; it is never taken for "denied"', async () => {
    const s = await standIn();
    const foreign = await canary();
    s.faults.add({ path: '/keys', redirect: `${foreign.url}/steal`, times: Infinity });
    const c = await client(s).open();
    await expect(keysOf(c)).rejects.toMatchObject({ kind: 'off-origin', code: 'OffOrigin' });
    expect(foreign.requests).toEqual([]);
  });

  it('follows a same-origin redirect (a renamed repository) and pages within the origin', async () => {
    const s = await standIn(105);
    s.faults.add({
      path: '/repos/acme/old-name/keys',
      redirect: `${s.url}/repos/acme/repo-0001/keys`,
    });
    const c = await client(s).open();
    expect(await keysOf(c, 'old-name')).toHaveLength(1);
    expect(await c.list('GET /orgs/{org}/repos', { org: 'acme' }, REPOS)).toHaveLength(105);
  });
});

describe('answers', () => {
  it.each([
    ['HTML', { body: '<html>Welcome</html>', contentType: 'text/html' }, /not JSON/],
    ['another document', { body: { kind: 'something else' } }, /expected array/],
    ['a truncated body', { truncate: true }, /./],
  ])('%s fails as an error, never as an empty list', async (_what, fault, message) => {
    const s = await standIn();
    s.faults.add({ path: '/keys', times: Infinity, ...fault });
    const c = await client(s, { maxAttempts: 2, retryAfterBaseValue: 1 }).open();
    const err = await keysOf(c).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as Error).message).toMatch(message);
  });

  it('times out a request that never gets an answer, naming the endpoint, after its retries', async () => {
    const s = await standIn();
    s.faults.add({ path: '/keys', hang: true, times: Infinity });
    const c = await client(s, { timeoutMs: 200, maxAttempts: 2, retryAfterBaseValue: 1 }).open();
    const started = Date.now();
    await expect(keysOf(c)).rejects.toMatchObject({
      kind: 'timeout',
      message: expect.stringMatching(/\/repos\/acme\/repo-0001\/keys.*no answer within 0\.2 s/),
    });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(s.requests.filter((r) => r.path.endsWith('/keys'))).toHaveLength(2);
  });
});

describe('rate limits (retryAfterBaseValue: 50 ms per GitHub second)', () => {
  /** When each request to `path` arrived, in ms from the first. */
  const arrivals = (s: GitHubStandIn, path: string) => {
    const times = s.requests.filter((r) => r.path === path).map((r) => r.startedAt);
    return times.map((t) => t - times[0]!);
  };

  it('a primary limit waits for x-ratelimit-reset (plus a second) before the retry', async () => {
    const s = await standIn();
    s.faults.add(primaryLimit({ path: '/repos/acme/repo-0001/keys', resetIn: 9 }));
    const { ctx, open: openClient } = client(s, { retryAfterBaseValue: 50 });
    const c = await openClient();
    expect(await keysOf(c)).toHaveLength(1);
    // The reset is 8–9 s away, plus one: at least 9 GitHub seconds, i.e. 450 ms here.
    const [, retry] = arrivals(s, '/repos/acme/repo-0001/keys');
    expect(retry).toBeGreaterThanOrEqual(450);
    expect(ctx.debugLines.join('\n')).toMatch(/primary rate limit/);
  });

  it('a secondary limit waits for retry-after, and the client sends nothing else meanwhile', async () => {
    const s = await standIn();
    s.faults.add(secondaryLimit({ path: '/repos/acme/repo-0001/keys', retryAfter: 4 }));
    const { ctx, open: openClient } = client(s, { retryAfterBaseValue: 50 });
    const c = await openClient();
    const first = keysOf(c, 'repo-0001');
    // Asked once the client has seen the limit: it waits too.
    while (!ctx.debugLines.some((l) => /secondary rate limit/.test(l)))
      await new Promise((r) => setTimeout(r, 5));
    const second = keysOf(c, 'repo-0002');
    await Promise.all([first, second]);
    const limited = s.requests.find((r) => r.status === 403)!;
    const after = s.requests.filter((r) => r.startedAt > limited.startedAt);
    expect(after.map((r) => r.path).sort()).toEqual([
      '/repos/acme/repo-0001/keys',
      '/repos/acme/repo-0002/keys',
    ]);
    // Nothing was sent within retry-after (4 × 50 ms) of the limit's answer.
    for (const r of after) expect(r.startedAt - limited.endedAt).toBeGreaterThanOrEqual(200);
  });

  it('a 429 with Retry-After (and no other hint) is waited out too', async () => {
    const s = await standIn();
    s.faults.add({ path: '/repos/acme/repo-0001/keys', status: 429, retryAfter: 8 });
    const c = await client(s, { retryAfterBaseValue: 50 }).open();
    expect(await keysOf(c)).toHaveLength(1);
    expect(arrivals(s, '/repos/acme/repo-0001/keys')[1]).toBeGreaterThanOrEqual(400);
  });

  it('gives up after maxAttempts with a one-line throttling error', async () => {
    const s = await standIn();
    s.faults.add(secondaryLimit({ path: '/keys', retryAfter: 0, times: Infinity }));
    const c = await client(s, { retryAfterBaseValue: 1, maxAttempts: 3 }).open();
    await expect(keysOf(c)).rejects.toMatchObject({
      kind: 'throttled',
      message: expect.stringMatching(
        /^GET \/repos\/acme\/repo-0001\/keys: 403 secondary rate limit/,
      ),
    });
    expect(s.requests.filter((r) => r.path.endsWith('/keys'))).toHaveLength(3);
  });

  it('a plain 403 is a denial, not a rate limit: no retry', async () => {
    const s = await standIn();
    s.faults.add({ path: '/keys', status: 403, times: Infinity });
    const c = await client(s, { retryAfterBaseValue: 1 }).open();
    await expect(keysOf(c)).rejects.toMatchObject({ kind: 'denied', code: '403' });
    expect(s.requests.filter((r) => r.path.endsWith('/keys'))).toHaveLength(1);
  });
});

describe('concurrency and writes', () => {
  it('keeps at most `concurrency` requests in flight', async () => {
    const s = await standIn(12);
    s.latencyMs = 20;
    const c = await client(s, { concurrency: 3 }).open();
    await Promise.all(
      Array.from({ length: 12 }, (_, i) => keysOf(c, `repo-${String(i).padStart(4, '0')}`)),
    );
    expect(peakInFlight(s.requests)).toBe(3);
  });

  it('spaces writes a second apart, as GitHub asks', async () => {
    const s = await standIn(2);
    const c = await client(s).open();
    await Promise.all(
      ['repo-0000', 'repo-0001'].map(async (repo) => {
        const [key] = await keysOf(c, repo);
        await c.send('DELETE /repos/{owner}/{repo}/keys/{key_id}', {
          owner: 'acme',
          repo,
          key_id: key!.id,
        });
      }),
    );
    const deletes = s.requests.filter((r) => r.method === 'DELETE');
    expect(deletes.map((r) => r.status)).toEqual([204, 204]);
    expect(deletes[1]!.startedAt - deletes[0]!.startedAt).toBeGreaterThanOrEqual(950);
  });
});
