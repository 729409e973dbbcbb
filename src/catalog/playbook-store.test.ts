import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { MIGRATIONS } from './migrations/index.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCatalog } from './index.js';
import {
  canonicalJson,
  OpenRunConflict,
  PlaybookStore,
  verifyAuditChain,
  type AuditKey,
} from './playbook-store.js';
import { randomBytes } from 'node:crypto';
import { keyIdOf, type AuditSigner } from './audit-log.js';
import type { Plan } from '../model/index.js';

const plan: Plan = {
  version: 1,
  kind: 'revoke',
  createdAt: '2026-11-20T10:00:00.000Z',
  provider: 'aws',
  credentialId: 'c-0123456789ab',
  credentialType: 'access-key',
  identityName: 'ci-bot',
  ref: {
    scope: { provider: 'aws', id: '222233334444', name: 'orbital-prod', kind: 'account' },
    identityExternalId: 'arn:aws:iam::222233334444:user/ci-bot',
    identityName: 'ci-bot',
    credentialExternalId: 'AKIAOLD',
    type: 'access-key',
    attributes: {},
  },
  sink: null,
  snapshot: { status: 'active', siblings: [] },
  lastUse: { known: true, at: null, service: null, region: null },
  demo: false,
  notes: [],
  steps: [
    {
      seq: 1,
      action: 'deactivate',
      targetExternalId: 'AKIAOLD',
      summary: 'deactivate',
      changes: '',
      undo: '',
      reversible: true,
      destructive: true,
      delayDays: 0,
    },
    {
      seq: 2,
      action: 'delete',
      targetExternalId: 'AKIAOLD',
      summary: 'delete',
      changes: '',
      undo: '',
      reversible: false,
      destructive: true,
      delayDays: 7,
    },
  ],
};

/** An in-memory key: the catalog only needs something that signs (key files are playbooks'). */
function signer(): AuditSigner & { key(): AuditKey } {
  const secret = randomBytes(32);
  const key = { secret, id: keyIdOf(secret) };
  return { key: () => key };
}

function fresh(): { store: PlaybookStore; path: string; keys: AuditSigner; key: AuditKey } {
  const path = join(mkdtempSync(join(tmpdir(), 'nhi-pb-')), 'catalog.db');
  const keys = signer();
  return { store: new PlaybookStore(openCatalog(path).db, keys), path, keys, key: keys.key() };
}

const audit = (action: string, result = 'ok') => ({
  at: '2026-11-20T10:00:01.000Z',
  actor: 'ops@host (aws key AKIATEST)',
  runId: 1,
  step: 1,
  action,
  result,
});

describe('PlaybookStore', () => {
  it('stores the plan verbatim with one pending journal row per step', () => {
    const { store } = fresh();
    const id = store.createRun(plan, '2026-11-20T10:00:00.000Z');
    expect(store.getRun(id)).toMatchObject({
      id,
      status: 'planned',
      plan,
      credentialId: 'c-0123456789ab',
    });
    expect(store.steps(id).map((s) => [s.seq, s.action, s.status])).toEqual([
      [1, 'deactivate', 'pending'],
      [2, 'delete', 'pending'],
    ]);
  });

  it('journals intent then result, and survives reopening the file', () => {
    const { store, path } = fresh();
    const id = store.createRun(plan, 't0');
    store.updateStep(
      id,
      1,
      { status: 'running', intent: { action: 'deactivate' }, startedAt: 't1' },
      't1',
    );
    store.updateStep(
      id,
      1,
      { status: 'done', result: { ok: true }, requestId: 'req-1', finishedAt: 't2' },
      't2',
      audit('deactivate'),
    );
    const again = new PlaybookStore(openCatalog(path).db);
    expect(again.steps(id)[0]).toMatchObject({
      status: 'done',
      intent: { action: 'deactivate' },
      result: { ok: true },
      requestId: 'req-1',
      startedAt: 't1',
      finishedAt: 't2',
    });
    expect(again.audit()).toHaveLength(1);
  });

  it('finds waiting runs whose delayed step is due, and only those', () => {
    const { store } = fresh();
    const id = store.createRun(plan, 't0');
    store.updateStep(id, 2, { status: 'pending', notBefore: '2026-11-27T10:00:00.000Z' }, 't0');
    store.setRunStatus(id, 'waiting', 't0');
    expect(store.dueRuns('2026-11-27T09:59:59.000Z')).toEqual([]);
    expect(store.dueRuns('2026-11-27T10:00:00.000Z')).toEqual([id]);
  });
});

describe('run claim', () => {
  it('refuses while a live process holds the run and takes over from a dead one', () => {
    const { store } = fresh();
    const id = store.createRun(plan, 't0');
    expect(store.claim(id, '100@host', () => true)).toBeNull();
    expect(store.claim(id, '200@host', (h) => h === '100@host')).toBe('100@host');
    expect(store.claim(id, '200@host', () => false)).toBeNull();
    store.release(id, '200@host');
    expect(store.claim(id, '300@host', () => true)).toBeNull();
  });
});

describe('audit chain', () => {
  it('links each entry to the one before and verifies', () => {
    const { store, key } = fresh();
    const a = store.appendAudit(audit('deactivate'));
    const b = store.appendAudit(audit('delete'));
    expect(a.prevHash).toBe('0'.repeat(64));
    expect(b.prevHash).toBe(a.hash);
    expect(verifyAuditChain(store.audit(), key)).toEqual({
      ok: true,
      entries: 2,
      brokenAt: null,
      reason: null,
      head: b.hash,
      legacy: 0,
    });
  });

  it('detects an edited, a removed and a re-ordered entry', () => {
    const { store, key } = fresh();
    for (const x of ['create', 'sink-put', 'deactivate']) store.appendAudit(audit(x));
    const entries = store.audit();
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

  it('is tamper-evident in the database too', () => {
    const { store, path, key } = fresh();
    store.appendAudit(audit('deactivate'));
    store.appendAudit(audit('delete'));
    const db = openCatalog(path).db;
    db.prepare(`UPDATE audit_log SET actor = 'someone-else' WHERE seq = 1`).run();
    expect(verifyAuditChain(new PlaybookStore(db).audit(), key)).toMatchObject({
      ok: false,
      brokenAt: 1,
    });
  });

  it('canonical JSON sorts keys at every level', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[2,{"e":0,"f":1}]},"b":1}',
    );
  });
});

describe('one open run per credential', () => {
  it('refuses a second open run for the same credential and names the open one', () => {
    const { store } = fresh();
    const id = store.createRun(plan, 't0');
    const err = (() => {
      try {
        store.createRun(plan, 't1');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(OpenRunConflict);
    expect((err as OpenRunConflict).open.id).toBe(id);
    expect(store.openRunFor(plan.credentialId)?.id).toBe(id);
    // Once the run is over (done, rolled back or cancelled), a new one may be planned.
    store.setRunStatus(id, 'cancelled', 't2');
    expect(store.openRunFor(plan.credentialId)).toBeNull();
    const next = store.createRun(plan, 't3');
    expect(store.listRuns({ open: true }).map((r) => r.id)).toEqual([next]);
  });
});

describe('cut-over runs', () => {
  it('are due at every resume --due while they wait (the new key may be in use by now)', () => {
    const { store } = fresh();
    const rotate: Plan = {
      ...plan,
      kind: 'rotate',
      steps: [{ ...plan.steps[0]!, seq: 1, action: 'cutover', delayDays: 7, destructive: false }],
    };
    const id = store.createRun(rotate, 't0');
    store.updateStep(id, 1, { status: 'pending', notBefore: '2026-11-27T10:00:00.000Z' }, 't0');
    store.setRunStatus(id, 'waiting', 't0');
    expect(store.dueRuns('2026-11-21T00:00:00.000Z')).toEqual([id]);
  });
});

describe('migration 0004', () => {
  it('upgrades a 0.1 catalog: runs can be cancelled, old entries stay verifiable, new ones are keyed', () => {
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
    const store = new PlaybookStore(openCatalog(path).db, keys);
    expect(store.getRun(1)).toMatchObject({ status: 'waiting' });
    expect(store.steps(1)).toMatchObject([{ seq: 1, status: 'done' }]);
    store.setRunStatus(1, 'cancelled', 't2');
    expect(store.getRun(1)!.status).toBe('cancelled');
    const next = store.appendAudit(audit('cancel'));
    expect(next).toMatchObject({
      seq: 2,
      alg: 'hmac-sha256',
      prevHash: hash,
      keyId: keys.key().id,
    });
    expect(verifyAuditChain(store.audit(), keys.key())).toMatchObject({ ok: true, legacy: 1 });
  });
});

describe('keyed chain', () => {
  it('cannot be recomputed without the key: a rewritten entry with a fresh SHA-256 chain fails', () => {
    const { store, path, key } = fresh();
    store.appendAudit(audit('deactivate'));
    store.appendAudit(audit('delete'));
    // The attacker has the catalog only: they edit entry 2 and recompute a plain hash chain.
    const db = openCatalog(path).db;
    const [, second] = new PlaybookStore(db).audit();
    const forged = { ...second!, result: 'failed', alg: undefined, keyId: undefined };
    const { hash: _h, ...body } = forged;
    const sha = createHash('sha256')
      .update(body.prevHash)
      .update(canonicalJson(body))
      .digest('hex');
    db.prepare(
      `UPDATE audit_log SET result = 'failed', alg = 'sha256', key_id = NULL, hash = ? WHERE seq = 2`,
    ).run(sha);
    expect(verifyAuditChain(new PlaybookStore(db).audit(), key)).toMatchObject({
      ok: false,
      brokenAt: 2,
      reason: /unkeyed entry after keyed ones/,
    });
  });

  it('says which key wrote the log when another key is given', () => {
    const { store } = fresh();
    store.appendAudit(audit('deactivate'));
    const other = fresh().key;
    expect(verifyAuditChain(store.audit(), other)).toMatchObject({
      ok: false,
      reason: /written with audit key [0-9a-f]{16}, not with this one/,
    });
  });
});
