/**
 * Every command answers alike on both backends: the demo estate scanned twice into SQLite,
 * copied into PostgreSQL (`nhi catalog copy`), then every view read from each under a config
 * that neither stored evaluation was made with — so each backend evaluates the run itself —
 * must print the same bytes (the catalog's own location aside).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { postgresUnavailable, startPostgres, type PgServer } from '../fixtures/postgres.js';
import { nhi, tempDir } from './run-cli.js';

const skip = postgresUnavailable();
if (skip) console.warn(skip);

describe.skipIf(skip)('SQLite and PostgreSQL catalogs print the same views', () => {
  const dir = tempDir();
  const sqlite = join(dir, 'demo.db');
  const config = join(dir, 'nhi.config.yaml');
  let server: PgServer;
  let pgUrl: string;

  beforeAll(async () => {
    server = await startPostgres();
    for (let i = 0; i < 2; i++) {
      const scan = await nhi(['scan', '--demo', '--catalog', sqlite]);
      expect(scan.code, scan.stderr).toBe(0);
    }
    pgUrl = await server.database();
    const copy = await nhi(['catalog', 'copy', '--from', `sqlite:${sqlite}`, '--to', pgUrl]);
    expect(copy.code, copy.stderr).toBe(0);
    // A policy neither catalog's stored evaluation used: each evaluates the run on first read.
    writeFileSync(
      config,
      'rules:\n  no-owner: { enabled: false }\n  credential-rotation: { severity: high }\n',
    );
    return () => server.stop();
  }, 300_000);

  const views: [string, string[]][] = [
    ['report json', ['report', '--format', 'json']],
    ['list', ['list', '--limit', 'all']],
    ['list json', ['list', '--format', 'json', '--limit', 'all']],
    ['list identities', ['list', '--identities', '--format', 'json', '--limit', 'all']],
    ['list by age', ['list', '--sort', 'age', '--format', 'csv', '--limit', 'all']],
    ['list by last use', ['list', '--sort', 'last-used', '--format', 'csv', '--limit', 'all']],
    ['list removed', ['list', '--removed', '--format', 'json', '--limit', 'all']],
    ['report csv', ['report', '--format', 'csv']],
    ['report markdown', ['report', '--format', 'markdown']],
    ['check sarif', ['check', '--fail-on', 'low', '--format', 'sarif']],
    ['check json', ['check', '--fail-on', 'high', '--format', 'json']],
    ['diff', ['diff', '--format', 'json']],
    ['diff --json', ['diff', '--json']],
    ['diff first to last', ['diff', '--from', '1', '--to', '2', '--format', 'json']],
    ['posture', ['posture', '--json']],
    ['owners', ['owners']],
    ['owners json', ['owners', '--json']],
    ['owners unowned', ['owners', '--unowned', '--json']],
    ['runs json', ['runs', '--json']],
  ];

  it('list, show, report, check, diff and posture: byte for byte', async () => {
    const read = async (catalog: string, args: readonly string[]) => {
      const r = await nhi([...args, '--catalog', catalog, '--config', config]);
      expect(r.stderr, args.join(' ')).not.toMatch(/internal error|not yet supported/);
      return { code: r.code, out: r.stdout.split(catalog).join('<catalog>') };
    };
    for (const [name, args] of views) {
      const a = await read(sqlite, args);
      const b = await read(pgUrl, args);
      expect(a.out.length, name).toBeGreaterThan(10);
      expect(b, name).toEqual(a);
    }
    // --owner / --team: an owner and a team the demo attributes (read from SQLite's answer).
    const groups = JSON.parse((await read(sqlite, ['owners', '--json'])).out) as unknown;
    const text = JSON.stringify(groups);
    const owner = /"owner":"([^"]+)"/.exec(text)?.[1];
    const team = /"team":"([^"]+)"/.exec(text)?.[1];
    expect(owner, text.slice(0, 300)).toBeDefined();
    const filtered: string[][] = [
      ['list', '--owner', owner!, '--format', 'json', '--limit', 'all'],
      ['list', '--owner', owner!.toUpperCase(), '--limit', 'all'],
      ['list', '--identities', '--owner', owner!, '--format', 'json', '--limit', 'all'],
      ['report', '--owner', owner!, '--format', 'json'],
      ['check', '--fail-on', 'high', '--owner', owner!, '--format', 'json'],
      ['owners', '--owner', owner!, '--json'],
    ];
    if (team)
      filtered.push(
        ['list', '--team', team, '--format', 'json', '--limit', 'all'],
        ['owners', '--team', team],
      );
    for (const args of filtered) {
      const a = await read(sqlite, args);
      expect(await read(pgUrl, args), args.join(' ')).toEqual(a);
    }
    // show: the worst credential and identity, and a reference by name.
    const creds = JSON.parse((await read(sqlite, ['list', '--format', 'json'])).out) as {
      id: string;
    }[];
    const idents = JSON.parse(
      (await read(sqlite, ['list', '--identities', '--format', 'json'])).out,
    ) as { id: string; name: string }[];
    for (const ref of [creds[0]!.id, idents[0]!.id, idents[1]!.name, creds[2]!.id.slice(0, 6)]) {
      for (const format of ['table', 'json']) {
        const args = ['show', ref, '--format', format];
        expect(await read(pgUrl, args), `show ${ref} ${format}`).toEqual(await read(sqlite, args));
      }
    }
  }, 600_000);

  it('prune removes the same scans and rows, and what stays reads alike', async () => {
    const read = async (catalog: string, args: readonly string[]) => {
      const r = await nhi([...args, '--catalog', catalog, '--config', config]);
      expect(r.stderr, args.join(' ')).not.toMatch(/internal error|not yet supported/);
      return { code: r.code, out: r.stdout.split(catalog).join('<catalog>') };
    };
    // A third scan into SQLite, copied into a fresh PostgreSQL database: the same three scans.
    const scan = await nhi(['scan', '--demo', '--catalog', sqlite, '--config', config]);
    expect(scan.code, scan.stderr).toBe(0);
    pgUrl = await server.database();
    const copy = await nhi(['catalog', 'copy', '--from', `sqlite:${sqlite}`, '--to', pgUrl]);
    expect(copy.code, copy.stderr).toBe(0);
    const rowsOf = (out: string) => {
      const j = JSON.parse(out) as { runs: number[]; kept: unknown[]; rows: unknown };
      return { runs: j.runs, kept: j.kept, rows: j.rows };
    };
    for (const [args, removed] of [
      [
        ['prune', '--keep-runs', '1', '--dry-run', '--json'],
        [1, 2],
      ],
      [['prune', '--keep-runs', '2', '--json'], [1]],
    ] as const) {
      const a = await read(sqlite, args);
      const b = await read(pgUrl, args);
      expect(a.code, args.join(' ')).toBe(0);
      expect(b.code, args.join(' ')).toBe(0);
      expect(rowsOf(a.out).runs, args.join(' ')).toEqual(removed);
      expect(rowsOf(b.out), args.join(' ')).toEqual(rowsOf(a.out));
    }
    for (const args of [
      ['runs', '--json'],
      ['diff', '--json'],
      ['list', '--format', 'json', '--limit', 'all'],
      ['list', '--removed', '--format', 'json', '--limit', 'all'],
      ['report', '--format', 'json'],
      ['owners', '--json'],
    ]) {
      const a = await read(sqlite, args);
      expect(await read(pgUrl, args), `after prune: ${args.join(' ')}`).toEqual(a);
    }
  }, 600_000);
});
