/**
 * Playbooks applied in-process with the real AWS actions against the AWS stand-in (real SDK,
 * real wire): staged revocation, rotation into Secrets Manager, rollback, faults and drift.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, statSync, writeFileSync, readFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { applyRun, resumeDue, rollbackRun } from '../src/playbooks/engine.js';
import { cancelRun } from '../src/playbooks/housekeeping.js';
import { parseSinkSpec } from '../src/playbooks/plan.js';
import { verifyAuditChain } from '../src/catalog/playbook-store.js';
import {
  CALLER,
  harness,
  keyOf,
  keysOf,
  OLD_KEY,
  SPARE_KEY,
  type Harness,
} from './playbooks-harness.js';

const DAY = 86_400_000;
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function readSecret(url: string, name: string): Promise<Record<string, string>> {
  const sm = new SecretsManagerClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: CALLER.accessKeyId, secretAccessKey: CALLER.secretAccessKey },
  });
  const out = await sm.send(new GetSecretValueCommand({ SecretId: name }));
  return JSON.parse(out.SecretString!) as Record<string, string>;
}

describe('revoke (AWS access key)', () => {
  it('deactivates now, deletes when the grace period is over, and audits every action', async () => {
    h = await harness();
    const plan = await h.plan('revoke', OLD_KEY);
    const runId = await h.store.createRun(plan, h.clock.now.toISOString());
    const first = await applyRun(h.deps(), runId);
    expect(first.status).toBe('waiting');
    expect(keyOf(h.standIn, OLD_KEY)?.status).toBe('Inactive');
    const del = (await h.store.steps(runId))[1]!;
    expect(del.status).toBe('pending');
    expect(new Date(del.notBefore!).getTime() - h.clock.now.getTime()).toBe(7 * DAY);

    // Not due yet: nothing happens.
    h.clock.now = new Date(h.clock.now.getTime() + 6 * DAY);
    expect(await resumeDue(h.deps())).toEqual([]);
    expect(keyOf(h.standIn, OLD_KEY)).toBeDefined();

    h.clock.now = new Date(h.clock.now.getTime() + 1 * DAY);
    const [due] = await resumeDue(h.deps());
    expect(due?.status).toBe('done');
    expect(keyOf(h.standIn, OLD_KEY)).toBeUndefined();

    const audit = await h.store.audit();
    expect(audit.map((a) => [a.action, a.result])).toEqual([
      ['deactivate', 'ok'],
      ['delete', 'ok'],
    ]);
    expect(audit[0]!.actor).toContain('AKIANHITESTCALLER001');
    expect((await h.store.steps(runId))[0]!.requestId).toBeTruthy();
    expect(verifyAuditChain(audit, h.keys.key()).ok).toBe(true);
  });

  it('rollback re-activates the key and cancels the pending deletion', async () => {
    h = await harness();
    const runId = await h.store.createRun(
      await h.plan('revoke', OLD_KEY),
      h.clock.now.toISOString(),
    );
    await applyRun(h.deps(), runId);
    expect(keyOf(h.standIn, OLD_KEY)?.status).toBe('Inactive');
    const out = await rollbackRun(h.deps(), runId);
    expect(out.status).toBe('rolled-back');
    expect(keyOf(h.standIn, OLD_KEY)?.status).toBe('Active');
    expect((await h.store.steps(runId)).map((s) => s.status)).toEqual(['undone', 'undone']);
    // A rolled-back run is never resumed by cron.
    h.clock.now = new Date(h.clock.now.getTime() + 30 * DAY);
    expect(await resumeDue(h.deps())).toEqual([]);
    expect(keyOf(h.standIn, OLD_KEY)?.status).toBe('Active');
  });

  it('refuses when the key changed since planning, and changes nothing', async () => {
    h = await harness();
    const runId = await h.store.createRun(
      await h.plan('revoke', OLD_KEY),
      h.clock.now.toISOString(),
    );
    keyOf(h.standIn, OLD_KEY)!.status = 'Inactive'; // someone else switched it off
    await expect(applyRun(h.deps(), runId)).rejects.toThrow(
      /AKIACIBOTOLD00000001 is inactive now but was active when planned; nothing was changed/,
    );
    expect((await h.store.getRun(runId))!.status).toBe('planned');
    expect(await h.store.audit()).toEqual([]);
  });

  it('refuses when the key set changed or the key is gone', async () => {
    h = await harness();
    const runId = await h.store.createRun(
      await h.plan('revoke', OLD_KEY),
      h.clock.now.toISOString(),
    );
    keysOf(h.standIn).push({
      id: 'AKIASNEAKY0000000001',
      status: 'Active',
      createdAt: new Date().toISOString(),
    });
    await expect(applyRun(h.deps(), runId)).rejects.toThrow(
      /credentials of ci-bot changed since planning \(AKIASNEAKY0000000001 appeared\)/,
    );
    keysOf(h.standIn).splice(0, keysOf(h.standIn).length);
    await expect(applyRun(h.deps(), runId)).rejects.toThrow(/no longer exists/);
  });

  it('refuses while another live process is applying the same run', async () => {
    h = await harness();
    const runId = await h.store.createRun(
      await h.plan('revoke', OLD_KEY),
      h.clock.now.toISOString(),
    );
    // The test runner's parent process stands in for a concurrent `nhi playbook resume`.
    h.catalog.db
      .prepare('UPDATE playbook_runs SET holder = ? WHERE id = ?')
      .run(`${process.ppid}@${hostname()}`, runId);
    await expect(applyRun(h.deps(), runId)).rejects.toThrow(/is being applied by process \d+@/);
    expect(keyOf(h.standIn, OLD_KEY)?.status).toBe('Active');
  });

  it('without --yes and without a terminal, refuses before changing anything', async () => {
    h = await harness();
    const runId = await h.store.createRun(
      await h.plan('revoke', OLD_KEY),
      h.clock.now.toISOString(),
    );
    await expect(applyRun(h.deps({ yes: false, interactive: false }), runId)).rejects.toThrow(
      /confirm with --yes/,
    );
    expect(keyOf(h.standIn, OLD_KEY)?.status).toBe('Active');
  });

  it('asks before each destructive step; a "no" stops the run where it is', async () => {
    h = await harness();
    const runId = await h.store.createRun(
      await h.plan('revoke', OLD_KEY),
      h.clock.now.toISOString(),
    );
    const asked: number[] = [];
    const out = await applyRun(
      h.deps({ yes: false, interactive: true, confirm: async (s) => (asked.push(s.seq), false) }),
      runId,
    );
    expect(asked).toEqual([1]);
    expect(out.status).toBe('stopped');
    expect(keyOf(h.standIn, OLD_KEY)?.status).toBe('Active');
  });
});

describe('rotate (AWS access key)', () => {
  const SINK = 'aws-secrets-manager:prod/ci-bot';

  it('puts the new key in Secrets Manager, verifies it, then deactivates the old one', async () => {
    h = await harness();
    const plan = await h.plan('rotate', OLD_KEY, parseSinkSpec(SINK));
    const runId = await h.store.createRun(plan, h.clock.now.toISOString());
    const out = await applyRun(h.deps(), runId);
    expect(out.status).toBe('waiting');
    const keys = keysOf(h.standIn);
    expect(keys).toHaveLength(2);
    const fresh = keys.find((k) => k.id !== OLD_KEY)!;
    expect(fresh.status).toBe('Active');
    expect(keyOf(h.standIn, OLD_KEY)?.status).toBe('Inactive');
    const stored = await readSecret(h.standIn.url, 'prod/ci-bot');
    expect(stored.AWS_ACCESS_KEY_ID).toBe(fresh.id);
    expect(stored.AWS_SECRET_ACCESS_KEY).toBe(fresh.secret);
    // The journal names the new key but never holds its secret.
    const journal =
      JSON.stringify(await h.store.steps(runId)) + JSON.stringify(await h.store.audit());
    expect(journal).toContain(fresh.id);
    expect(journal).not.toContain(fresh.secret!);
    expect((await h.store.audit()).map((a) => a.action)).toEqual([
      'create',
      'sink-put',
      'sink-verify',
      'deactivate',
    ]);
  });

  it('rollback re-activates the old key and deletes the new one', async () => {
    h = await harness();
    const runId = await h.store.createRun(
      await h.plan('rotate', OLD_KEY, parseSinkSpec(SINK)),
      h.clock.now.toISOString(),
    );
    await applyRun(h.deps(), runId);
    const out = await rollbackRun(h.deps(), runId);
    expect(keysOf(h.standIn).map((k) => [k.id, k.status])).toEqual([[OLD_KEY, 'Active']]);
    expect(out.notes.join()).toContain('prod/ci-bot: still holds the new value');
  });

  it('at the 2-key limit deletes the inactive second key first', async () => {
    h = await harness('spare-inactive');
    const plan = await h.plan('rotate', OLD_KEY, parseSinkSpec(SINK));
    expect(plan.steps[0]).toMatchObject({ action: 'delete-sibling', targetExternalId: SPARE_KEY });
    await applyRun(h.deps(), await h.store.createRun(plan, h.clock.now.toISOString()));
    expect(keyOf(h.standIn, SPARE_KEY)).toBeUndefined();
    expect(keysOf(h.standIn)).toHaveLength(2);
  });

  it('at the 2-key limit with two active keys refuses to plan', async () => {
    h = await harness('second-active');
    await expect(h.plan('rotate', OLD_KEY, parseSinkSpec(SINK))).rejects.toThrow(
      /already has 2 access keys/,
    );
  });

  it('when the sink write fails: the old key is untouched and the new one removed; resume then succeeds', async () => {
    h = await harness();
    const runId = await h.store.createRun(
      await h.plan('rotate', OLD_KEY, parseSinkSpec(SINK)),
      h.clock.now.toISOString(),
    );
    h.standIn.faults.add({ action: 'PutSecretValue', kind: 'AccessDenied' });
    h.standIn.faults.add({ action: 'CreateSecret', kind: 'AccessDenied' });
    await expect(applyRun(h.deps(), runId)).rejects.toThrow(
      /step 2 \(sink-put\) failed: .*resume.*rollback/,
    );
    expect(keysOf(h.standIn).map((k) => [k.id, k.status])).toEqual([[OLD_KEY, 'Active']]);
    expect((await h.store.getRun(runId))!.status).toBe('failed');
    expect((await h.store.steps(runId)).map((s) => s.status).slice(0, 2)).toEqual([
      'undone',
      'failed',
    ]);

    h.standIn.faults.clear();
    expect((await applyRun(h.deps(), runId)).status).toBe('waiting');
    const stored = await readSecret(h.standIn.url, 'prod/ci-bot');
    expect(keyOf(h.standIn, stored.AWS_ACCESS_KEY_ID!)?.status).toBe('Active');
    expect(keyOf(h.standIn, OLD_KEY)?.status).toBe('Inactive');
  });

  it('rides out throttling mid-playbook (the SDK retries)', async () => {
    h = await harness();
    const runId = await h.store.createRun(
      await h.plan('rotate', OLD_KEY, parseSinkSpec(SINK)),
      h.clock.now.toISOString(),
    );
    h.standIn.faults.add({ action: 'UpdateAccessKey', kind: 'Throttling', times: 1 });
    expect((await applyRun(h.deps(), runId)).status).toBe('waiting');
    expect(h.standIn.requests.byAction.UpdateAccessKey).toBe(2);
    expect(keyOf(h.standIn, OLD_KEY)?.status).toBe('Inactive');
  });

  it('file sink: mode 0600, and an existing file is refused before any key is created', async () => {
    h = await harness();
    const dir = mkdtempSync(join(tmpdir(), 'nhi-sink-'));
    const target = join(dir, 'ci-bot.env');
    writeFileSync(target, 'keep me\n');
    const runId = await h.store.createRun(
      await h.plan('rotate', OLD_KEY, parseSinkSpec(`file:${target}`)),
      h.clock.now.toISOString(),
    );
    await expect(applyRun(h.deps(), runId)).rejects.toThrow(/already exists.*--overwrite-sink/);
    expect(keysOf(h.standIn)).toHaveLength(1);
    expect(readFileSync(target, 'utf8')).toBe('keep me\n');
    // One open run per credential: the refused plan is cancelled before planning another.
    await cancelRun(h.deps(), runId);

    const fresh = join(dir, 'new.env');
    const run2 = await h.store.createRun(
      await h.plan('rotate', OLD_KEY, parseSinkSpec(`file:${fresh}`)),
      h.clock.now.toISOString(),
    );
    await applyRun(h.deps(), run2);
    expect(existsSync(fresh)).toBe(true);
    expect(statSync(fresh).mode & 0o777).toBe(0o600);
    const newKey = keysOf(h.standIn).find((k) => k.id !== OLD_KEY)!;
    expect(readFileSync(fresh, 'utf8')).toBe(
      `AWS_ACCESS_KEY_ID=${newKey.id}\nAWS_SECRET_ACCESS_KEY=${newKey.secret}\n`,
    );
  });
});
