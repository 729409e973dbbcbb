/**
 * The delivery of a new credential, in-process against the AWS stand-in (real SDK, real wire):
 * what was broken (issue 10) — a verify that fails once, a Secrets Manager reply that proves
 * nothing, a sink overwritten behind nhi's back — and the cut-over that replaced the cliff.
 * Faults are injected exactly between two steps through the engine's effect hook.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { chmodSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { applyRun, resumeDue, rollbackRun } from '../src/playbooks/engine.js';
import { cancelRun } from '../src/playbooks/housekeeping.js';
import { parseSinkSpec } from '../src/playbooks/plan.js';
import { makeTestContext } from '../src/connector/testing.js';
import {
  awsEnv,
  CALLER,
  harness,
  inUse,
  keyOf,
  keysOf,
  OLD_KEY,
  type Harness,
} from './playbooks-harness.js';
import { faultProxy } from './playbooks-worlds.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const SINK = 'aws-secrets-manager:prod/ci-bot';
let h: Harness | undefined;
let closeProxy: (() => Promise<void>) | undefined;
afterEach(async () => {
  await h?.close();
  await closeProxy?.();
  h = closeProxy = undefined;
});

function sinkKey(h: Harness): { id: string; secret: string } | null {
  const raw = h.standIn.readSecret('222233334444', 'prod/ci-bot');
  if (!raw) return null;
  const v = JSON.parse(raw) as Record<string, string>;
  return { id: v.AWS_ACCESS_KEY_ID!, secret: v.AWS_SECRET_ACCESS_KEY! };
}

/** The invariant, asked of the stand-in: the old key is active, or the sink's key is. */
function invariantHolds(h: Harness, inSink = sinkKey(h)): boolean {
  if (keyOf(h.standIn, OLD_KEY)?.status === 'Active') return true;
  const s = inSink;
  const k = s && keyOf(h.standIn, s.id);
  return Boolean(k && k.status === 'Active' && k.secret === s.secret);
}

function fileValues(path: string): Record<string, string> {
  return Object.fromEntries(
    readFileSync(path, 'utf8')
      .trim()
      .split('\n')
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

describe('a verify that fails once (issue 10: resume verified the old delivery)', () => {
  it('deletes the unproven key; resume delivers a fresh one and proves that one', async () => {
    h = await harness();
    const file = join(mkdtempSync(join(tmpdir(), 'nhi-sink-')), 'ci-bot.env');
    const runId = await h.store.createRun(
      await h.plan('rotate', OLD_KEY, parseSinkSpec(`file:${file}`)),
      h.clock.now.toISOString(),
    );
    // Right after the write, someone makes the file world-readable: verify must refuse it.
    const hooks = { afterEffect: (l: string) => l === 'sink-put' && chmodSync(file, 0o644) };
    await expect(applyRun(h.deps({ hooks }), runId)).rejects.toThrow(
      /step 3 \(sink-verify\) failed: .*mode is 644/,
    );
    const first = fileValues(file).AWS_ACCESS_KEY_ID!;
    expect(keyOf(h.standIn, first)).toBeUndefined(); // the unproven key is gone
    expect(keysOf(h.standIn).map((k) => [k.id, k.status])).toEqual([[OLD_KEY, 'Active']]);
    expect(invariantHolds(h)).toBe(true);

    // The file is still world-readable; resume replaces it (this run wrote it) with a fresh key.
    expect((await applyRun(h.deps(), runId)).status).toBe('waiting');
    const delivered = fileValues(file);
    expect(delivered.AWS_ACCESS_KEY_ID).not.toBe(first);
    expect(keyOf(h.standIn, delivered.AWS_ACCESS_KEY_ID!)).toMatchObject({
      status: 'Active',
      secret: delivered.AWS_SECRET_ACCESS_KEY,
    });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(keyOf(h.standIn, OLD_KEY)?.status).toBe('Inactive');
    expect(
      invariantHolds(h, {
        id: delivered.AWS_ACCESS_KEY_ID!,
        secret: delivered.AWS_SECRET_ACCESS_KEY!,
      }),
    ).toBe(true);
    // Verification proved the new key signs in as ci-bot, and the journal says so.
    const verify = (await h.store.steps(runId)).find((s) => s.action === 'sink-verify')!;
    expect(verify.result).toMatchObject({
      credential: delivered.AWS_ACCESS_KEY_ID,
      provedAs: 'arn:aws:iam::222233334444:user/ci-bot',
    });
    expect(h.said.join('\n')).not.toContain(delivered.AWS_SECRET_ACCESS_KEY!);
  });

  it('a new key that does not sign in is never delivered as the replacement', async () => {
    h = await harness();
    const runId = await h.store.createRun(
      await h.plan('rotate', OLD_KEY, parseSinkSpec(SINK)),
      h.clock.now.toISOString(),
    );
    // The new key is switched off behind nhi's back before it is proven.
    const hooks = {
      afterEffect: (l: string) => {
        if (l !== 'sink-put') return;
        const fresh = keysOf(h!.standIn).find((k) => k.id !== OLD_KEY)!;
        fresh.status = 'Inactive';
      },
    };
    await expect(applyRun(h.deps({ hooks }), runId)).rejects.toThrow(
      /sink-verify\) failed: .*InvalidClientTokenId/,
    );
    expect(keysOf(h.standIn).map((k) => [k.id, k.status])).toEqual([[OLD_KEY, 'Active']]);
    expect((await applyRun(h.deps(), runId)).status).toBe('waiting');
    expect(invariantHolds(h)).toBe(true);
  });
});

describe('verification proves this delivery, not some value', () => {
  it('a DescribeSecret answering {} proves nothing: the old key stays, the new one goes', async () => {
    h = await harness();
    // A proxy answers DescribeSecret with a bare `{}` (HTTP 200): a reply that proves nothing.
    const p = await faultProxy(h.standIn.url, (r) =>
      r.target.endsWith('.DescribeSecret')
        ? { status: 200, type: 'application/x-amz-json-1.1', body: '{}' }
        : null,
    );
    closeProxy = p.close;
    const url = p.url;
    const runId = await h.store.createRun(
      await h.plan('rotate', OLD_KEY, parseSinkSpec(SINK)),
      h.clock.now.toISOString(),
    );
    const contextFor = async () =>
      makeTestContext({
        now: h!.clock.now,
        env: { ...awsEnv(h!.standIn), AWS_ENDPOINT_URL_SECRETS_MANAGER: url },
        options: { maxAttempts: 1, pollIntervalMs: 1 },
      });
    await expect(applyRun(h.deps({ contextFor }), runId)).rejects.toThrow(
      /sink-verify\) failed: .*without VersionIdsToStages/,
    );
    expect(keysOf(h.standIn).map((k) => [k.id, k.status])).toEqual([[OLD_KEY, 'Active']]);
  });

  it('a sink overwritten after the proof stops the old key from being touched', async () => {
    h = await harness();
    const runId = await h.store.createRun(
      await h.plan('rotate', OLD_KEY, parseSinkSpec(SINK)),
      h.clock.now.toISOString(),
    );
    const sm = new SecretsManagerClient({
      endpoint: h.standIn.url,
      region: 'us-east-1',
      credentials: { accessKeyId: CALLER.accessKeyId, secretAccessKey: CALLER.secretAccessKey },
    });
    const hooks = {
      afterEffect: (l: string) => {
        if (l === 'prove')
          void sm.send(new PutSecretValueCommand({ SecretId: 'prod/ci-bot', SecretString: '{}' }));
      },
    };
    await expect(applyRun(h.deps({ hooks }), runId)).rejects.toThrow(
      /step 4 \(deactivate\) failed: .*no longer holds the new credential.*AKIACIBOTOLD00000001 was not touched/,
    );
    expect(keyOf(h.standIn, OLD_KEY)?.status).toBe('Active');
    expect(keysOf(h.standIn)).toHaveLength(1); // the orphaned replacement was removed
    // Resume delivers a fresh credential and finishes.
    expect((await applyRun(h.deps(), runId)).status).toBe('waiting');
    expect(invariantHolds(h)).toBe(true);
    expect(keyOf(h.standIn, OLD_KEY)?.status).toBe('Inactive');
  });
});

describe('cut-over, not cliff', () => {
  it('keeps the old key active until the new one is seen in use, then retires it', async () => {
    h = await harness();
    const plan = await h.plan('rotate', OLD_KEY, parseSinkSpec(SINK), inUse(7));
    const runId = await h.store.createRun(plan, h.clock.now.toISOString());
    const first = await applyRun(h.deps(), runId);
    expect(first.status).toBe('waiting');
    expect(first.notes.join()).toMatch(
      /not seen in use yet; AKIACIBOTOLD00000001 is retired once it is in use, or at .* at the latest/,
    );
    const fresh = sinkKey(h)!;
    expect(keyOf(h.standIn, OLD_KEY)?.status).toBe('Active');
    expect(keyOf(h.standIn, fresh.id)?.status).toBe('Active');

    // A day later, nothing used the new key yet: still waiting, both active.
    h.clock.now = new Date(h.clock.now.getTime() + DAY);
    expect((await resumeDue(h.deps())).map((o) => o.status)).toEqual(['waiting']);
    expect(keyOf(h.standIn, OLD_KEY)?.status).toBe('Active');

    // The consumer picks it up: the provider's last-used signal moves past nhi's own proof.
    keyOf(h.standIn, fresh.id)!.lastUsedAt = new Date(h.clock.now.getTime() - HOUR).toISOString();
    const [done] = await resumeDue(h.deps());
    expect(done?.status).toBe('waiting'); // now waiting for the deletion's grace period
    expect(keyOf(h.standIn, OLD_KEY)?.status).toBe('Inactive');
    const cut = (await h.store.steps(runId)).find((s) => s.action === 'cutover')!;
    expect(cut.result?.reason).toMatch(/in use \(last used/);
    expect(invariantHolds(h)).toBe(true);
  });

  it('a cron run without --yes stops before retiring, and says how to continue', async () => {
    h = await harness();
    const runId = await h.store.createRun(
      await h.plan('rotate', OLD_KEY, parseSinkSpec(SINK), inUse(7)),
      h.clock.now.toISOString(),
    );
    // Nothing destructive is due at first: no --yes needed to deliver and wait.
    expect((await applyRun(h.deps({ yes: false }), runId)).status).toBe('waiting');
    const fresh = sinkKey(h)!;
    h.clock.now = new Date(h.clock.now.getTime() + DAY);
    keyOf(h.standIn, fresh.id)!.lastUsedAt = new Date(h.clock.now.getTime() - HOUR).toISOString();
    const [out] = await resumeDue(h.deps({ yes: false, interactive: false }));
    expect(out).toMatchObject({ status: 'stopped' });
    expect(out!.notes.join()).toMatch(
      /changes a live credential: continue with 'nhi playbook resume \d+ --yes'/,
    );
    expect(keyOf(h.standIn, OLD_KEY)?.status).toBe('Active');
    expect((await applyRun(h.deps(), runId)).status).toBe('waiting');
    expect(keyOf(h.standIn, OLD_KEY)?.status).toBe('Inactive');
  });

  it('without any use, retires the old key when the overlap ends', async () => {
    h = await harness();
    const runId = await h.store.createRun(
      await h.plan('rotate', OLD_KEY, parseSinkSpec(SINK), inUse(3)),
      h.clock.now.toISOString(),
    );
    await applyRun(h.deps(), runId);
    h.clock.now = new Date(h.clock.now.getTime() + 3 * DAY - 60_000);
    await resumeDue(h.deps());
    expect(keyOf(h.standIn, OLD_KEY)?.status).toBe('Active');
    h.clock.now = new Date(h.clock.now.getTime() + 120_000);
    await resumeDue(h.deps());
    expect(keyOf(h.standIn, OLD_KEY)?.status).toBe('Inactive');
    expect((await h.store.steps(runId)).find((s) => s.action === 'cutover')!.result?.reason).toBe(
      'the 3-day overlap ended',
    );
  });

  it('a new key deleted while waiting: the old one stays and resume delivers another', async () => {
    h = await harness();
    const runId = await h.store.createRun(
      await h.plan('rotate', OLD_KEY, parseSinkSpec(SINK), inUse(7)),
      h.clock.now.toISOString(),
    );
    await applyRun(h.deps(), runId);
    const fresh = sinkKey(h)!;
    const user = h.standIn.estate.accounts[0]!.users.find((u) => u.name === 'ci-bot')!;
    user.accessKeys = user.accessKeys!.filter((k) => k.id !== fresh.id);
    h.clock.now = new Date(h.clock.now.getTime() + DAY);
    await expect(applyRun(h.deps(), runId)).rejects.toThrow(
      /cutover\) failed: .*no longer exists.*was not touched: 'nhi playbook resume/,
    );
    expect(keyOf(h.standIn, OLD_KEY)?.status).toBe('Active');
    expect((await applyRun(h.deps(), runId)).status).toBe('waiting');
    expect(sinkKey(h)!.id).not.toBe(fresh.id);
    expect(invariantHolds(h)).toBe(true);
  });

  it('cancelling a waiting rotation leaves both keys as they are and says so', async () => {
    h = await harness();
    const runId = await h.store.createRun(
      await h.plan('rotate', OLD_KEY, parseSinkSpec(SINK), inUse(7)),
      h.clock.now.toISOString(),
    );
    await applyRun(h.deps(), runId);
    const before = keysOf(h.standIn).map((k) => [k.id, k.status]);
    const out = await cancelRun(h.deps(), runId);
    expect(out.notes.join('; ')).toMatch(
      /the new credential AKIA\w+ stays active in aws-secrets-manager:prod\/ci-bot; AKIACIBOTOLD00000001 stays active/,
    );
    expect(keysOf(h.standIn).map((k) => [k.id, k.status])).toEqual(before);
    expect((await h.store.getRun(runId))!.status).toBe('cancelled');
    expect(await resumeDue(h.deps())).toEqual([]);
    await expect(rollbackRun(h.deps(), runId)).rejects.toThrow(/was cancelled/);
    expect((await h.store.audit()).at(-1)).toMatchObject({ action: 'cancel', runId });
  });

  it('refuses to cancel a run stopped half-way through a delivery', async () => {
    h = await harness();
    const runId = await h.store.createRun(
      await h.plan('rotate', OLD_KEY, parseSinkSpec(SINK)),
      h.clock.now.toISOString(),
    );
    h.standIn.faults.add({ action: 'PutSecretValue', kind: 'AccessDenied' });
    h.standIn.faults.add({ action: 'CreateSecret', kind: 'AccessDenied' });
    await expect(applyRun(h.deps(), runId)).rejects.toThrow(/sink-put/);
    await expect(cancelRun(h.deps(), runId)).rejects.toThrow(
      /only a planned, waiting or stopped run/,
    );
  });
});

describe('limits', () => {
  it('a stored plan with an absurd delay is refused before any step runs', async () => {
    h = await harness();
    const plan = await h.plan('revoke', OLD_KEY);
    plan.steps[1]!.delayDays = 200000000; // as a config without limits could have made it
    const runId = await h.store.createRun(plan, h.clock.now.toISOString());
    await expect(applyRun(h.deps(), runId)).rejects.toThrow(
      /step 2 \(delete\) waits 200000000 days, outside 0\.\.365; nothing was changed/,
    );
    expect(keyOf(h.standIn, OLD_KEY)?.status).toBe('Active');
    expect(await h.store.audit()).toEqual([]);
  });
});
