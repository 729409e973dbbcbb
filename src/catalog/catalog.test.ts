import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { Credential, Identity, ScopeInventory, ScopeResult } from '../model/index.js';
import { backends, type Backend } from '../../fixtures/backends.js';
import {
  CatalogError,
  openCatalog,
  openStore,
  SCHEMA_VERSION,
  type Catalog,
  type CatalogStore,
} from './index.js';
import { MIGRATIONS } from './migrations/index.js';

const now = new Date('2026-11-01T00:00:00Z');
const scope = {
  provider: 'aws' as const,
  id: '111122223333',
  name: 'prod',
  kind: 'account' as const,
};

function identity(externalId: string): Identity {
  return {
    externalId,
    name: externalId.split('/').pop()!,
    kind: 'user',
    owner: null,
    createdAt: '2025-01-01T00:00:00Z',
    tags: {},
    attributes: {},
    lastUsedAt: null,
    lastUsedKnown: false,
  };
}

function key(id: string, user: string, status: Credential['status'] = 'active'): Credential {
  return {
    externalId: id,
    identityExternalId: user,
    type: 'access-key',
    name: null,
    status,
    createdAt: '2025-01-01T00:00:00Z',
    expiresAt: null,
    lastUsedAt: '2026-10-01T00:00:00Z',
    lastUsedKnown: true,
    attributes: { lastUsedService: 's3' },
  };
}

function inventory(users: string[], keys: Credential[]): ScopeInventory {
  return {
    kind: 'inventory',
    scope,
    identities: users.map(identity),
    credentials: keys,
    grants: [],
    gaps: [],
    apiCalls: 3,
  };
}

let dir: string;
let cat: Catalog | undefined;
const fresh = (): string => {
  dir = mkdtempSync(join(tmpdir(), 'nhi-cat-'));
  return join(dir, 'c.db');
};
afterEach(() => cat?.close());

async function collect<T>(pages: AsyncIterable<readonly T[]>): Promise<T[]> {
  const out: T[] = [];
  for await (const page of pages) out.push(...page);
  return out;
}

async function scanStore(store: CatalogStore, result: ScopeResult): Promise<number> {
  const run = await store.beginRun({ providers: ['aws'], demo: false, version: 'test', now });
  await store.writeScope(run, result, 5);
  await store.finishRun(run, result.kind === 'failure' ? 'failed' : 'ok', now);
  return run;
}

const stores: CatalogStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});

async function freshStore(backend: Backend): Promise<CatalogStore> {
  const s = await openStore(await backend.fresh());
  stores.push(s);
  return s;
}

/** When the credential (external id) was removed: null while present, undefined if unknown. */
async function removedRun(store: CatalogStore, ref: string): Promise<number | null | undefined> {
  const r = await store.resolve(ref);
  if (!r) return undefined;
  return r.kind === 'credential' ? r.credential.removedRun : r.identity.removedRun;
}

describe.each(backends)('catalog ($name)', (backend) => {
  const test = it.skipIf(backend.skip);

  test('marks a credential removed only after a successful scan of the same scope misses it', async () => {
    const store = await freshStore(backend);
    const first = await scanStore(
      store,
      inventory(['u/a', 'u/b'], [key('AKIA1', 'u/a'), key('AKIA2', 'u/b')]),
    );
    // A failed scan of the scope must not make anything disappear.
    await scanStore(store, {
      kind: 'failure',
      scope,
      error: 'AccessDenied',
      code: 'AccessDenied',
      apiCalls: 1,
    });
    expect(await removedRun(store, 'AKIA1')).toBeNull();
    expect(await removedRun(store, 'AKIA2')).toBeNull();
    const third = await scanStore(store, inventory(['u/a'], [key('AKIA1', 'u/a')]));
    expect(await removedRun(store, 'AKIA1')).toBeNull();
    expect(await removedRun(store, 'AKIA2')).toBe(third);
    // History is kept, not deleted: the first run added both, the third removed one.
    const ids = async (from: number, to: number, change: 'added' | 'removed') =>
      (await collect(store.credentialChanges(from, to, change))).map((c) => c.externalId).sort();
    expect(await ids(first - 1, first, 'added')).toEqual(['AKIA1', 'AKIA2']);
    expect(await ids(first, third, 'removed')).toEqual(['AKIA2']);
  });

  test('keeps records of a kind the connector could not fully list', async () => {
    const store = await freshStore(backend);
    await scanStore(store, inventory(['u/a', 'u/b'], [key('AKIA1', 'u/a'), key('AKIA2', 'u/b')]));
    await scanStore(store, {
      ...inventory(['u/a', 'u/b'], [key('AKIA1', 'u/a')]),
      incomplete: ['credentials'],
    });
    expect(await removedRun(store, 'AKIA2')).toBeNull();
    // Kinds that were listed completely still get removals.
    const third = await scanStore(store, {
      ...inventory(['u/a'], [key('AKIA1', 'u/a')]),
      incomplete: ['credentials'],
    });
    expect(await removedRun(store, 'u/b')).toBe(third);
    expect(await removedRun(store, 'u/a')).toBeNull();
    expect(await removedRun(store, 'AKIA2')).toBeNull();
  });

  test('records status changes as history and keeps first-seen', async () => {
    const store = await freshStore(backend);
    const first = await scanStore(store, inventory(['u/a'], [key('AKIA1', 'u/a')]));
    const second = await scanStore(store, inventory(['u/a'], [key('AKIA1', 'u/a', 'inactive')]));
    const r = await store.resolve('AKIA1');
    expect(r?.kind).toBe('credential');
    if (r?.kind !== 'credential') return;
    expect(r.credential.firstSeenRun).toBe(first);
    expect(r.credential.lastSeenRun).toBe(second);
    expect(await store.history([r.credential.id])).toEqual([
      {
        subjectId: r.credential.id,
        runId: second,
        field: 'status',
        oldValue: 'active',
        newValue: 'inactive',
      },
    ]);
    // Short ids and unique prefixes resolve too.
    expect((await store.resolve(r.credential.id))?.kind).toBe('credential');
    expect((await store.resolve(r.credential.id.slice(0, 6)))?.kind).toBe('credential');
    // The identity's credentials, as playbooks plan with them.
    expect(
      (await store.credentialsOfIdentity(r.identity.id)).map((c) => [c.externalId, c.status]),
    ).toEqual([['AKIA1', 'inactive']]);
  });

  test('a rescan moves a credential to the identity it now belongs to', async () => {
    const store = await freshStore(backend);
    await scanStore(store, inventory(['u/a', 'u/b'], [key('AKIA1', 'u/a')]));
    const a = await store.resolve('u/a');
    const b = await store.resolve('u/b');
    if (a?.kind !== 'identity' || b?.kind !== 'identity') throw new Error('identities missing');
    expect((await store.credentialsOfIdentity(a.identity.id)).map((c) => c.externalId)).toEqual([
      'AKIA1',
    ]);
    await scanStore(store, inventory(['u/a', 'u/b'], [key('AKIA1', 'u/b')]));
    expect(await store.credentialsOfIdentity(a.identity.id)).toEqual([]);
    expect(
      (await store.credentialsOfIdentity(b.identity.id)).map((c) => [c.externalId, c.status]),
    ).toEqual([['AKIA1', 'active']]);
  });

  test('an inventory that repeats a row (a provider listing it twice) keeps the later copy', async () => {
    const store = await freshStore(backend);
    await scanStore(
      store,
      inventory(['u/a', 'u/a'], [key('AKIA1', 'u/a'), key('AKIA1', 'u/a', 'inactive')]),
    );
    const a = await store.resolve('u/a');
    if (a?.kind !== 'identity') throw new Error('identity missing');
    expect(
      (await store.credentialsOfIdentity(a.identity.id)).map((c) => [c.externalId, c.status]),
    ).toEqual([['AKIA1', 'inactive']]);
  });

  test('a scope of hundreds of keys keeps the later copy of a repeated key and moves keys to their new identity', async () => {
    // Large enough that rows are written many to a statement, with repeats and moves inside.
    const store = await freshStore(backend);
    const users = Array.from({ length: 300 }, (_, i) => `u/${i}`);
    const keys = users.map((u, i) => key(`AKIA${i}`, u));
    await scanStore(
      store,
      inventory(users, [
        ...keys.slice(0, 5),
        key('AKIA3', 'u/3', 'inactive'),
        ...keys.slice(5, 150),
        key('AKIA7', 'u/7', 'inactive'),
        key('AKIA250', 'u/250', 'inactive'),
        ...keys.slice(150),
      ]),
    );
    const state = async (externalId: string) => {
      const r = await store.resolve(externalId);
      if (r?.kind !== 'credential') throw new Error(`${externalId} missing`);
      return [r.credential.identityId, r.credential.status];
    };
    const identityOf = async (user: string) => {
      const r = await store.resolve(user);
      if (r?.kind !== 'identity') throw new Error(`${user} missing`);
      return r.identity.id;
    };
    // The later copy wins, whether the first was written before it or next to it.
    expect(await state('AKIA3')).toEqual([await identityOf('u/3'), 'inactive']);
    expect(await state('AKIA7')).toEqual([await identityOf('u/7'), 'inactive']);
    expect(await state('AKIA250')).toEqual([await identityOf('u/250'), 'active']);
    // A rescan: AKIA10 moved to u/11; AKIA20 listed twice, first on u/21, then on u/20 (the
    // later copy wins); AKIA30 listed twice, the later copy moved to u/31.
    const rescan = keys.map((k) => (k.externalId === 'AKIA10' ? key('AKIA10', 'u/11') : k));
    rescan.splice(15, 0, key('AKIA20', 'u/21'));
    rescan.splice(40, 0, key('AKIA30', 'u/31', 'inactive'));
    await scanStore(store, inventory(users, rescan));
    expect(await state('AKIA10')).toEqual([await identityOf('u/11'), 'active']);
    expect(await state('AKIA20')).toEqual([await identityOf('u/20'), 'active']);
    expect(await state('AKIA30')).toEqual([await identityOf('u/31'), 'inactive']);
    expect(await state('AKIA7')).toEqual([await identityOf('u/7'), 'active']);
    expect(await state('AKIA3')).toEqual([await identityOf('u/3'), 'active']);
    expect(
      (await store.credentialsOfIdentity(await identityOf('u/11'))).map((c) => c.externalId).sort(),
    ).toEqual(['AKIA10', 'AKIA11']);
    expect(await store.credentialsOfIdentity(await identityOf('u/10'))).toEqual([]);
  });

  test('a row the schema refuses fails the whole scope, wherever it is in a large inventory', async () => {
    const store = await freshStore(backend);
    const users = Array.from({ length: 300 }, (_, i) => `u/${i}`);
    const keys = users.map((u, i) => key(`AKIA${i}`, u));
    // A connector bug: a credential without a status (the column is NOT NULL).
    keys[100] = { ...keys[100]!, status: null as unknown as Credential['status'] };
    const run = await store.beginRun({ providers: ['aws'], demo: false, version: 't', now });
    await expect(store.writeScope(run, inventory(users, keys), 1)).rejects.toThrow(
      /NOT NULL|null/i,
    );
    expect(await store.resolve('u/0')).toBeNull();
    expect(await store.resolve('AKIA0')).toBeNull();
    expect(await store.scopesOfRun(run)).toEqual([]);
  });

  test('rejects a credential whose identity the connector did not return, and writes nothing', async () => {
    const store = await freshStore(backend);
    const run = await store.beginRun({ providers: ['aws'], demo: false, version: 't', now });
    await expect(
      store.writeScope(run, inventory(['u/a'], [key('AKIA9', 'u/zzz')]), 1),
    ).rejects.toThrow(/not in scope/);
    expect(await store.resolve('u/a')).toBeNull();
    expect(await store.scopesOfRun(run)).toEqual([]);
  });
});

describe('catalog (sqlite file)', () => {
  it('creates the file private to its owner', () => {
    const path = fresh();
    cat = openCatalog(path);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('leaves no dangling reference and foreign keys enforced after scope writes, failed ones too', () => {
    cat = openCatalog(fresh());
    const write = (inv: ScopeInventory) => {
      const run = cat!.beginRun({ providers: ['aws'], demo: false, version: 't', now });
      return cat!.writeScope(run, inv, 1);
    };
    const withGrant = (keys: Credential[]): ScopeInventory => ({
      ...inventory(['u/a', 'u/b'], keys),
      grants: [
        {
          externalId: 'g1',
          identityExternalId: 'u/a',
          credentialExternalId: 'AKIA1',
          permission: 's3:*',
          resource: '*',
          privilege: 'write',
          source: 'inline',
          grantedAt: null,
          lastUsedAt: null,
          lastUsedKnown: false,
          attributes: {},
        },
      ],
    });
    // A first scan inserts; a key the connector repeats must not fail it, the later copy wins.
    write(withGrant([key('AKIA1', 'u/a'), key('AKIA1', 'u/a', 'inactive')]));
    expect(cat.db.prepare('SELECT status FROM credentials').pluck().all()).toEqual(['inactive']);
    write(withGrant([key('AKIA1', 'u/b')]));
    expect(() => write(inventory(['u/a'], [key('AKIA9', 'u/zzz')]))).toThrow(/not in scope/);
    expect(cat.db.pragma('foreign_key_check')).toEqual([]);
    expect(cat.db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(() => cat!.db.prepare(`UPDATE credentials SET identity_id = 'i-nothere'`).run()).toThrow(
      /FOREIGN KEY/,
    );
  });

  it('upgrades a catalog written by an older schema in place', () => {
    const path = fresh();
    const old = new Database(path);
    old.exec(MIGRATIONS[0]!.up);
    old.pragma('user_version = 1');
    old
      .prepare(
        `INSERT INTO scan_runs (started_at, status, demo, providers, nhi_version) VALUES ('2026-01-01', 'ok', 0, 'aws', '0.0.1')`,
      )
      .run();
    old.close();
    cat = openCatalog(path);
    expect(cat.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(cat.latestRun()?.id).toBe(1);
    expect(cat.findings(1)).toEqual([]);
  });

  it('refuses a catalog from a newer nhi, a corrupt file and a foreign database with one clear error', () => {
    const newer = fresh();
    const db = new Database(newer);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => openCatalog(newer)).toThrow(/newer than this nhi understands/);

    const corrupt = join(dir, 'bad.db');
    writeFileSync(corrupt, 'this is not a database at all, just text '.repeat(200));
    expect(() => openCatalog(corrupt)).toThrow(CatalogError);
    expect(() => openCatalog(corrupt)).toThrow(/not an SQLite database/);

    const foreign = join(dir, 'other.db');
    const f = new Database(foreign);
    f.exec('CREATE TABLE t (x)');
    f.close();
    expect(() => openCatalog(foreign)).toThrow(/not an nhi catalog/);
  });
});
