import { afterEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import pg from 'pg';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backends, type Backend } from '../../fixtures/backends.js';
import { MIGRATIONS } from './migrations/index.js';
import { openCatalog, openStore, type CatalogStore } from './index.js';
import {
  canonicalJson,
  OpenRunConflict,
  verifyAuditChain,
  type AuditKey,
  type PlaybookStore,
} from './playbook-store.js';
import { SqlitePlaybookStore } from './sqlite/playbook-store.js';
import { keyIdOf, type AuditSigner } from './audit-log.js';
import type { Plan } from '../model/index.js';
import { REVOKE_PLAN as plan } from '../../fixtures/playbook-plan.js';

/** An in-memory key: the catalog only needs something that signs (key files are playbooks'). */
function signer(): AuditSigner & { key(): AuditKey } {
  const secret = randomBytes(32);
  const key = { secret, id: keyIdOf(secret) };
  return { key: () => key };
}

const audit = (action: string, result = 'ok') => ({
  at: '2026-11-20T10:00:01.000Z',
  actor: 'ops@host (aws key AKIATEST)',
  runId: 1,
  step: 1,
  action,
  result,
});

const open: CatalogStore[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
});

/** A catalog store of the backend, closed after the test. */
async function storeAt(location: string): Promise<CatalogStore> {
  const s = await openStore(location);
  open.push(s);
  return s;
}

/** Raw SQL on the catalog, as someone with write access to the database could run it. */
async function tamper(location: string, sql: string): Promise<void> {
  if (!location.startsWith('postgres')) {
    const db = new Database(location);
    db.prepare(sql).run();
    db.close();
    return;
  }
  const c = new pg.Client({ connectionString: location });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

interface Fresh {
  store: PlaybookStore;
  location: string;
  keys: AuditSigner;
  key: AuditKey;
  /** The same catalog through a new connection, without a signer. */
  reopen(): Promise<PlaybookStore>;
}

async function fresh(backend: Backend): Promise<Fresh> {
  const location = await backend.fresh();
  const keys = signer();
  return {
    store: (await storeAt(location)).playbooks(keys),
    location,
    keys,
    key: keys.key(),
    reopen: async () => (await storeAt(location)).playbooks(),
  };
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

describe.each(backends)('playbook store ($name)', (backend) => {
  const test = it.skipIf(backend.skip);

  test('stores the plan verbatim with one pending journal row per step', async () => {
    const { store } = await fresh(backend);
    const id = await store.createRun(plan, '2026-11-20T10:00:00.000Z');
    expect(await store.getRun(id)).toMatchObject({
      id,
      status: 'planned',
      plan,
      credentialId: 'c-0123456789ab',
    });
    expect((await store.steps(id)).map((s) => [s.seq, s.action, s.status])).toEqual([
      [1, 'deactivate', 'pending'],
      [2, 'delete', 'pending'],
    ]);
    expect(await store.getRun(id + 1)).toBeNull();
  });

  test('journals intent then result, and survives reopening the catalog', async () => {
    const { store, reopen } = await fresh(backend);
    const id = await store.createRun(plan, 't0');
    await store.updateStep(
      id,
      1,
      { status: 'running', intent: { action: 'deactivate' }, startedAt: 't1' },
      't1',
    );
    await store.updateStep(
      id,
      1,
      { status: 'done', result: { ok: true }, requestId: 'req-1', finishedAt: 't2' },
      't2',
      audit('deactivate'),
    );
    const again = await reopen();
    expect((await again.steps(id))[0]).toMatchObject({
      status: 'done',
      intent: { action: 'deactivate' },
      result: { ok: true },
      requestId: 'req-1',
      startedAt: 't1',
      finishedAt: 't2',
    });
    expect(await again.getRun(id)).toMatchObject({ updatedAt: 't2' });
    expect(await again.audit()).toHaveLength(1);
  });

  test('a journal write whose audit entry cannot be keyed is not written at all', async () => {
    const { location, reopen } = await fresh(backend);
    const unkeyed = (await storeAt(location)).playbooks();
    const id = await unkeyed.createRun(plan, 't0');
    await expect(
      unkeyed.updateStep(id, 1, { status: 'done' }, 't1', audit('deactivate')),
    ).rejects.toThrow(/audit key/);
    expect((await (await reopen()).steps(id))[0]!.status).toBe('pending');
  });

  test('finds waiting runs whose delayed step is due, and only those', async () => {
    const { store } = await fresh(backend);
    const id = await store.createRun(plan, 't0');
    await store.updateStep(
      id,
      2,
      { status: 'pending', notBefore: '2026-11-27T10:00:00.000Z' },
      't0',
    );
    await store.setRunStatus(id, 'waiting', 't0');
    expect(await store.dueRuns('2026-11-27T09:59:59.000Z')).toEqual([]);
    expect(await store.dueRuns('2026-11-27T10:00:00.000Z')).toEqual([id]);
  });

  test('cut-over runs are due at every resume --due while they wait', async () => {
    const { store } = await fresh(backend);
    const rotate: Plan = {
      ...plan,
      kind: 'rotate',
      steps: [{ ...plan.steps[0]!, seq: 1, action: 'cutover', delayDays: 7, destructive: false }],
    };
    const id = await store.createRun(rotate, 't0');
    await store.updateStep(
      id,
      1,
      { status: 'pending', notBefore: '2026-11-27T10:00:00.000Z' },
      't0',
    );
    await store.setRunStatus(id, 'waiting', 't0');
    expect(await store.dueRuns('2026-11-21T00:00:00.000Z')).toEqual([id]);
  });

  test('refuses a second open run for the same credential and names the open one', async () => {
    const { store } = await fresh(backend);
    const id = await store.createRun(plan, 't0');
    const err = await rejection(store.createRun(plan, 't1'));
    expect(err).toBeInstanceOf(OpenRunConflict);
    expect((err as OpenRunConflict).open.id).toBe(id);
    expect((await store.openRunFor(plan.credentialId))?.id).toBe(id);
    // Once the run is over (done, rolled back or cancelled), a new one may be planned.
    await store.setRunStatus(id, 'cancelled', 't2');
    expect(await store.openRunFor(plan.credentialId)).toBeNull();
    const next = await store.createRun(plan, 't3');
    expect((await store.listRuns({ open: true })).map((r) => r.id)).toEqual([next]);
    expect((await store.listRuns()).map((r) => [r.id, r.status])).toEqual([
      [id, 'cancelled'],
      [next, 'planned'],
    ]);
    expect(await store.otherOpenRuns((await store.getRun(next))!)).toEqual([]);
  });

  test('two stores planning the same credential at once: exactly one run is saved', async () => {
    const { location } = await fresh(backend);
    const stores = await Promise.all(
      [0, 1, 2, 3].map(async () => (await storeAt(location)).playbooks()),
    );
    const results = await Promise.allSettled(stores.map((s) => s.createRun(plan, 't0')));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results.filter((x) => x.status === 'rejected'))
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(OpenRunConflict);
  });

  describe('audit chain', () => {
    test('links each entry to the one before and verifies', async () => {
      const { store, key } = await fresh(backend);
      const a = await store.appendAudit(audit('deactivate'));
      const b = await store.appendAudit(audit('delete'));
      expect(a.prevHash).toBe('0'.repeat(64));
      expect(b.prevHash).toBe(a.hash);
      expect(verifyAuditChain(await store.audit(), key)).toEqual({
        ok: true,
        entries: 2,
        brokenAt: null,
        reason: null,
        head: b.hash,
        legacy: 0,
      });
    });

    test('detects an edited, a removed and a re-ordered entry', async () => {
      const { store, key } = await fresh(backend);
      for (const x of ['create', 'sink-put', 'deactivate']) await store.appendAudit(audit(x));
      const entries = await store.audit();
      const edited = entries.map((e) => (e.seq === 2 ? { ...e, result: 'failed' } : e));
      expect(verifyAuditChain(edited, key)).toMatchObject({
        ok: false,
        brokenAt: 2,
        reason: /content/,
      });
      expect(verifyAuditChain([entries[0]!, entries[2]!], key)).toMatchObject({
        ok: false,
        brokenAt: 3,
      });
      const relinked = entries.map((e) => (e.seq === 3 ? { ...e, prevHash: entries[0]!.hash } : e));
      expect(verifyAuditChain(relinked, key)).toMatchObject({ ok: false, brokenAt: 3 });
      expect(verifyAuditChain(entries.slice(1), key)).toMatchObject({
        ok: false,
        brokenAt: 2,
        reason: /entry 1 is missing/,
      });
    });

    test('is tamper-evident in the database too', async () => {
      const { store, location, key, reopen } = await fresh(backend);
      await store.appendAudit(audit('deactivate'));
      await store.appendAudit(audit('delete'));
      await tamper(location, `UPDATE audit_log SET actor = 'someone-else' WHERE seq = 1`);
      expect(verifyAuditChain(await (await reopen()).audit(), key)).toMatchObject({
        ok: false,
        brokenAt: 1,
      });
    });

    test('cannot be recomputed without the key: a rewritten entry with a fresh SHA-256 chain fails', async () => {
      const { store, location, key, reopen } = await fresh(backend);
      await store.appendAudit(audit('deactivate'));
      await store.appendAudit(audit('delete'));
      // The attacker has the catalog only: they edit entry 2 and recompute a plain hash chain.
      const [, second] = await (await reopen()).audit();
      const forged = { ...second!, result: 'failed', alg: undefined, keyId: undefined };
      const { hash: _h, ...body } = forged;
      const sha = createHash('sha256')
        .update(body.prevHash)
        .update(canonicalJson(body))
        .digest('hex');
      await tamper(
        location,
        `UPDATE audit_log SET result = 'failed', alg = 'sha256', key_id = NULL, hash = '${sha}' WHERE seq = 2`,
      );
      expect(verifyAuditChain(await (await reopen()).audit(), key)).toMatchObject({
        ok: false,
        brokenAt: 2,
        reason: /unkeyed entry after keyed ones/,
      });
    });

    test('says which key wrote the log when another key is given', async () => {
      const { store } = await fresh(backend);
      await store.appendAudit(audit('deactivate'));
      expect(verifyAuditChain(await store.audit(), signer().key())).toMatchObject({
        ok: false,
        reason: /written with audit key [0-9a-f]{16}, not with this one/,
      });
    });

    test('appends from many connections at once keep one chain: none lost, none forked', async () => {
      const { location, keys, key } = await fresh(backend);
      const stores = await Promise.all(
        [0, 1, 2, 3].map(async () => (await storeAt(location)).playbooks(keys)),
      );
      const id = await stores[0]!.createRun(plan, 't0');
      // Journal writes with their entries and bare appends, interleaved across connections.
      await Promise.all(
        stores.map(async (s, i) => {
          for (let n = 0; n < 10; n++) {
            if (n % 2) await s.appendAudit({ ...audit(`append-${i}-${n}`), runId: id });
            else
              await s.updateStep(id, 1, { status: 'running' }, 't1', {
                ...audit(`journal-${i}-${n}`),
                runId: id,
              });
          }
        }),
      );
      const entries = await stores[0]!.audit();
      expect(entries).toHaveLength(40);
      expect(new Set(entries.map((e) => e.action)).size).toBe(40);
      expect(verifyAuditChain(entries, key)).toMatchObject({ ok: true, entries: 40 });
    });

    test('anchors are stored in order', async () => {
      const { store, key } = await fresh(backend);
      const a = {
        at: 't1',
        kind: 'verify' as const,
        entries: 0,
        head: '0'.repeat(64),
        keyId: key.id,
        mac: 'm1',
      };
      await store.addAnchor(a);
      await store.addAnchor({ ...a, at: 't2', kind: 'export', mac: 'm2' });
      expect((await store.anchors()).map((x) => [x.at, x.kind, x.entries, x.keyId])).toEqual([
        ['t1', 'verify', 0, key.id],
        ['t2', 'export', 0, key.id],
      ]);
    });
  });
});

describe('run claim (sqlite)', () => {
  it('refuses while a live process holds the run and takes over from a dead one', async () => {
    const store = (await storeAt(join(mkdtempSync(join(tmpdir(), 'nhi-pb-')), 'c.db'))).playbooks();
    const id = await store.createRun(plan, 't0');
    expect(await store.claim(id, '100@host', () => true)).toBeNull();
    expect(await store.claim(id, '200@host', (h) => h === '100@host')).toBe('100@host');
    expect(await store.claim(id, '200@host', () => false)).toBeNull();
    await store.release(id, '200@host');
    expect(await store.claim(id, '300@host', () => true)).toBeNull();
  });
});

const pgBackend = backends.find((b) => b.name === 'postgres')!;

describe('run claim (postgres)', () => {
  it.skipIf(pgBackend.skip)(
    'one connection holds a run at a time, on any machine; a holder that dies frees it',
    async () => {
      const location = await pgBackend.fresh();
      const a = await openStore(location);
      const b = (await storeAt(location)).playbooks();
      const id = await a.playbooks().createRun(plan, 't0');
      // Liveness is the lock's connection: the callback (SQLite's) is never asked.
      const never = () => {
        throw new Error('not asked on PostgreSQL');
      };
      expect(await a.playbooks().claim(id, '100@host-a', never)).toBeNull();
      expect(await b.claim(id, '200@host-b', never)).toBe('100@host-a');
      // A holder on another machine is not presumed dead (SQLite's guess): still refused.
      expect(await b.claim(id, '200@host-b', () => false)).toBe('100@host-a');
      await a.close(); // its process was killed: the server ends its session and its lock
      expect(await b.claim(id, '200@host-b', never)).toBeNull();
      await b.release(id, '200@host-b');
      const c = (await storeAt(location)).playbooks();
      expect(await c.claim(id, '300@host-c', never)).toBeNull();
      await c.release(id, '300@host-c');
    },
  );
});

describe('migration 0004', () => {
  it('upgrades a 0.1 catalog: runs can be cancelled, old entries stay verifiable, new ones are keyed', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'nhi-pb-')), 'catalog.db');
    const old = new Database(path);
    for (const m of MIGRATIONS.filter((x) => x.version <= 3)) old.exec(m.up);
    old.pragma('user_version = 3');
    old
      .prepare(
        `INSERT INTO playbook_runs (kind, created_at, updated_at, status, plan_json, provider, credential_id)
         VALUES ('revoke', 't0', 't0', 'waiting', ?, 'aws', ?)`,
      )
      .run(JSON.stringify(plan), plan.credentialId);
    old
      .prepare(
        `INSERT INTO playbook_steps (run_id, seq, action, status) VALUES (1, 1, 'deactivate', 'done')`,
      )
      .run();
    // An entry as nhi 0.1 wrote it: sha256(prev + canonical JSON), no key.
    const legacy = {
      seq: 1,
      at: 't1',
      actor: 'ops@host',
      runId: 1,
      step: 1,
      action: 'deactivate',
      result: 'ok',
      detail: {},
      prevHash: '0'.repeat(64),
    };
    const hash = createHash('sha256')
      .update(legacy.prevHash)
      .update(canonicalJson(legacy))
      .digest('hex');
    old
      .prepare(
        `INSERT INTO audit_log (seq, at, actor, run_id, step, action, result, detail_json, prev_hash, hash)
         VALUES (1, 't1', 'ops@host', 1, 1, 'deactivate', 'ok', '{}', ?, ?)`,
      )
      .run(legacy.prevHash, hash);
    old.close();

    const keys = signer();
    const store = new SqlitePlaybookStore(openCatalog(path).db, keys);
    expect(await store.getRun(1)).toMatchObject({ status: 'waiting' });
    expect(await store.steps(1)).toMatchObject([{ seq: 1, status: 'done' }]);
    await store.setRunStatus(1, 'cancelled', 't2');
    expect((await store.getRun(1))!.status).toBe('cancelled');
    const next = await store.appendAudit(audit('cancel'));
    expect(next).toMatchObject({
      seq: 2,
      alg: 'hmac-sha256',
      prevHash: hash,
      keyId: keys.key().id,
    });
    expect(verifyAuditChain(await store.audit(), keys.key())).toMatchObject({
      ok: true,
      legacy: 1,
    });
  });
});
