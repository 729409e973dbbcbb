/**
 * Playbook housekeeping as a user meets it (the built CLI against the AWS stand-in): one open
 * run per credential, open and stale runs listed and cancelled, `show` naming the open run,
 * rollback asking like apply, absurd limits refused up front, the audit log anchored against
 * an export — and issue 10's own reproduction of a resume after a failed verify.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AwsStandIn } from '../connectors/aws/stand-in/server.js';
import {
  cliSetup,
  keyOf,
  keysOf,
  OLD_KEY,
  removeCliBuild,
  runCli,
  scanInto,
} from './playbooks-harness.js';

afterAll(() => removeCliBuild());
let standIn: AwsStandIn | undefined;
afterEach(async () => {
  await standIn?.close();
  standIn = undefined;
});

async function setup(): Promise<Record<string, string>> {
  const w = await cliSetup();
  standIn = w.standIn;
  return w.env;
}

const SINK = 'aws-secrets-manager:prod/ci-bot';

describe('one open run per credential', () => {
  it('a second revoke or rotate names the open run and how to resume or cancel it (exit 2)', async () => {
    const env = await setup();
    expect((await runCli(['revoke', OLD_KEY], env)).code).toBe(0);
    const again = await runCli(['revoke', OLD_KEY], env);
    expect(again.code).toBe(2);
    expect(again.stderr.trim()).toMatch(
      /^nhi: run 1 \(revoke, planned\) is already open for c-\w+ \(AKIACIBOTOLD00000001\): 'nhi playbook resume 1' continues it, 'nhi playbook cancel 1' cancels it$/,
    );
    const rotate = await runCli(['rotate', OLD_KEY, '--sink', SINK], env);
    expect(rotate.code).toBe(2);
    expect(rotate.stderr).toContain('run 1 (revoke, planned) is already open');
    const list = JSON.parse(
      (await runCli(['playbook', 'list', '--json'], env)).stdout,
    ) as unknown[];
    expect(list).toHaveLength(1);

    // `show` mentions it; once cancelled, a new plan may be made.
    const show = await runCli(['show', OLD_KEY], env);
    expect(show.stdout).toMatch(
      /Open playbook run 1: revoke of c-\w+, planned \(nhi playbook show 1\)/,
    );
    const cancelled = await runCli(['playbook', 'cancel', '1'], env);
    expect(cancelled.code, cancelled.stderr).toBe(0);
    expect(cancelled.stdout).toMatch(/run 1: cancelled\n\s+nothing had been changed/);
    expect((await runCli(['show', OLD_KEY], env)).stdout).not.toContain('Open playbook run');
    expect((await runCli(['revoke', OLD_KEY], env)).code).toBe(0);
  });

  it('lists open runs and stale plans, and cancels the stale ones', async () => {
    const env = await setup();
    await runCli(['revoke', OLD_KEY], env);
    let open = await runCli(['playbook', 'list', '--open'], env);
    expect(open.stdout).toMatch(/1 +│? *revoke/);
    // A scan after the plan makes it stale: it was made from what the catalog no longer says.
    expect((await runCli(['playbook', 'list', '--stale'], env)).stdout).toContain('no stale plans');
    await scanInto(env.NHI_CATALOG!, standIn!);
    const stale = await runCli(['playbook', 'list', '--stale', '--json'], env);
    expect(JSON.parse(stale.stdout)).toMatchObject([
      { id: 1, stale: expect.stringMatching(/planned before scan #2/) },
    ]);
    const c = await runCli(['playbook', 'cancel', '--stale'], env);
    expect(c.code, c.stderr).toBe(0);
    open = await runCli(['playbook', 'list', '--open'], env);
    expect(open.stdout).toContain('no open playbook runs');
    expect(keyOf(standIn!, OLD_KEY)?.status).toBe('Active');
  });
});

describe('remediate', () => {
  it('skips a credential whose run is open, says which, and fills sink templates safely', async () => {
    const env = await setup();
    // A scored scan through the CLI (remediate works from the latest scores).
    const scan = await runCli(['scan', '--provider', 'aws'], env);
    expect(scan.code, scan.stderr).toBe(0);
    const dir = mkdtempSync(join(tmpdir(), 'nhi-remediate-'));
    const sink = `file:${dir}/{identity}-{credential}.env`;
    const first = await runCli(['remediate', '--rule', 'credential-rotation', '--sink', sink], env);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/credential-rotation: \d+ finding\(s\), 1 plan\(s\) saved/);
    expect(first.stdout).toMatch(new RegExp(`into file:${dir}/ci-bot-c-\\w+\\.env`));
    const second = await runCli(
      ['remediate', '--rule', 'credential-rotation', '--sink', sink],
      env,
    );
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/0 plan\(s\) saved, 1 already open/);
    expect(second.stderr).toMatch(/skipped: run 1 \(rotate, planned\) is already open/);
    expect(JSON.parse((await runCli(['playbook', 'list', '--json'], env)).stdout)).toHaveLength(1);
  });
});

describe('remediate acts on the verdict every view shows', () => {
  it('a rule disabled in the config since the scan plans nothing', async () => {
    const env = await setup();
    expect((await runCli(['scan', '--provider', 'aws'], env)).code).toBe(0);
    const cwd = mkdtempSync(join(tmpdir(), 'nhi-cwd-'));
    writeFileSync(
      join(cwd, 'nhi.config.yaml'),
      'rules:\n  credential-unused:\n    enabled: false\n',
    );
    const r = await runCli(['remediate', '--rule', 'credential-unused', '--plan'], env, { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/credential-unused: 0 finding\(s\), 0 plan\(s\) saved/);
    expect(JSON.parse((await runCli(['playbook', 'list', '--json'], env)).stdout)).toHaveLength(0);
  });
});

describe('rollback asks like apply', () => {
  it('without --yes and without a terminal it refuses and changes nothing', async () => {
    const env = await setup();
    expect((await runCli(['revoke', OLD_KEY, '--apply', '--yes'], env)).code).toBe(0);
    const r = await runCli(['playbook', 'rollback', '1'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/roll back run 1 .* changes live credentials: confirm with --yes/);
    expect(keyOf(standIn!, OLD_KEY)?.status).toBe('Inactive');
    expect((await runCli(['playbook', 'rollback', '1', '--yes'], env)).code).toBe(0);
    expect(keyOf(standIn!, OLD_KEY)?.status).toBe('Active');
  });
});

describe('limits', () => {
  it('an absurd deleteAfterDays is one line, exit 2, before any step runs', async () => {
    const env = await setup();
    const cwd = mkdtempSync(join(tmpdir(), 'nhi-cwd-'));
    writeFileSync(join(cwd, 'nhi.config.yaml'), 'playbooks:\n  deleteAfterDays: 200000000\n');
    const r = await runCli(['revoke', OLD_KEY, '--apply', '--yes'], env, { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/nhi\.config\.yaml:2:\d+: playbooks\.deleteAfterDays: .*365/);
    expect(keyOf(standIn!, OLD_KEY)?.status).toBe('Active');
    const flag = await runCli(['rotate', OLD_KEY, '--sink', SINK, '--overlap-days', '1000'], env);
    expect(flag.code).toBe(2);
    expect(flag.stderr.trim()).toMatch(
      /overlap .* must be a whole number of days from 0 to 90, not 1000$/,
    );
  });
});

describe('issue 10: resume after a failed verify', () => {
  it('kill after the sink write, chmod 644, resume, chmod 600, resume: the file holds a live key', async () => {
    const env = await setup();
    const file = join(mkdtempSync(join(tmpdir(), 'nhi-sink-')), 'ci-bot.env');
    const crashed = await runCli(
      ['rotate', OLD_KEY, '--sink', `file:${file}`, '--cutover', 'now', '--apply', '--yes'],
      { ...env, NHI_TEST_KILL_AFTER_STEP: '4' },
    );
    expect(crashed.signal).toBe('SIGKILL');
    chmodSync(file, 0o644);
    const first = await runCli(['playbook', 'resume', '1', '--yes'], env);
    expect(first.code, first.stderr).toBe(0);
    chmodSync(file, 0o600);
    const second = await runCli(['playbook', 'resume', '1', '--yes'], env);
    expect(second.code, second.stderr).toBe(0);
    const lines = Object.fromEntries(
      readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    const inFile = keyOf(standIn!, lines.AWS_ACCESS_KEY_ID!);
    expect(inFile).toMatchObject({ status: 'Active', secret: lines.AWS_SECRET_ACCESS_KEY });
    expect(keyOf(standIn!, OLD_KEY)?.status).toBe('Inactive');
    expect(
      keysOf(standIn!)
        .map((k) => k.id)
        .sort(),
    ).toEqual([OLD_KEY, inFile!.id].sort());
  });
});

describe('audit log anchors', () => {
  it('--against an export proves nothing was removed since; a cut-off tail is caught', async () => {
    const env = await setup();
    expect((await runCli(['revoke', OLD_KEY, '--apply', '--yes'], env)).code).toBe(0);
    const dir = mkdtempSync(join(tmpdir(), 'nhi-audit-'));
    const file = join(dir, 'audit.jsonl');
    expect((await runCli(['playbook', 'audit', '--export', file], env)).code).toBe(0);
    const ok = await runCli(['playbook', 'audit', '--verify', '--against', file], env);
    expect(ok.code, ok.stdout).toBe(0);
    expect(ok.stdout).toMatch(
      /audit log intact: 1 entries, hash chain verified \(catalog against .*audit\.jsonl\)/,
    );

    const db = new Database(env.NHI_CATALOG);
    db.prepare('DELETE FROM audit_log').run();
    db.prepare('DELETE FROM audit_anchors').run();
    db.close();
    const bad = await runCli(['playbook', 'audit', '--verify'], env);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(
      /audit log TAMPERED: the log has 0 entries but the .* anchor .* recorded 1/,
    );
    const against = await runCli(['playbook', 'audit', '--against', file], env);
    expect(against.code).toBe(1);
    expect(against.stdout).toContain('entries were removed since the export');

    const missing = await runCli(
      ['playbook', 'audit', '--export', join(dir, 'no/such/dir/x')],
      env,
    );
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim()).toMatch(
      /^nhi: cannot write audit export to .*no\/such\/dir\/x: directory .* does not exist$/,
    );
  });
});
