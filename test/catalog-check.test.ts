/**
 * `nhi catalog check` on both backends: a scanned catalog holds (exit 0); a stored evaluation
 * missing a scope, and rows pointing at an evaluation that is not there, fail it (exit 1) with
 * what was found.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { backends } from '../fixtures/backends.js';
import { isPostgresLocation } from '../src/catalog/index.js';
import { nhi } from './run-cli.js';

async function sql(location: string, statement: string): Promise<void> {
  if (isPostgresLocation(location)) {
    const c = new pg.Client({ connectionString: location });
    await c.connect();
    try {
      await c.query(statement);
    } finally {
      await c.end();
    }
  } else {
    const db = new Database(location);
    db.exec(statement);
    db.close();
  }
}

interface Report {
  ok: boolean;
  checks: { name: string; ok: boolean; detail: string }[];
}

describe.each(backends)('nhi catalog check ($name)', (backend) => {
  it.skipIf(backend.skip)(
    'holds on a scanned catalog; a broken evaluation and orphan rows fail it with exit 1',
    async () => {
      const catalog = await backend.fresh('demo.db');
      const scan = await nhi(['scan', '--demo', '--catalog', catalog]);
      expect(scan.code, scan.stderr).toBe(0);
      const ok = await nhi(['catalog', 'check', '--catalog', catalog]);
      expect(ok.code, ok.stdout + ok.stderr).toBe(0);
      expect(ok.stdout).toMatch(/^ok +schema +schema version \d+$/m);
      expect(ok.stdout).toMatch(/^ok +evaluation +scan #1: evaluation 1 complete over 12 scopes$/m);
      expect(ok.stdout).toMatch(/^ok +audit +0 entries chained/m);

      await sql(
        catalog,
        `DELETE FROM evaluation_scopes WHERE scope_id = (SELECT min(scope_id) FROM evaluation_scopes);
         INSERT INTO scores (evaluation_id, subject_kind, subject_id, provider, scope_id, score, band, created_key, contributions_json)
         VALUES (999, 'credential', 'c-x', 'aws', 'x', 0, 'low', '~', '[]')`,
      );
      const bad = await nhi(['catalog', 'check', '--format', 'json', '--catalog', catalog]);
      expect(bad.code).toBe(1);
      const report = JSON.parse(bad.stdout) as Report;
      expect(report.ok).toBe(false);
      const by = Object.fromEntries(report.checks.map((c) => [c.name, c]));
      expect(by.schema!.ok).toBe(true);
      expect(by.references).toMatchObject({
        ok: false,
        detail: expect.stringMatching(
          /1 scores row\(s\) whose evaluation_id names no evaluations row/,
        ),
      });
      expect(by.evaluation).toMatchObject({
        ok: false,
        detail: expect.stringMatching(/lacks 1 of 12 scopes/),
      });
    },
    300_000,
  );
});
