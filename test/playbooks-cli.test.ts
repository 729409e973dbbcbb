/**
 * The playbook commands as a user runs them: the CLI bundle in a child process with a scrubbed
 * environment, against the AWS stand-in (or the built-in demo estate).
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AwsStandIn } from '../connectors/aws/stand-in/server.js';
import {
  awsEnv,
  keyOf,
  keysOf,
  OLD_KEY,
  removeCliBuild,
  runCli,
  scanInto,
  startAws,
  tempCatalogPath,
} from './playbooks-harness.js';

afterAll(() => removeCliBuild());
let standIn: AwsStandIn | undefined;
afterEach(async () => {
  await standIn?.close();
  standIn = undefined;
});

async function setup(): Promise<Record<string, string>> {
  standIn = await startAws();
  const catalog = tempCatalogPath();
  await scanInto(catalog, standIn);
  return { ...awsEnv(standIn), NHI_CATALOG: catalog };
}

describe('nhi rotate / revoke', () => {
  it('without --apply prints the plan with the old key’s last use, saves it and changes nothing', async () => {
    const env = await setup();
    const r = await runCli(
      ['rotate', OLD_KEY, '--sink', 'aws-secrets-manager:prod/ci-bot', '--cutover', 'now'],
      env,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      'Rotate access key AKIACIBOTOLD00000001 of ci-bot into aws-secrets-manager:prod/ci-bot  (run 1)',
    );
    expect(r.stdout).toMatch(/last used \S+ \(s3, eu-west-1\)/);
    expect(r.stdout).toMatch(/1\. create a new access key for ci-bot\n/);
    expect(r.stdout).toMatch(
      /5\. delete access key .* after a 7-day grace period .*\[IRREVERSIBLE\]/,
    );
    expect(r.stdout).toContain(
      'Nothing changed. Apply this exact plan with: nhi playbook resume 1',
    );
    expect(keysOf(standIn!)).toHaveLength(1);
    expect(standIn!.requests.byAction.CreateAccessKey).toBeUndefined();

    const list = await runCli(['playbook', 'list', '--json'], env);
    expect(JSON.parse(list.stdout)).toMatchObject([
      { id: 1, kind: 'rotate', status: 'planned', sink: 'aws-secrets-manager:prod/ci-bot' },
    ]);
  });

  it('applying without --yes and without a terminal refuses with exit 2', async () => {
    const env = await setup();
    const r = await runCli(['revoke', OLD_KEY, '--apply'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^nhi: step 1 \(deactivate .*\) changes a live credential: confirm with --yes/m,
    );
    expect(keyOf(standIn!, OLD_KEY)?.status).toBe('Active');
  });

  it('refuses in one line with exit 2 when the key changed since planning', async () => {
    const env = await setup();
    expect((await runCli(['revoke', OLD_KEY], env)).code).toBe(0);
    keyOf(standIn!, OLD_KEY)!.status = 'Inactive';
    const r = await runCli(['playbook', 'resume', '1', '--yes'], env);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([
      "nhi: AKIACIBOTOLD00000001 is inactive now but was active when planned; nothing was changed: re-scan and plan again ('nhi scan', then 'nhi revoke c-" +
        r.stderr.match(/nhi revoke (c-[0-9a-f]+)/)![1]!.slice(2) +
        "')",
    ]);
  });

  it('unknown sinks and missing sinks are usage errors', async () => {
    const env = await setup();
    expect((await runCli(['rotate', OLD_KEY], env)).stderr).toMatch(/rotate needs --sink/);
    const r = await runCli(['rotate', OLD_KEY, '--sink', 'vault:kv/x'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown sink scheme 'vault'/);
  });

  it('--sink stdout prints the new secret, and only then', async () => {
    const env = await setup();
    const r = await runCli(['rotate', OLD_KEY, '--sink', 'stdout', '--apply', '--yes'], env);
    expect(r.code, r.stderr).toBe(0);
    const fresh = keysOf(standIn!).find((k) => k.id !== OLD_KEY)!;
    expect(r.stdout).toContain(
      `AWS_ACCESS_KEY_ID=${fresh.id}\nAWS_SECRET_ACCESS_KEY=${fresh.secret}\n`,
    );
    expect(r.stderr).not.toContain(fresh.secret!);
  });
});

describe('grace period and cron', () => {
  it('takes the grace period from the policy file; resume --due deletes once it is over', async () => {
    const env = await setup();
    const cwd = mkdtempSync(join(tmpdir(), 'nhi-cwd-'));
    writeFileSync(join(cwd, 'nhi.config.yaml'), 'playbooks:\n  deleteAfterDays: 3\n');
    const r = await runCli(['revoke', OLD_KEY, '--apply', '--yes'], env, { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('after a 3-day grace period');
    expect(keyOf(standIn!, OLD_KEY)?.status).toBe('Inactive');

    const early = await runCli(['playbook', 'resume', '--due', '--yes'], env, { cwd });
    expect(early.stdout).toContain('no deletions are due');
    expect(keyOf(standIn!, OLD_KEY)).toBeDefined();

    // Three days pass (moved in the journal, the one place the due date lives).
    const db = new Database(env.NHI_CATALOG);
    db.prepare(`UPDATE playbook_steps SET not_before = ? WHERE run_id = 1 AND seq = 2`).run(
      new Date(Date.now() - 1000).toISOString(),
    );
    db.close();
    const due = await runCli(['playbook', 'resume', '--due', '--yes'], env, { cwd });
    expect(due.code, due.stderr).toBe(0);
    expect(due.stdout).toContain('run 1: done');
    expect(keyOf(standIn!, OLD_KEY)).toBeUndefined();
  });
});

describe('nhi playbook audit', () => {
  it('exports JSON lines, verifies the chain, and detects tampering', async () => {
    const env = await setup();
    const applied = await runCli(['revoke', OLD_KEY, '--apply', '--yes'], env);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toMatch(/run 1: waiting\n\s+step 2 \(delete\) is due at /);

    const show = await runCli(['playbook', 'show', '1'], env);
    expect(show.stdout).toMatch(/1\. done\s+deactivate access key AKIACIBOTOLD00000001/);
    expect(show.stdout).toMatch(/2\. pending delete .* due 20/);

    const dir = mkdtempSync(join(tmpdir(), 'nhi-audit-'));
    const file = join(dir, 'audit.jsonl');
    expect((await runCli(['playbook', 'audit', '--export', file], env)).code).toBe(0);
    const all = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    // The export ends with its anchor: entry count and head hash, MAC'd with the audit key.
    expect(all.at(-1)).toMatchObject({ anchor: { kind: 'export', entries: 1 } });
    const lines = all.slice(0, -1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      seq: 1,
      action: 'deactivate',
      result: 'ok',
      runId: 1,
      step: 1,
    });
    expect(String(lines[0]!.actor)).toContain('aws key AKIANHITESTCALLER001');

    const ok = await runCli(['playbook', 'audit', '--verify'], env);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('audit log intact: 1 entries');

    const db = new Database(env.NHI_CATALOG);
    db.prepare(`UPDATE audit_log SET result = 'failed' WHERE seq = 1`).run();
    db.close();
    const bad = await runCli(['playbook', 'audit', '--verify'], env);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('audit log TAMPERED at entry 1');
    // The file exported before the edit still verifies on its own.
    expect((await runCli(['playbook', 'audit', '--verify', file], env)).code).toBe(0);
  });
});

describe('demo estate', () => {
  it('applies to the in-process stand-in and says so; remediate plans every flagged credential', async () => {
    const catalog = tempCatalogPath();
    const env = { NHI_CATALOG: catalog };
    expect((await runCli(['scan', '--demo', '--provider', 'aws'], env)).code).toBe(0);
    const list = JSON.parse(
      (
        await runCli(
          ['list', '--json', '--provider', 'aws', '--type', 'access-key', '--status', 'active'],
          env,
        )
      ).stdout,
    ) as {
      id: string;
      identity?: { name?: string };
    }[];
    const rows = Array.isArray(list) ? list : (list as { credentials: typeof list }).credentials;
    expect(rows.length).toBeGreaterThan(0);
    let applied = null;
    for (const row of rows) {
      const r = await runCli(['revoke', row.id, '--apply', '--yes'], env);
      if (r.code === 0) {
        applied = r;
        break;
      }
    }
    expect(applied).not.toBeNull();
    expect(applied!.stderr).toContain('demo estate: changes are made to the in-process stand-in');
    expect(applied!.stdout).toMatch(/run \d+: waiting/);

    const rem = await runCli(['remediate', '--rule', 'unused-credential', '--plan'], env);
    expect(rem.code, rem.stderr).toBe(0);
    // One plan per flagged credential — except one with a run already open (the revoke above,
    // if the rule flags that key), which is skipped and named.
    const m =
      /credential-unused: (\d+) finding\(s\), (\d+) plan\(s\) saved(, 1 already open)? — nothing changed/.exec(
        rem.stdout,
      );
    expect(m, rem.stdout).not.toBeNull();
    expect(Number(m![2]) + (m![3] ? 1 : 0)).toBe(Number(m![1]));
  });

  it('refuses root credentials before saving a plan', async () => {
    const catalog = tempCatalogPath();
    const env = { NHI_CATALOG: catalog };
    expect((await runCli(['scan', '--demo', '--provider', 'aws'], env)).code).toBe(0);
    const rows = JSON.parse(
      (await runCli(['list', '--json', '--provider', 'aws'], env)).stdout,
    ) as {
      id: string;
      identityKind: string;
    }[];
    const root = rows.find((r) => r.identityKind === 'root');
    expect(root).toBeDefined();
    const r = await runCli(['revoke', root!.id], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/belongs to the account root/);
    const runs = await runCli(['playbook', 'list', '--json'], env);
    expect(JSON.parse(runs.stdout)).toEqual([]);
  });
});
