/**
 * The `github-issue` notice channel: the owner is told by an issue in the owning repository,
 * opened with the GitHub credentials of the environment (the connector's `tokenEnv`, else
 * GITHUB_TOKEN, else GH_TOKEN) against the configured API root (the connector's `apiUrl`, else
 * GITHUB_API_URL, else api.github.com — GHES works the same). Every request is pinned to that
 * origin, timed out and retried like the webhook's.
 *
 * Idempotent across a crash and a resume: the issue's body carries a marker with the notice
 * id and the credential, and before opening one the channel looks for it among the issues of
 * the repository created since the run began (the REST issue list, not the search index, so a
 * just-opened issue is found). The step journals the issue number it opened or found.
 */
import { z } from 'zod';
import type { components } from '@octokit/openapi-types';
import {
  OriginPin,
  parseJsonBody,
  parsePayload,
  pinnedFetch,
  UserError,
  withRetry,
} from '../connector/index.js';
import {
  noticeText,
  refused,
  type Notice,
  type NoticeReceipt,
  type SendOptions,
} from './notify.js';

export const DEFAULT_GITHUB_API_URL = 'https://api.github.com';

type Issue = components['schemas']['issue'];
type IssueCreate = {
  title: string;
  body: string;
  labels: string[];
};

/** What nhi reads of an issue: validated, since the answer decides whether to open a second one. */
const issueShape = z.object({
  number: z.number().int().positive(),
  html_url: z.string(),
  body: z.string().nullable().optional(),
  pull_request: z.unknown().optional(),
});
const issueList = z.array(issueShape);
const commentShape = z.object({ id: z.number().int() }) satisfies z.ZodType<
  Pick<components['schemas']['issue-comment'], 'id'>
>;

export interface GitHubTarget {
  /** owner/name */
  repo: string;
  /** The GitHub connector's options (apiUrl, tokenEnv), as the config gives them. */
  options: Readonly<Record<string, unknown>>;
}

export interface IssueReceipt extends NoticeReceipt {
  issue: number;
  url: string;
  /** false: the issue was opened by an earlier attempt of this run and found again. */
  opened: boolean;
}

const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;

/** The API root and token, from the GitHub connector's options and the environment. */
export function githubEndpoint(
  options: GitHubTarget['options'],
  env: SendOptions['env'],
): { apiUrl: URL; token: string; tokenEnv: string } {
  const raw = (str(options.apiUrl) ?? str(env.GITHUB_API_URL) ?? DEFAULT_GITHUB_API_URL).replace(
    /\/+$/,
    '',
  );
  let apiUrl: URL;
  try {
    apiUrl = new URL(`${raw}/`);
  } catch {
    throw new UserError(
      `github: apiUrl '${raw}' is not a URL`,
      'use e.g. https://ghe.example.com/api/v3',
    );
  }
  const names = str(options.tokenEnv) ? [str(options.tokenEnv)!] : ['GITHUB_TOKEN', 'GH_TOKEN'];
  for (const name of names) {
    const token = str(env[name]);
    if (token) return { apiUrl, token, tokenEnv: name };
  }
  throw new UserError(
    `no GitHub credentials to open the notice issue with (looked for ${names.join(', ')})`,
    'export a token that may open issues in the owning repository (fine-grained: Issues read and write)',
  );
}

/** The hidden line that finds this notice again: one per run and credential. */
export function noticeMarker(n: Notice): string {
  return `<!-- nhi-notice: ${n.noticeId} ${n.plan.credentialId} -->`;
}

export function issueTitle(n: Notice): string {
  const { plan } = n;
  // One line: a name from the provider cannot add a second line to the title.
  const oneLine = (x: string) => x.replace(/[\r\n\u2028\u2029]+/g, ' ');
  return oneLine(
    `nhi: planned ${plan.kind} of ${plan.credentialType} ${plan.ref.credentialExternalId} (${plan.identityName})`,
  );
}

/**
 * The body: the notice's words in a fenced block (provider names are never markdown or
 * mentions there), then the marker.
 */
export function issueBody(n: Notice): string {
  return `${fenced(noticeText(n))}\n\n${noticeMarker(n)}\n`;
}

type Call = (url: URL, init: RequestInit, operation: string) => Promise<unknown>;

/** The repository's issues URL and a pinned, timed, retried JSON call with the token. */
function issueApi(
  target: GitHubTarget,
  opts: SendOptions,
): { origin: string; issues: URL; call: Call } {
  const { apiUrl, token } = githubEndpoint(target.options, opts.env);
  const signal = opts.signal ?? new AbortController().signal;
  const doFetch = pinnedFetch({
    pin: new OriginPin('notify', [apiUrl]),
    timeoutMs: opts.timeoutMs ?? 15_000,
    signal,
  });
  const [owner, name] = target.repo.split('/') as [string, string];
  const issues = new URL(
    `repos/${encodeURIComponent(owner)}/${encodeURIComponent(name)}/issues`,
    apiUrl,
  );
  const headers = {
    accept: 'application/vnd.github+json',
    authorization: `Bearer ${token}`,
    'content-type': 'application/json',
    'x-github-api-version': '2022-11-28',
    'user-agent': 'nhi',
  };
  const call: Call = (url, init, operation) =>
    withRetry(
      async () => {
        const res = await doFetch(url, { ...init, headers });
        const text = await res.text();
        if (res.status < 200 || res.status > 299)
          throw refused(operation, res.status, `GitHub refused (${res.status}) in ${target.repo}`);
        return parseJsonBody(text, { provider: 'notify', operation });
      },
      { maxAttempts: opts.maxAttempts ?? 3, baseDelayMs: 200, maxDelayMs: 2_000, signal },
    );
  return { origin: apiUrl.origin, issues, call };
}

/** Opens the notice issue in `target.repo`, or finds the one an earlier attempt opened. */
export async function openNoticeIssue(
  n: Notice,
  target: GitHubTarget,
  opts: SendOptions & { since: string },
): Promise<IssueReceipt> {
  const { origin, issues, call } = issueApi(target, opts);
  const at = () => (opts.now?.() ?? new Date()).toISOString();
  const found = await findIssue(call, issues, noticeMarker(n), opts.since);
  if (found)
    return {
      origin,
      status: 200,
      at: at(),
      issue: found.number,
      url: found.html_url,
      opened: false,
    };
  const create: IssueCreate = { title: issueTitle(n), body: issueBody(n), labels: ['nhi-notice'] };
  const operation = `POST ${issues.pathname}`;
  const body = await call(issues, { method: 'POST', body: JSON.stringify(create) }, operation);
  const created: Pick<Issue, 'number' | 'html_url'> = parsePayload(issueShape, body, {
    provider: 'notify',
    operation,
  });
  return {
    origin,
    status: 201,
    at: at(),
    issue: created.number,
    url: created.html_url,
    opened: true,
  };
}

/** Comments on the notice issue (a rollback tells the owner nothing more will change). */
export async function commentOnIssue(
  issue: number,
  text: string,
  target: GitHubTarget,
  opts: SendOptions,
): Promise<NoticeReceipt> {
  const { origin, issues, call } = issueApi(target, opts);
  const url = new URL(`${issues.pathname}/${issue}/comments`, issues);
  const operation = `POST ${url.pathname}`;
  const body = await call(
    url,
    { method: 'POST', body: JSON.stringify({ body: fenced(text) }) },
    operation,
  );
  parsePayload(commentShape, body, { provider: 'notify', operation });
  return { origin, status: 201, at: (opts.now?.() ?? new Date()).toISOString() };
}

/** Text in a fenced block: provider names are never markdown, links or mentions there. */
function fenced(text: string): string {
  return `${'```'}text\n${text.replace(/`{3,}/g, (m) => m.replace(/`/g, "'"))}\n${'```'}`;
}

/** Pages of issues created since the run began, newest first, until the marker is found. */
async function findIssue(
  call: Call,
  issues: URL,
  marker: string,
  since: string,
): Promise<z.infer<typeof issueShape> | null> {
  const operation = `GET ${issues.pathname}`;
  for (let page = 1; page <= 10; page += 1) {
    const url = new URL(issues);
    url.search = new URLSearchParams({
      state: 'all',
      since,
      sort: 'created',
      direction: 'desc',
      per_page: '100',
      page: String(page),
    }).toString();
    const list = parsePayload(issueList, await call(url, { method: 'GET' }, operation), {
      provider: 'notify',
      operation,
    });
    const hit = list.find((i) => !i.pull_request && (i.body ?? '').includes(marker));
    if (hit) return hit;
    if (list.length < 100) return null;
  }
  return null;
}
