/**
 * `nhi trim` on GitHub through the built CLI: plans are manual steps (GitHub cannot edit a
 * grant in place), shown like other trim plans with the before → after diff and its evidence,
 * in text and JSON; `--apply` refuses in one line (exit 2) — a write deploy key's replacement
 * by a read-only one, which nhi runs with --sink, is in trim-github-deploy-key.test.ts. On the
 * demo estate, and on a stand-in organization whose deploy-key titles and PAT owners are
 * hostile: every name in a `gh` command is one shell word, and the terminal sees no control
 * characters.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Finding, Plan } from '../src/model/index.js';
import { startGitHubStandIn, type GitHubStandIn } from '../connectors/github/stand-in/server.js';
import {
  HOSTILE_ORG,
  HOSTILE_TOKEN,
  PAYLOADS,
  TERMINAL_UNSAFE,
  hostileGitHubEstate,
} from '../fixtures/hostile/index.js';
import { nhi, scrubbedEnv, tempDir } from './run-cli.js';

interface ManualResult {
  identity: string;
  manual: true;
  plan: Plan;
}

/** The identity a finding's fix trims (`nhi trim <id>`). */
const commandOf = (f: Finding): string | undefined =>
  f.fix && 'command' in f.fix ? f.fix.command : undefined;

function trimTarget(findings: Finding[], match: (f: Finding) => boolean): string {
  const f = findings.find((x) => match(x) && commandOf(x)?.startsWith('nhi trim '));
  expect(f, 'a finding whose fix is nhi trim').toBeDefined();
  return commandOf(f!)!.split(' ')[2]!;
}

describe('nhi trim on the GitHub demo estate', () => {
  let catalog: string;
  let findings: Finding[];
  const run = (args: string[]) => nhi([...args, '--catalog', catalog]);

  beforeAll(async () => {
    catalog = join(tempDir('nhi-trim-github-'), 'demo.db');
    const scan = await run(['scan', '--demo']);
    expect(scan.code, scan.stderr).toBe(0);
    const r = await run(['report', '--format', 'json']);
    findings = (JSON.parse(r.stdout) as { findings: Finding[] }).findings.filter(
      (f) => f.provider === 'github',
    );
  }, 300_000);

  it('names nhi trim in the unused-grant fix of GitHub deploy keys, PATs and Apps', () => {
    const unused = findings.filter((f) => f.ruleId === 'unused-grant');
    expect(unused.length).toBeGreaterThan(0);
    for (const f of unused) expect(commandOf(f), f.message).toMatch(/^nhi trim i-[0-9a-f]+$/);
  });

  it('plans a write deploy key as a read-only replacement, with nhi or with gh commands', async () => {
    const id = trimTarget(
      findings,
      (f) =>
        f.credentialExternalId?.startsWith('deploy-key:orbital-freight/infra-terraform:') ?? false,
    );
    const r = await run(['trim', id]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Trim repository orbital-freight/infra-terraform');
    expect(r.stdout).toContain('nhi can replace 1 credential by narrower one itself');
    expect(r.stdout).toMatch(
      /- contents:write +not used at all for \d+ days \(GitHub last_used, window 90 days\), so its write access is unused/,
    );
    expect(r.stdout).toMatch(/\+ contents:read +read-only replacement/);
    expect(r.stdout).toContain(
      'gh repo deploy-key add deploy-key-91001.pub --repo orbital-freight/infra-terraform',
    );
    expect(r.stdout).toContain(
      'gh repo deploy-key delete 91001 --repo orbital-freight/infra-terraform',
    );
    expect(r.stdout).toMatch(/why a sink: GitHub cannot make an existing key read-only/);
    expect(r.stdout).toMatch(/with nhi: nhi trim repo:orbital-freight\/infra-terraform --sink/);
    expect(r.stdout).toMatch(/\/orbital-freight\/infra-terraform\/settings\/keys/);
    // Unused for the window: deleting it (a playbook) is offered first.
    expect(r.stdout).toMatch(/delete it: nhi revoke c-[0-9a-f]+/);
    // No run was saved: a manual plan has nothing to resume.
    expect(r.stdout).not.toMatch(/\brun \d+/);
  });

  it('gives the same plan as JSON', async () => {
    const id = trimTarget(
      findings,
      (f) =>
        f.credentialExternalId?.startsWith('deploy-key:orbital-freight/infra-terraform:') ?? false,
    );
    const r = await run(['trim', id, '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as ManualResult;
    expect(j).toMatchObject({ identity: id, manual: true });
    expect(j.plan.steps).toEqual([]);
    expect(j.plan.trim!.manual!.length).toBe(2);
    expect(j.plan.trim!.diff.map((d) => [d.change, d.permission])).toEqual([
      ['removed', 'contents:write'],
      ['added', 'contents:read'],
    ]);
  });

  it('refuses --apply without --sink in one line with exit 2, and changes nothing', async () => {
    const id = trimTarget(
      findings,
      (f) =>
        f.credentialExternalId?.startsWith('deploy-key:orbital-freight/infra-terraform:') ?? false,
    );
    const r = await run(['trim', id, '--apply', '--yes']);
    expect(r.code).toBe(2);
    const lines = r.stderr
      .trim()
      .split('\n')
      .filter((l) => !l.startsWith('demo estate'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /nhi narrows this credential by replacing it, and the new secret needs a place to go: add --sink .*nothing was changed/,
    );
    const runs = await run(['playbook', 'list', '--format', 'json']);
    expect(runs.stdout).not.toContain(id);
  });

  it('refuses --apply on a plan with nothing nhi can run (an App), even with --sink', async () => {
    const id = trimTarget(findings, (f) => f.identityName === 'coverage-lens');
    const r = await run(['trim', id, '--sink', 'file:./x.env', '--apply', '--yes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/this trim is manual .*nothing was changed/);
  });

  it('plans an App installation: its settings page and the permissions to review', async () => {
    const id = trimTarget(findings, (f) => f.identityName === 'coverage-lens');
    const r = await run(['trim', id]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Trim github-app coverage-lens');
    expect(r.stdout).toMatch(/checks +write: GitHub reports no per-permission use/);
    expect(r.stdout).toMatch(/\/organizations\/orbital-freight\/settings\/installations\/\d+/);
  });

  it('plans an unused fine-grained PAT: revoke its organization access', async () => {
    const id = trimTarget(findings, (f) => f.identityName === 'amara-okafor');
    const r = await run(['trim', id]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /- repository:contents +last used \d+ days ago \(GitHub\); window 90 days/,
    );
    expect(r.stdout).toMatch(/settings\/personal-access-tokens\/active/);
  });
});

describe('nhi trim on a configured host with hostile names', () => {
  let github: GitHubStandIn;
  let env: Record<string, string>;
  let catalog: string;
  let config: string;
  const run = (args: string[]) => nhi([...args, '--catalog', catalog, '--config', config], { env });

  beforeAll(async () => {
    github = await startGitHubStandIn({ estate: hostileGitHubEstate(new Date()) });
    const dir = tempDir('nhi-trim-github-hostile-');
    catalog = join(dir, 'catalog.db');
    config = join(dir, 'nhi.config.json');
    writeFileSync(
      config,
      JSON.stringify({ providers: { github: { orgs: [HOSTILE_ORG], apiUrl: github.url } } }),
    );
    env = scrubbedEnv({ GITHUB_TOKEN: HOSTILE_TOKEN });
    const scan = await run(['scan', '--provider', 'github']);
    expect(scan.code, scan.stderr).not.toBe(null);
  }, 180_000);

  afterAll(async () => {
    await github?.close();
  });

  it('quotes every hostile deploy-key title as one shell word and guards the terminal', async () => {
    const r = await run(['trim', `repo:${HOSTILE_ORG}/api`, '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as ManualResult;
    const steps = j.plan.trim!.manual!;
    const got: string[] = [];
    for (const step of steps.filter((x) => x.includes('run: '))) {
      const cmd = step.slice(step.indexOf('run: ') + 5, step.indexOf('\n(gh adds'));
      // One line per command: a name never breaks the plan into forged lines.
      expect(cmd).not.toMatch(/[\r\n]/);
      // bash runs the command with gh and ssh-keygen replaced: gh's arguments come back exact.
      const sh = spawnSync(
        'bash',
        ['-c', `ssh-keygen() { :; }; gh() { printf '%s\\0' "$@"; }; ${cmd}`],
        { encoding: 'utf8' },
      );
      expect(sh.status, sh.stderr).toBe(0);
      const args = sh.stdout.split('\0');
      got.push(args[args.indexOf('--title') + 1]!);
    }
    expect(got.sort()).toEqual(
      Object.values(PAYLOADS)
        .map((t) => `${t} (read-only)`)
        .sort(),
    );
    // The settings URL is on the configured host, the path percent-encoded.
    expect(steps[0]).toContain(
      `${github.url.replace(/\/+$/, '')}/${HOSTILE_ORG}/api/settings/keys`,
    );
    const text = await run(['trim', `repo:${HOSTILE_ORG}/api`]);
    expect(text.code, text.stderr).toBe(0);
    expect(TERMINAL_UNSAFE.exec(text.stdout)).toBeNull();
    expect(text.stdout).not.toMatch(/^FAKE/m);
  });

  it('quotes hostile PAT owners in the steps', async () => {
    const r = await run(['trim', `user:${PAYLOADS.pipes}`, '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as ManualResult;
    expect(j.plan.trim!.manual!.join('\n')).toContain(`ask '${PAYLOADS.pipes}' to limit`);
  });
});
