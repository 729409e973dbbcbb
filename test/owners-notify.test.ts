/**
 * Notices before nhi acts, as a user runs them: the built CLI tells the owner through a
 * webhook (a local receiver in this test), waits the notice period, and `resume --due`
 * continues after it; a webhook that fails stops the run with nothing changed; a crash after
 * every journal write and every side effect of the notice resumes to the same place.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AwsStandIn } from '../connectors/aws/stand-in/server.js';
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

interface Received {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: { text: string; nhi: Record<string, unknown> };
}

/** A webhook receiver: records every POST and answers `status`. */
async function receiver(
  status = 200,
): Promise<{ url: string; got: Received[]; close(): Promise<void> }> {
  const got: Received[] = [];
  const server: Server = createServer((req, res) => {
    let data = '';
    req.on('data', (d: Buffer) => (data += d.toString()));
    req.on('end', () => {
      got.push({
        path: req.url ?? '',
        headers: req.headers,
        body: JSON.parse(data) as Received['body'],
      });
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'no');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/services/T000/B000/secret-hook-token`,
    got,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

const CONFIG = [
  'owners:',
  '  map:',
  '    - match: { provider: aws, name: ci-bot }',
  '      owner: alice@example.com',
  '      team: platform',
  '      purpose: deploys the storefront',
  '  notify:',
  '    noticeDays: 2',
  '',
].join('\n');

function configDir(text = CONFIG): string {
  const cwd = mkdtempSync(join(tmpdir(), 'nhi-owners-'));
  writeFileSync(join(cwd, 'nhi.config.yaml'), text);
  return cwd;
}

function stepsOf(catalog: string): { action: string; status: string }[] {
  const db = new Database(catalog, { readonly: true });
  try {
    return db
      .prepare(`SELECT action, status FROM playbook_steps WHERE run_id = 1 ORDER BY seq`)
      .all() as { action: string; status: string }[];
  } finally {
    db.close();
  }
}

/** The notice period passes (moved in the journal, the one place a due date lives). */
function endNoticePeriod(catalog: string): void {
  const db = new Database(catalog);
  db.prepare(
    `UPDATE playbook_steps SET not_before = ? WHERE run_id = 1 AND action = 'notice-period'`,
  ).run(new Date(Date.now() - 1000).toISOString());
  db.close();
}

afterAll(() => removeCliBuild());
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

async function setup(status = 200) {
  const standIn: AwsStandIn = await startAws();
  const hook = await receiver(status);
  cleanup.push(
    () => standIn.close(),
    () => hook.close(),
  );
  const catalog = tempCatalogPath();
  await scanInto(catalog, standIn);
  const env = { ...awsEnv(standIn), NHI_CATALOG: catalog, NHI_NOTIFY_WEBHOOK: hook.url };
  return { standIn, hook, catalog, env, cwd: configDir() };
}

describe('notify, wait, then revoke', () => {
  it('tells the owner, waits the notice period, and resume --due revokes after it', async () => {
    const { standIn, hook, catalog, env, cwd } = await setup();
    const plan = await runCli(['revoke', OLD_KEY], env, { cwd });
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(
      /1\. tell alice@example\.com \(platform\), the owner \(owners\.map at nhi\.config\.yaml:3:7 \(high\)\), through the webhook in NHI_NOTIFY_WEBHOOK/,
    );
    expect(plan.stdout).toMatch(/2\. wait 2 days after the notice before any change/);
    expect(hook.got).toHaveLength(0);

    // Sending a notice changes nothing at the provider: no --yes needed to start.
    const applied = await runCli(['playbook', 'resume', '1'], env, { cwd });
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toMatch(
      /run 1: waiting\n\s+alice@example\.com was told at \S+; nothing changes before \S+/,
    );
    expect(hook.got).toHaveLength(1);
    const notice = hook.got[0]!;
    expect(notice.headers['idempotency-key']).toBe('nhi-run-1');
    expect(notice.body.text).toContain(
      'alice@example.com (platform), you are recorded as the owner of ci-bot',
    );
    expect(notice.body.text).toContain(`Planned: revoke access-key ${OLD_KEY} of ci-bot`);
    expect(notice.body.text).toContain('Purpose on record: deploys the storefront.');
    expect(notice.body.text).toContain('To stop it: nhi playbook cancel 1');
    expect(notice.body.nhi).toMatchObject({
      event: 'playbook-notice',
      runId: 1,
      owner: 'alice@example.com',
      team: 'platform',
      credentialExternalId: OLD_KEY,
    });
    expect(Date.parse(String(notice.body.nhi.changesFrom)) - Date.now()).toBeGreaterThan(
      2 * 86_400_000 - 120_000,
    );
    expect(keyOf(standIn, OLD_KEY)?.status).toBe('Active');
    // The webhook's path is its secret: neither the output nor the catalog holds it.
    expect(applied.stdout + applied.stderr).not.toContain('secret-hook-token');
    expect(readFileSync(catalog).toString('latin1')).not.toContain('secret-hook-token');

    const early = await runCli(['playbook', 'resume', '--due', '--yes'], env, { cwd });
    expect(early.code, early.stderr).toBe(0);
    expect(keyOf(standIn, OLD_KEY)?.status).toBe('Active');
    expect(hook.got).toHaveLength(1);

    endNoticePeriod(catalog);
    const due = await runCli(['playbook', 'resume', '--due', '--yes'], env, { cwd });
    expect(due.code, due.stderr).toBe(0);
    expect(keyOf(standIn, OLD_KEY)?.status).toBe('Inactive');
    expect(hook.got).toHaveLength(1);
    expect(stepsOf(catalog).map((s) => `${s.action}:${s.status}`)).toEqual([
      'notify:done',
      'notice-period:done',
      'deactivate:done',
      'delete:pending',
    ]);
    const audit = await runCli(['playbook', 'audit', '--json'], env, { cwd });
    const actions = (JSON.parse(audit.stdout) as { action: string; result: string }[]).map(
      (e) => `${e.action}:${e.result}`,
    );
    expect(actions).toEqual(
      expect.arrayContaining(['notify:ok', 'notice-period:ok', 'deactivate:ok']),
    );
  });

  it('a webhook that refuses the notice stops the run with nothing changed', async () => {
    const { standIn, hook, catalog, env, cwd } = await setup(500);
    const r = await runCli(['revoke', OLD_KEY, '--apply', '--yes'], env, { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n').at(-1)).toMatch(
      /^nhi: step 1 \(notify\) failed: POST http:\/\/127\.0\.0\.1:\d+ \(NHI_NOTIFY_WEBHOOK\): 500 the webhook refused the notice — run 1 is journaled/,
    );
    expect(r.stderr).not.toContain('secret-hook-token');
    expect(hook.got.length).toBeGreaterThanOrEqual(1);
    expect(keyOf(standIn, OLD_KEY)?.status).toBe('Active');
    expect(standIn.requests.byAction.UpdateAccessKey).toBeUndefined();
    expect(stepsOf(catalog).map((s) => s.status)).toEqual([
      'failed',
      'pending',
      'pending',
      'pending',
    ]);
  });

  it('no webhook configured in the environment: one line, exit 2, nothing changed', async () => {
    const { standIn, env, cwd } = await setup();
    const { NHI_NOTIFY_WEBHOOK: _, ...without } = env;
    const r = await runCli(['revoke', OLD_KEY, '--apply', '--yes'], without, { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /step 1 \(notify\) failed: no notice channel: NHI_NOTIFY_WEBHOOK is not set/,
    );
    expect(keyOf(standIn, OLD_KEY)?.status).toBe('Active');
  });

  it('an unowned credential gets no notice step, and the plan says why', async () => {
    const { env } = await setup();
    const cwd = configDir('owners:\n  notify: { noticeDays: 1 }\n');
    const r = await runCli(['revoke', OLD_KEY], env, { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('no owner on record, so nobody is told before the change');
    expect(r.stdout).not.toMatch(/tell .* the owner/);
  });

  it('rollback during the notice period tells the owner it was called off', async () => {
    const { standIn, hook, env, cwd } = await setup();
    expect((await runCli(['revoke', OLD_KEY, '--apply'], env, { cwd })).code).toBe(0);
    const rb = await runCli(['playbook', 'rollback', '1', '--yes'], env, { cwd });
    expect(rb.code, rb.stderr).toBe(0);
    expect(hook.got.map((g) => g.body.nhi.event)).toEqual([
      'playbook-notice',
      'playbook-cancelled',
    ]);
    expect(keyOf(standIn, OLD_KEY)?.status).toBe('Active');
  });
});

describe('crash safety of the notice', () => {
  // Journal writes before the wait: notify intent, notify result, the notice period's due date.
  const WRITES = 3;
  it.each([
    ...Array.from({ length: WRITES }, (_, i) => ['NHI_TEST_KILL_AFTER_STEP', i + 1] as const),
    ['NHI_TEST_KILL_AFTER_EFFECT', 1] as const,
  ])(
    'killed after %s=%i: resume reaches the wait, the key untouched, the owner told',
    async (hookVar, n) => {
      const { standIn, hook, catalog, env, cwd } = await setup();
      const r = await runCli(
        ['revoke', OLD_KEY, '--apply', '--yes'],
        { ...env, [hookVar]: String(n) },
        { cwd },
      );
      expect(r.signal).toBe('SIGKILL');
      expect(keyOf(standIn, OLD_KEY)?.status).toBe('Active');
      const resumed = await runCli(['playbook', 'resume', '1', '--yes'], env, { cwd });
      expect(resumed.code, resumed.stderr).toBe(0);
      expect(resumed.stdout).toMatch(/run 1: waiting/);
      expect(keyOf(standIn, OLD_KEY)?.status).toBe('Active');
      expect(stepsOf(catalog).map((s) => s.status)).toEqual([
        'done',
        'pending',
        'pending',
        'pending',
      ]);
      // At least once, and every copy carries the same notice id for the receiver to drop repeats.
      expect(hook.got.length).toBeGreaterThanOrEqual(1);
      expect(new Set(hook.got.map((g) => g.body.nhi.noticeId))).toEqual(new Set(['nhi-run-1']));
      endNoticePeriod(catalog);
      const due = await runCli(['playbook', 'resume', '--due', '--yes'], env, { cwd });
      expect(due.code, due.stderr).toBe(0);
      expect(keyOf(standIn, OLD_KEY)?.status).toBe('Inactive');
    },
    120_000,
  );
});
