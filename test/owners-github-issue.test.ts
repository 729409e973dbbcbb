/**
 * The github-issue notice channel, as a user runs it: the built CLI opens an issue in the owning
 * repository on a GHES-style API root (a local GitHub issues endpoint whose payloads are typed by
 * @octokit/openapi-types), with the token from GITHUB_TOKEN; the issue number is journaled; a
 * crash after the issue was opened resumes without opening a second one; a refusing GitHub stops
 * the run with nothing changed; a rollback comments on the issue.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { components } from '@octokit/openapi-types';
import { openNoticeIssue } from '../src/owners/github-issue.js';
import type { Notice } from '../src/owners/notify.js';
import {
  awsEnv,
  keyOf,
  OLD_KEY,
  removeCliBuild,
  runCli,
  scanInto,
  startAws,
  tempCatalogPath,
} from './playbooks-harness.js';

type Issue = components['schemas']['issue'];
type IssueComment = components['schemas']['issue-comment'];
type StoredIssue = Pick<
  Issue,
  | 'id'
  | 'node_id'
  | 'url'
  | 'html_url'
  | 'number'
  | 'state'
  | 'title'
  | 'body'
  | 'created_at'
  | 'updated_at'
> & { labels: { name: string }[] };

interface GitHubIssues {
  apiUrl: string;
  issues: StoredIssue[];
  comments: { issue: number; body: string }[];
  requests: { method: string; path: string; authorization: string | undefined }[];
  close(): Promise<void>;
}

const REPO = 'acme/storefront';

/** GitHub's issues endpoints for one repository, under a GHES-style `/api/v3` root. */
async function githubIssues(status = 201): Promise<GitHubIssues> {
  const issues: StoredIssue[] = [];
  const comments: GitHubIssues['comments'] = [];
  const requests: GitHubIssues['requests'] = [];
  const body = (req: IncomingMessage) =>
    new Promise<string>((r) => {
      let data = '';
      req.on('data', (d: Buffer) => (data += d.toString()));
      req.on('end', () => r(data));
    });
  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      requests.push({
        method: req.method ?? '',
        path: url.pathname,
        authorization: req.headers.authorization,
      });
      const json = (code: number, v: unknown) =>
        res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify(v));
      const base = `/api/v3/repos/${REPO}/issues`;
      if (url.pathname === base && req.method === 'GET') {
        const since = url.searchParams.get('since') ?? '';
        return json(
          200,
          issues.filter((i) => i.updated_at >= since).sort((a, b) => b.number - a.number),
        );
      }
      if (url.pathname === base && req.method === 'POST') {
        const input = JSON.parse(await body(req)) as {
          title: string;
          body: string;
          labels: string[];
        };
        if (status !== 201)
          return json(status, { message: 'Resource not accessible by integration' });
        const number = issues.length + 1;
        const now = new Date().toISOString();
        const issue = {
          id: 1000 + number,
          node_id: `I_${number}`,
          url: `http://127.0.0.1/api/v3/repos/${REPO}/issues/${number}`,
          html_url: `https://ghe.example/${REPO}/issues/${number}`,
          number,
          state: 'open',
          title: input.title,
          body: input.body,
          labels: input.labels.map((name) => ({ name })),
          created_at: now,
          updated_at: now,
        } satisfies StoredIssue;
        issues.push(issue);
        return json(201, issue);
      }
      const m = /^\/api\/v3\/repos\/acme\/storefront\/issues\/(\d+)\/comments$/.exec(url.pathname);
      if (m && req.method === 'POST') {
        const input = JSON.parse(await body(req)) as { body: string };
        comments.push({ issue: Number(m[1]), body: input.body });
        const comment = {
          id: 5000 + comments.length,
          node_id: `IC_${comments.length}`,
          url: `http://127.0.0.1/api/v3/repos/${REPO}/issues/comments/${5000 + comments.length}`,
          html_url: `https://ghe.example/${REPO}/issues/${m[1]}#issuecomment-${5000 + comments.length}`,
          body: input.body,
          created_at: new Date().toISOString(),
          updated_at: new Date().toISOString(),
          issue_url: `http://127.0.0.1/api/v3/repos/${REPO}/issues/${m[1]}`,
          user: null,
          author_association: 'NONE',
        } satisfies Pick<
          IssueComment,
          | 'id'
          | 'node_id'
          | 'url'
          | 'html_url'
          | 'body'
          | 'created_at'
          | 'updated_at'
          | 'issue_url'
          | 'user'
          | 'author_association'
        >;
        return json(201, comment);
      }
      return json(404, { message: 'Not Found' });
    })();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    apiUrl: `http://127.0.0.1:${port}/api/v3`,
    issues,
    comments,
    requests,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

function configDir(apiUrl: string): string {
  const cwd = mkdtempSync(join(tmpdir(), 'nhi-owners-gh-'));
  writeFileSync(
    join(cwd, 'nhi.config.yaml'),
    [
      'providers:',
      '  github:',
      `    apiUrl: ${apiUrl}`,
      'owners:',
      '  map:',
      '    - match: { provider: aws, name: ci-bot }',
      '      owner: alice@example.com',
      '      team: platform',
      `      repo: ${REPO}`,
      '  notify:',
      '    channel: github-issue',
      '    noticeDays: 2',
      '',
    ].join('\n'),
  );
  return cwd;
}

function stepsOf(catalog: string): { action: string; status: string; result: unknown }[] {
  const db = new Database(catalog, { readonly: true });
  try {
    return (
      db
        .prepare(
          `SELECT action, status, result_json FROM playbook_steps WHERE run_id = 1 ORDER BY seq`,
        )
        .all() as { action: string; status: string; result_json: string | null }[]
    ).map((s) => ({
      action: s.action,
      status: s.status,
      result: s.result_json ? (JSON.parse(s.result_json) as unknown) : null,
    }));
  } finally {
    db.close();
  }
}

afterAll(() => removeCliBuild());

/** A server that answers every request with `handler` (redirects, hangs). */
async function rawServer(handler: Parameters<typeof createServer>[1]) {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  cleanup.push(
    () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  );
  return `http://127.0.0.1:${port}/api/v3`;
}

const NOTICE = {
  noticeId: 'nhi-run-7',
  event: 'playbook-notice',
  runId: 7,
  changesFrom: null,
  plan: {
    kind: 'revoke',
    credentialId: 'c-1',
    credentialType: 'access-key',
    identityName: 'ci-bot',
    provider: 'aws',
    ref: { credentialExternalId: OLD_KEY, scope: { id: '1', name: 'prod' } },
    steps: [],
  },
} as unknown as Notice;

describe('the github-issue channel stays on its origin and in its time', () => {
  it('refuses a redirect to another origin', async () => {
    const apiUrl = await rawServer((_req, res) =>
      res.writeHead(307, { location: 'http://127.0.0.2:9/steal' }).end(),
    );
    await expect(
      openNoticeIssue(
        NOTICE,
        { repo: REPO, options: { apiUrl } },
        { env: { GITHUB_TOKEN: 't' }, since: new Date(0).toISOString(), maxAttempts: 1 },
      ),
    ).rejects.toThrow(/127\.0\.0\.2/);
  });

  it('gives up on a GitHub that does not answer within the timeout', async () => {
    const apiUrl = await rawServer(() => {});
    const started = Date.now();
    await expect(
      openNoticeIssue(
        NOTICE,
        { repo: REPO, options: { apiUrl } },
        {
          env: { GITHUB_TOKEN: 't' },
          since: new Date(0).toISOString(),
          timeoutMs: 300,
          maxAttempts: 1,
        },
      ),
    ).rejects.toThrow(/timed out|timeout/i);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('a hostile name mentions, links and formats nothing, and stays inside the fence', async () => {
    const github = await githubIssues();
    cleanup.push(() => github.close());
    const hostile = 'ci-bot\n```\n@acme/everyone [login](https://evil.example) <img src=x>\n```x';
    const notice = {
      ...NOTICE,
      plan: { ...NOTICE.plan, identityName: hostile, notice: { owner: '@octocat', via: 'tag' } },
    } as unknown as Notice;
    await openNoticeIssue(
      notice,
      { repo: REPO, options: { apiUrl: github.apiUrl } },
      { env: { GITHUB_TOKEN: 't' }, since: new Date(0).toISOString(), maxAttempts: 1 },
    );
    const [issue] = github.issues;
    // The title is one line; GitHub neither links nor notifies from a title.
    expect(issue!.title).not.toMatch(/[\r\n]/);
    // The body: one fenced block (opened and closed once), then the hidden marker. Everything a
    // provider named is inside it, where GitHub renders text: no mention, link or HTML.
    const lines = issue!.body!.split('\n');
    const fences = lines.flatMap((l, i) => (/^\s{0,3}(`{3,}|~{3,})/.test(l) ? [i] : []));
    expect(fences).toEqual([0, lines.indexOf('```')]);
    const inside = lines.slice(1, fences[1]).join('\n');
    expect(inside).toContain('@acme/everyone [login](https://evil.example) <img src=x>');
    expect(inside).toContain('@octocat');
    const outside = lines.slice(fences[1]! + 1).join('\n');
    expect(outside.trim()).toMatch(/^<!-- nhi-notice: nhi-run-7 c-1 -->$/);
  });
});
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

async function setup(status = 201) {
  const standIn = await startAws();
  const github = await githubIssues(status);
  cleanup.push(
    () => standIn.close(),
    () => github.close(),
  );
  const catalog = tempCatalogPath();
  await scanInto(catalog, standIn);
  const env = { ...awsEnv(standIn), NHI_CATALOG: catalog, GITHUB_TOKEN: 'ghp_notice_token' };
  return { standIn, github, catalog, env, cwd: configDir(github.apiUrl) };
}

describe('notice by GitHub issue', () => {
  it('opens one issue in the owning repository, journals its number, and waits', async () => {
    const { standIn, github, catalog, env, cwd } = await setup();
    const plan = await runCli(['revoke', OLD_KEY], env, { cwd });
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(
      /1\. tell alice@example\.com \(platform\), the owner \(.*\), by opening an issue in acme\/storefront/,
    );
    const applied = await runCli(['playbook', 'resume', '1'], env, { cwd });
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toMatch(/run 1: waiting/);
    expect(github.issues).toHaveLength(1);
    const issue = github.issues[0]!;
    expect(issue.title).toBe(`nhi: planned revoke of access-key ${OLD_KEY} (ci-bot)`);
    expect(issue.body).toContain(
      'alice@example.com (platform), you are recorded as the owner of ci-bot',
    );
    expect(issue.body).toContain('To stop it: nhi playbook cancel 1');
    expect(issue.body).toMatch(/<!-- nhi-notice: nhi-run-1 c-\w+ -->/);
    expect(issue.labels).toEqual([{ name: 'nhi-notice' }]);
    // GHES root honoured, the token from GITHUB_TOKEN, and nothing but the issues endpoint.
    for (const r of github.requests) {
      expect(r.path).toBe(`/api/v3/repos/${REPO}/issues`);
      expect(r.authorization).toBe('Bearer ghp_notice_token');
    }
    expect(stepsOf(catalog)[0]).toMatchObject({
      action: 'notify',
      status: 'done',
      result: { repo: REPO, issue: 1, url: `https://ghe.example/${REPO}/issues/1` },
    });
    expect(keyOf(standIn, OLD_KEY)?.status).toBe('Active');
    expect(applied.stdout + applied.stderr).not.toContain('ghp_notice_token');

    // A rollback tells the owner on the same issue.
    const rb = await runCli(['playbook', 'rollback', '1', '--yes'], env, { cwd });
    expect(rb.code, rb.stderr).toBe(0);
    expect(github.comments).toHaveLength(1);
    expect(github.comments[0]).toMatchObject({ issue: 1 });
    expect(github.comments[0]!.body).toContain('was rolled back (run 1)');
    expect(github.issues).toHaveLength(1);
  });

  it('killed right after the issue was opened: resume finds it and opens no second one', async () => {
    const { standIn, github, catalog, env, cwd } = await setup();
    const r = await runCli(
      ['revoke', OLD_KEY, '--apply', '--yes'],
      { ...env, NHI_TEST_KILL_AFTER_EFFECT: '1' },
      { cwd },
    );
    expect(r.signal).toBe('SIGKILL');
    expect(github.issues).toHaveLength(1);
    const resumed = await runCli(['playbook', 'resume', '1', '--yes'], env, { cwd });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/run 1: waiting/);
    expect(github.issues).toHaveLength(1);
    expect(github.requests.filter((q) => q.method === 'POST')).toHaveLength(1);
    expect(stepsOf(catalog)[0]).toMatchObject({ status: 'done', result: { issue: 1 } });
    expect(keyOf(standIn, OLD_KEY)?.status).toBe('Active');
  });

  it('GitHub refusing the issue stops the run with nothing changed', async () => {
    const { standIn, catalog, env, cwd } = await setup(403);
    const r = await runCli(['revoke', OLD_KEY, '--apply', '--yes'], env, { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/step 1 \(notify\) failed: .*403.*acme\/storefront/);
    expect(keyOf(standIn, OLD_KEY)?.status).toBe('Active');
    expect(standIn.requests.byAction.UpdateAccessKey).toBeUndefined();
    expect(stepsOf(catalog).map((s) => s.status)).toEqual([
      'failed',
      'pending',
      'pending',
      'pending',
    ]);
  });

  it('no GitHub token: one line, exit 2, nothing changed', async () => {
    const { standIn, env, cwd } = await setup();
    const { GITHUB_TOKEN: _, ...without } = env;
    const r = await runCli(['revoke', OLD_KEY, '--apply', '--yes'], without, { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /no GitHub credentials to open the notice issue with \(looked for GITHUB_TOKEN, GH_TOKEN\)/,
    );
    expect(keyOf(standIn, OLD_KEY)?.status).toBe('Active');
  });
});
