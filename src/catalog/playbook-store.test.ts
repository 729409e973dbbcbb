import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCatalog } from './index.js';
import { canonicalJson, PlaybookStore, verifyAuditChain } from './playbook-store.js';
import type { Plan } from '../playbooks/types.js';

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

function fresh(): { store: PlaybookStore; path: string } {
  const path = join(mkdtempSync(join(tmpdir(), 'nhi-pb-')), 'catalog.db');
  return { store: new PlaybookStore(openCatalog(path).db), path };
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
    const { store } = fresh();
    const a = store.appendAudit(audit('deactivate'));
    const b = store.appendAudit(audit('delete'));
    expect(a.prevHash).toBe('0'.repeat(64));
    expect(b.prevHash).toBe(a.hash);
    expect(verifyAuditChain(store.audit())).toEqual({
      ok: true,
      entries: 2,
      brokenAt: null,
      reason: null,
    });
  });

  it('detects an edited, a removed and a re-ordered entry', () => {
    const { store } = fresh();
    for (const x of ['create', 'sink-put', 'deactivate']) store.appendAudit(audit(x));
    const entries = store.audit();
    const edited = entries.map((e) => (e.seq === 2 ? { ...e, result: 'failed' } : e));
    expect(verifyAuditChain(edited)).toMatchObject({ ok: false, brokenAt: 2, reason: /content/ });
    expect(verifyAuditChain([entries[0]!, entries[2]!])).toMatchObject({ ok: false, brokenAt: 3 });
    const relinked = entries.map((e) => (e.seq === 3 ? { ...e, prevHash: entries[0]!.hash } : e));
    expect(verifyAuditChain(relinked)).toMatchObject({ ok: false, brokenAt: 3 });
    expect(verifyAuditChain(entries.slice(1))).toMatchObject({
      ok: false,
      brokenAt: 2,
      reason: /entry 1 is missing/,
    });
  });

  it('is tamper-evident in the database too', () => {
    const { store, path } = fresh();
    store.appendAudit(audit('deactivate'));
    store.appendAudit(audit('delete'));
    const db = openCatalog(path).db;
    db.prepare(`UPDATE audit_log SET actor = 'someone-else' WHERE seq = 1`).run();
    expect(verifyAuditChain(new PlaybookStore(db).audit())).toMatchObject({
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
