import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { Credential, Identity, ScopeInventory } from '../model/index.js';
import { CatalogError, openCatalog, SCHEMA_VERSION, type Catalog } from './index.js';
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

function scan(c: Catalog, result: Parameters<Catalog['writeScope']>[1]): number {
  const run = c.beginRun({ providers: ['aws'], demo: false, version: 'test', now });
  c.writeScope(run, result, 5);
  c.finishRun(run, result.kind === 'failure' ? 'failed' : 'ok', now);
  return run;
}

describe('catalog', () => {
  it('creates the file private to its owner', () => {
    const path = fresh();
    cat = openCatalog(path);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('marks a credential removed only after a successful scan of the same scope misses it', () => {
    cat = openCatalog(fresh());
    scan(cat, inventory(['u/a', 'u/b'], [key('AKIA1', 'u/a'), key('AKIA2', 'u/b')]));
    // A failed scan of the scope must not make anything disappear.
    scan(cat, { kind: 'failure', scope, error: 'AccessDenied', code: 'AccessDenied', apiCalls: 1 });
    expect(cat.snapshot()!.credentials.map((c) => c.externalId)).toEqual(
      expect.arrayContaining(['AKIA1', 'AKIA2']),
    );
    const third = scan(cat, inventory(['u/a'], [key('AKIA1', 'u/a')]));
    const snap = cat.snapshot()!;
    expect(snap.credentials.map((c) => c.externalId)).toEqual(['AKIA1']);
    const gone = cat.resolve('AKIA2');
    expect(gone?.kind === 'credential' && gone.credential.removedRun).toBe(third);
    // The earlier run still shows it: history is kept, not deleted.
    expect(cat.snapshot(1)!.credentials).toHaveLength(2);
  });

  it('keeps records of a kind the connector could not fully list', () => {
    cat = openCatalog(fresh());
    scan(cat, inventory(['u/a', 'u/b'], [key('AKIA1', 'u/a'), key('AKIA2', 'u/b')]));
    scan(cat, { ...inventory(['u/a', 'u/b'], [key('AKIA1', 'u/a')]), incomplete: ['credentials'] });
    expect(
      cat
        .snapshot()!
        .credentials.map((c) => c.externalId)
        .sort(),
    ).toEqual(['AKIA1', 'AKIA2']);
    // Kinds that were listed completely still get removals.
    scan(cat, { ...inventory(['u/a'], [key('AKIA1', 'u/a')]), incomplete: ['credentials'] });
    expect(cat.snapshot()!.identities.map((i) => i.externalId)).toEqual(['u/a']);
  });

  it('records status changes as history and keeps first-seen', () => {
    cat = openCatalog(fresh());
    const first = scan(cat, inventory(['u/a'], [key('AKIA1', 'u/a')]));
    const second = scan(cat, inventory(['u/a'], [key('AKIA1', 'u/a', 'inactive')]));
    const r = cat.resolve('AKIA1');
    expect(r?.kind).toBe('credential');
    if (r?.kind !== 'credential') return;
    expect(r.credential.firstSeenRun).toBe(first);
    expect(r.credential.lastSeenRun).toBe(second);
    expect(cat.history(r.credential.id)).toEqual([
      { runId: second, field: 'status', oldValue: 'active', newValue: 'inactive' },
    ]);
    // Short ids and unique prefixes resolve too.
    expect(cat.resolve(r.credential.id)?.kind).toBe('credential');
    expect(cat.resolve(r.credential.id.slice(0, 6))?.kind).toBe('credential');
  });

  it('rejects a credential whose identity the connector did not return, and writes nothing', () => {
    cat = openCatalog(fresh());
    const run = cat.beginRun({ providers: ['aws'], demo: false, version: 't', now });
    expect(() => cat!.writeScope(run, inventory(['u/a'], [key('AKIA9', 'u/zzz')]), 1)).toThrow(
      /not in scope/,
    );
    expect(cat.db.prepare('SELECT count(*) AS n FROM identities').get()).toEqual({ n: 0 });
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
