import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { nhi, scrubbedEnv, tempDir } from './run-cli.js';

const STACK = /^\s+at .+\(.+:\d+:\d+\)$/m;

describe('nhi basics', () => {
  it('prints help with the quick start and exit codes', async () => {
    const r = await nhi(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('scan --demo');
    expect(r.stdout).toMatch(/Exit codes: 0 ok/);
  });

  it('treats an unknown flag as a usage error (exit 2, one line)', async () => {
    const r = await nhi(['--no-such-flag']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown option '--no-such-flag'/);
    expect(r.stderr).not.toMatch(STACK);
  });

  it('treats a corrupt catalog as a user error naming the file, without a stack trace', async () => {
    const dir = tempDir();
    const bad = join(dir, 'bad.db');
    writeFileSync(bad, 'this is not a database');
    const r = await nhi(['list', '--catalog', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(bad);
    expect(r.stderr).not.toMatch(STACK);
  });

  it('says how to start when the catalog has no scan yet', async () => {
    const r = await nhi(['list', '--catalog', join(tempDir(), 'none.db')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/run 'nhi scan' first|nhi scan/);
  });

  it('refuses to scan with nothing configured, and says what to do', async () => {
    const r = await nhi(['scan', '--catalog', join(tempDir(), 'c.db')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--demo/);
  });

  it('rejects an unknown provider', async () => {
    const r = await nhi(['scan', '--provider', 'oracle', '--catalog', join(tempDir(), 'c.db')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown provider 'oracle'/);
  });
});

describe('the demo estate end to end', () => {
  const dir = tempDir();
  const catalog = join(dir, 'demo.db');
  let scan: Awaited<ReturnType<typeof nhi>>;
  let list: Record<string, unknown>[];

  beforeAll(async () => {
    scan = await nhi(['scan', '--demo', '--catalog', catalog]);
    const r = await nhi(['list', '--format', 'json', '--catalog', catalog]);
    list = JSON.parse(r.stdout) as Record<string, unknown>[];
  }, 180_000);

  it('scans every provider of the demo company and exits 0', () => {
    expect(scan.stderr).not.toMatch(STACK);
    expect(scan.code, scan.stdout + scan.stderr).toBe(0);
    expect(scan.stdout).toMatch(/Scan #1 of the demo estate: ok/);
    for (const p of ['aws', 'github', 'azure', 'gcp']) expect(scan.stdout).toContain(p);
  });

  it('keeps the catalog private to its owner', () => {
    expect(statSync(catalog).mode & 0o777).toBe(0o600);
  });

  it('lists credentials of all four providers with the documented fields', () => {
    const by = (p: string) => list.filter((c) => c.provider === p).length;
    expect(by('aws')).toBeGreaterThanOrEqual(50);
    expect(by('github')).toBeGreaterThanOrEqual(20);
    expect(by('azure')).toBeGreaterThanOrEqual(15);
    expect(by('gcp')).toBeGreaterThanOrEqual(10);
    for (const field of [
      'id',
      'provider',
      'scopeId',
      'identityName',
      'type',
      'status',
      'createdAt',
      'lastUsedKnown',
      'score',
    ]) {
      expect(list[0]).toHaveProperty(field);
    }
    // Sorted worst first by default.
    const scores = list.map((c) => (c.score as number | null) ?? -1);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
  });

  it('distinguishes never used from unknown usage', () => {
    expect(list.some((c) => c.lastUsedKnown === true && c.lastUsedAt === null)).toBe(true);
    expect(list.some((c) => c.lastUsedKnown === true && typeof c.lastUsedAt === 'string')).toBe(
      true,
    );
  });

  it('shows one credential with its identity, grants, findings and history', async () => {
    const worst = list[0]!;
    const r = await nhi(['show', String(worst.id), '--catalog', catalog]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(String(worst.externalId));
    expect(r.stdout).toMatch(/Grants \(\d+\)/);
    expect(r.stdout).toMatch(/Findings \([1-9]\d*\)/);
    expect(r.stdout).toContain('first seen in scan #1');
  });

  it('answers an unknown id with a one-line user error', async () => {
    const r = await nhi(['show', 'c-000000000000', '--catalog', catalog]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no credential or identity 'c-000000000000'/);
  });

  it('filters by provider, type and status, in table and csv too', async () => {
    const r = await nhi([
      'list',
      '--provider',
      'aws',
      '--type',
      'access-key',
      '--status',
      'inactive',
      '--json',
      '--catalog',
      catalog,
    ]);
    const rows = JSON.parse(r.stdout) as Record<string, unknown>[];
    expect(rows.length).toBeGreaterThan(0);
    expect(
      rows.every((x) => x.provider === 'aws' && x.type === 'access-key' && x.status === 'inactive'),
    ).toBe(true);
    const csv = await nhi(['list', '--format', 'csv', '--provider', 'gcp', '--catalog', catalog]);
    expect(csv.stdout.split('\n')[0]).toMatch(/^id,provider,scopeId/);
    const table = await nhi(['list', '--limit', '5', '--catalog', catalog]);
    expect(table.stdout.split('\n').filter((l) => / c-[0-9a-f]{12} /.test(l))).toHaveLength(5);
    expect(table.stderr).toMatch(/more \(use --limit/);
  });

  it('a rescan keeps first-seen and nothing disappears', async () => {
    const r = await nhi(['scan', '--demo', '--catalog', catalog, '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { scopes: { removed: number; status: string }[] };
    expect(out.scopes.every((s) => s.status === 'ok')).toBe(true);
    const again = JSON.parse((await nhi(['list', '--json', '--catalog', catalog])).stdout) as {
      id: string;
      firstSeenRun: number;
    }[];
    expect(again).toHaveLength(list.length);
    expect(again.every((c) => c.firstSeenRun === 1)).toBe(true);
  });

  it('never writes a secret value into the catalog, even while rotating one', async () => {
    // A rotation is the one moment nhi holds a real secret: it must reach the sink and nowhere else.
    // The worst such key whose user has room for a second one (AWS allows two per user).
    const keysOf = (identityId: unknown) =>
      list.filter((c) => c.identityId === identityId && c.type === 'access-key').length;
    const key = list.find(
      (c) =>
        c.provider === 'aws' &&
        c.type === 'access-key' &&
        c.status === 'active' &&
        c.identityKind !== 'root' &&
        keysOf(c.identityId) < 2,
    )!;
    const sink = join(dir, 'new-key.env');
    const r = await nhi([
      'rotate',
      String(key.id),
      '--sink',
      `file:${sink}`,
      '--apply',
      '--yes',
      '--catalog',
      catalog,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const secret = /AWS_SECRET_ACCESS_KEY=(\S+)/.exec(readFileSync(sink, 'utf8'))?.[1];
    expect(secret).toBeTruthy();
    expect(r.stdout + r.stderr).not.toContain(secret);
    const bytes = [catalog, `${catalog}-wal`]
      .filter((f) => existsSync(f))
      .map((f) => readFileSync(f).toString('latin1'))
      .join('');
    expect(bytes).toContain(String(key.externalId));
    expect(bytes).not.toContain(secret);
  });
});

export { scrubbedEnv };
