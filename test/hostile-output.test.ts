/**
 * Hostile provider data end to end: the AWS and GitHub stand-ins serve names, tags, titles and
 * error bodies built to attack the reader (fixtures/hostile), the built CLI scans them twice,
 * and every output format is checked for what it must do with them:
 * - human output (tables, show, scan summary, check, diff, errors): no control, escape or
 *   bidi character reaches the terminal, no forged line; the data is still shown (escaped);
 * - JSON and SARIF: exact values, and no raw character a terminal would act on;
 * - CSV (list and report): formula starts escaped with `'`, everything else exact;
 * - markdown: rendered by a CommonMark/GFM renderer, no provider string adds markup.
 * Prints the (payload class × format) matrix. Needs `npm run build` first.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import MarkdownIt from 'markdown-it';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAwsStandIn, type AwsStandIn } from '../connectors/aws/stand-in/server.js';
import { startGitHubStandIn, type GitHubStandIn } from '../connectors/github/stand-in/server.js';
import { denied } from '../connectors/github/stand-in/faults.js';
import {
  FORMULA_CLASSES,
  HOSTILE_CALLER,
  HOSTILE_ORG,
  HOSTILE_TOKEN,
  PAYLOADS,
  PAYLOAD_CLASSES,
  TERMINAL_UNSAFE,
  allStrings,
  hostileAwsEstate,
  hostileGitHubEstate,
  type PayloadClass,
} from '../fixtures/hostile/index.js';
import { nhi, scrubbedEnv, tempDir, type CliResult } from './run-cli.js';

const NOW = new Date();
const STACK = /^\s+at .+\(.+:\d+:\d+\)$/m;

let aws: AwsStandIn;
let github: GitHubStandIn;
let env: Record<string, string>;
let catalog: string;
let config: string;
const run = (args: string[]) => nhi([...args, '--catalog', catalog, '--config', config], { env });
const scans: CliResult[] = [];

beforeAll(async () => {
  aws = await startAwsStandIn({ estate: hostileAwsEstate(NOW) });
  github = await startGitHubStandIn({ estate: hostileGitHubEstate(NOW) });
  // A gap whose message and a failed org whose error body are payloads too.
  github.faults.add(
    denied(/\/orgs\/[^/]+\/dependabot\/secrets/, 403, PAYLOADS.osc8 + PAYLOADS.crlf),
  );
  const dir = tempDir('nhi-hostile-');
  catalog = join(dir, 'catalog.db');
  config = join(dir, 'nhi.config.json');
  writeFileSync(
    config,
    JSON.stringify({
      providers: {
        aws: { endpoint: aws.url, maxAttempts: 1, pollIntervalMs: 5 },
        github: { orgs: [HOSTILE_ORG], apiUrl: github.url },
      },
    }),
  );
  env = scrubbedEnv({
    AWS_ACCESS_KEY_ID: HOSTILE_CALLER.accessKeyId,
    AWS_SECRET_ACCESS_KEY: HOSTILE_CALLER.secretAccessKey,
    AWS_REGION: 'us-east-1',
    GITHUB_TOKEN: HOSTILE_TOKEN,
  });
  scans.push(await run(['scan']));
  // The stand-in's estate is live: swap each user's keys for the second round's.
  const next = hostileAwsEstate(NOW, 2).accounts[0]!.users;
  for (const [i, u] of aws.estate.accounts[0]!.users.entries()) u.accessKeys = next[i]!.accessKeys;
  scans.push(await run(['scan']));
}, 180_000);

afterAll(async () => {
  await Promise.all([aws?.close(), github?.close()]);
});

/* ----- what each medium must do ----- */

/** What a terminal shows for a payload: nhi's visible escapes (JSON string escapes). */
const visible = (p: string) =>
  JSON.stringify(p)
    .slice(1, -1)
    .replace(/\\"/g, '"')
    .replace(/\\\\/g, '\\')
    .replace(
      /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
/** Output with table borders, wrapping and truncation marks removed, to find a wrapped value. */
const flat = (s: string) => s.replace(/[\s│┌┐└┘├┤┬┴┼─…]/g, '');

/**
 * Human output: no character a terminal acts on (LF aside), no forged line (every "FAKE" is
 * preceded by the visible escape of the CR, LF or NEL that tried to start a line), no stack.
 */
function expectTerminalSafe(label: string, text: string): void {
  const bad = TERMINAL_UNSAFE.exec(text);
  expect(
    bad,
    `${label}: raw U+${bad?.[0].charCodeAt(0).toString(16)} near ${JSON.stringify(text.slice(Math.max(0, (bad?.index ?? 0) - 30), (bad?.index ?? 0) + 10))}`,
  ).toBeNull();
  expect(text, label).not.toMatch(/(?<!\\[rn]|\\u0085)FAKE/);
  expect(text, label).not.toMatch(STACK);
}

type Verdict = string;
const matrix = new Map<PayloadClass, Record<string, Verdict>>(PAYLOAD_CLASSES.map((c) => [c, {}]));
const mark = (format: string, verdict: (cls: PayloadClass, p: string) => Verdict) => {
  for (const cls of PAYLOAD_CLASSES) matrix.get(cls)![format] = verdict(cls, PAYLOADS[cls]);
};
/** Human formats: "escaped" / "as is" when the payload is shown, "—" when that view has no such field. */
const humanVerdict = (text: string) => (_cls: PayloadClass, p: string) =>
  flat(text).includes(flat(visible(p))) ? (visible(p) === p ? 'as is' : 'escaped') : '—';

describe('hostile provider data in every output format', () => {
  it('scans both stand-ins (the second time after a key was removed and one added)', () => {
    for (const s of scans) {
      expect(s.code, s.stdout + s.stderr).toBe(0);
      expectTerminalSafe('scan summary', s.stdout + s.stderr);
    }
    // The hostile scope names and the gap's error body are shown, escaped.
    const text = scans[0]!.stdout + scans[0]!.stderr;
    expect(text).toContain(visible(PAYLOADS.osc52));
    expect(text).toContain(visible(PAYLOADS.osc8));
    mark('scan', humanVerdict(text));
  });

  it('list: table neutralised, JSON exact, CSV with formulas escaped', async () => {
    const [table, json, csv] = await Promise.all([
      run(['list', '--limit', '1000']),
      run(['list', '--format', 'json']),
      run(['list', '--format', 'csv']),
    ]);
    expectTerminalSafe('list table', table.stdout + table.stderr);
    for (const cls of PAYLOAD_CLASSES)
      expect(flat(table.stdout), cls).toContain(flat(visible(PAYLOADS[cls])));
    mark('list table', humanVerdict(table.stdout));
    mark('list json', expectExactJson('list json', json));
    mark('list csv', expectCsv('list csv', csv));
  });

  it('show: an AWS user with hostile tags and a GitHub PAT, as text and JSON', async () => {
    const list = JSON.parse((await run(['list', '--format', 'json'])).stdout) as {
      id: string;
      provider: string;
      identityName: string;
      type: string;
    }[];
    const awsKey = list.find((c) => c.provider === 'aws' && c.identityName === PAYLOADS.mention)!;
    const pats = list.filter((c) => c.type === 'fine-grained-pat');
    const shows = await Promise.all([awsKey, ...pats].map((c) => run(['show', c.id])));
    const text = shows.map((r) => r.stdout + r.stderr).join('\n');
    expectTerminalSafe('show', text);
    // Each tag neutralised on its own: a key or value cannot pose as another tag or line.
    // (The stand-in writes CR as a character reference, so the value arrives exactly.)
    const crlf = visible(PAYLOADS.crlf);
    expect(text).toContain(
      `tags       Owner=${crlf} ${visible(PAYLOADS.clear)}=${visible(PAYLOADS.osc52)}`,
    );
    expect(text).toContain(`owner      ${crlf}`);
    mark('show', humanVerdict(text));
    const json = await run(['show', pats[0]!.id, '--format', 'json']);
    expect(json.code).toBe(0);
    expect(TERMINAL_UNSAFE.test(json.stdout)).toBe(false);
  });

  it('report: table, JSON, CSV, markdown and SARIF', async () => {
    const [table, json, csv, md, sarif] = await Promise.all(
      ['table', 'json', 'csv', 'markdown', 'sarif'].map((f) =>
        run(['report', '--format', f, '--limit', '1000']),
      ),
    );
    expectTerminalSafe('report table', table!.stdout + table!.stderr);
    mark('report table', humanVerdict(table!.stdout));
    mark('report json', expectExactJson('report json', json!));
    mark('sarif', expectExactJson('sarif', sarif!));
    mark('report csv', expectCsv('report csv', csv!));
    mark('markdown', expectInertMarkdown(md!));
  });

  it('check and diff print hostile names without letting them act', async () => {
    const check = await run(['check', '--fail-on', 'medium']);
    expect(check.code).toBe(1);
    expectTerminalSafe('check', check.stdout + check.stderr);
    mark('check', humanVerdict(check.stdout));
    const [diff, diffJson] = await Promise.all([run(['diff']), run(['diff', '--format', 'json'])]);
    expect(diff.code, diff.stderr).toBe(0);
    expectTerminalSafe('diff', diff.stdout + diff.stderr);
    expect(diff.stdout).toMatch(/New credentials \(\d+\)[^]*AKIAHOSTILE0015BXXXX/);
    expect(diff.stdout).toMatch(/Removed credentials \(\d+\)[^]*AKIAHOSTILE0017AXXXX/);
    mark('diff', humanVerdict(diff.stdout));
    mark('diff json', expectExactJson('diff json', diffJson, false));
    const diffMd = await run(['diff', '--format', 'markdown']);
    expect(diffMd.code, diffMd.stderr).toBe(0);
    expect(TERMINAL_UNSAFE.test(diffMd.stdout), 'raw control character in markdown').toBe(false);
    const html = new MarkdownIt({ html: true, linkify: true }).render(diffMd.stdout);
    expect(html).not.toMatch(/<(img|a|script|em|strong|del|h[3-6])\b/);
    expect(html.match(/<h2>[^<]*<\/h2>/g)).toEqual(
      [
        'New credentials',
        'Removed credentials',
        'New findings',
        'Resolved findings',
        'Status changes',
        'Expiry changes',
        'Owner changes',
        'Privilege changes',
      ].map((t) => `<h2>${t}</h2>`),
    );
    // Every row keeps its 5 cells: no pipe in a name split one.
    const rows = html.split('<tr>').slice(1);
    expect(rows.length).toBeGreaterThan(5);
    for (const row of rows) expect(row.match(/<t[dh][ >]/g), row).toHaveLength(5);
  });

  it('doctor and a planned playbook print provider strings through the same guard', async () => {
    const [doctor, plan] = await Promise.all([
      run(['doctor', '--provider', 'github']),
      run(['revoke', 'AKIAHOSTILE0002AXXXX']),
    ]);
    expectTerminalSafe('doctor', doctor.stdout + doctor.stderr);
    expect(plan.code, plan.stderr).toBe(0);
    expect(TERMINAL_UNSAFE.test(plan.stdout + plan.stderr)).toBe(false);
    mark('playbook plan', humanVerdict(plan.stdout));
  });

  afterAll(() => {
    const formats = [...new Set([...matrix.values()].flatMap((r) => Object.keys(r)))];
    const rows = [...matrix].map(([cls, r]) => [cls, ...formats.map((f) => r[f] ?? '?')]);
    const width = (i: number) =>
      Math.max(...[['payload', ...formats], ...rows].map((r) => r[i]!.length));
    const fmt = (r: string[]) => r.map((c, i) => c.padEnd(width(i))).join(' | ');
    console.log(
      ['hostile payload × output format', fmt(['payload', ...formats]), ...rows.map(fmt)].join(
        '\n',
      ),
    );
  });
});

/** JSON: parses, carries no raw character a terminal acts on, and holds every payload exactly. */
function expectExactJson(label: string, r: CliResult, everyClass = true) {
  expect(r.code, `${label}: ${r.stderr}`).toBe(0);
  expect(TERMINAL_UNSAFE.test(r.stdout), `${label} has a raw control character`).toBe(false);
  const strings = allStrings(JSON.parse(r.stdout));
  const found = (p: string) => strings.some((s) => s.includes(p));
  if (everyClass)
    for (const cls of PAYLOAD_CLASSES) expect(found(PAYLOADS[cls]), `${label}: ${cls}`).toBe(true);
  return (_cls: PayloadClass, p: string) => (found(p) ? 'exact' : '—');
}

/** CSV: no cell starts like a formula unless escaped with `'`; formula payloads kept after the `'`. */
function expectCsv(label: string, r: CliResult) {
  expect(r.code, `${label}: ${r.stderr}`).toBe(0);
  const cells = (parseCsv(r.stdout, { relaxColumnCount: false }) as string[][]).flat();
  const live = cells.filter(
    (c) => /^[=+\-@\t\r\uff1d\uff0b\uff0d\uff20]/.test(c) && !/^-\d+(\.\d+)?$/.test(c),
  );
  expect(live, `${label}: cells a spreadsheet would run`).toEqual([]);
  for (const cls of FORMULA_CLASSES)
    expect(cells, `${label}: ${cls}`).toContain(`'${PAYLOADS[cls]}`);
  return (cls: PayloadClass, p: string) =>
    FORMULA_CLASSES.includes(cls)
      ? cells.includes(`'${p}`)
        ? "prefixed '"
        : '—'
      : cells.some((c) => c.includes(p))
        ? 'exact'
        : '—';
}

/** Markdown, rendered as GitHub would (GFM tables, raw HTML allowed, bare URLs linked): inert. */
function expectInertMarkdown(r: CliResult) {
  expect(r.code, r.stderr).toBe(0);
  expect(TERMINAL_UNSAFE.test(r.stdout), 'raw control character in markdown').toBe(false);
  const html = new MarkdownIt({ html: true, linkify: true }).render(r.stdout);
  expect(html).not.toMatch(/<(img|a|script|em|strong|del|h[3-6])\b/);
  expect(html.match(/<h1>/g)).toHaveLength(1);
  expect(html.match(/<h2>[^<]*<\/h2>/g)).toEqual([
    '<h2>Findings</h2>',
    '<h2>How to fix</h2>',
    '<h2>Not evaluated</h2>',
  ]);
  // Every findings row keeps its 10 cells: no pipe in a name split one.
  const body = html.slice(html.indexOf('<h2>Findings</h2>'));
  const rows = body.slice(0, body.indexOf('</tbody>')).split('<tr>').slice(2);
  expect(rows.length).toBeGreaterThan(40);
  for (const row of rows) expect(row.match(/<td[ >]/g), row).toHaveLength(10);
  // The backticks stay inside one code span, shown as they are.
  expect(html).toContain('<code>tick``` `break` out</code>');
  const text = html
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
  return (_cls: PayloadClass, p: string) =>
    text.includes(visible(p)) ? (visible(p) === p ? 'shown, inert' : 'escaped, inert') : '—';
}
