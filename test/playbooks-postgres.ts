/** Shared by the PostgreSQL playbook tests: audit key files, raw SQL, catalog copies, worlds. */
import { copyFileSync, existsSync, mkdtempSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { expect } from 'vitest';
import type { Backend } from '../fixtures/backends.js';
import { placePrivateFile } from '../src/playbooks/private-file.js';
import type { AwsStandIn } from '../connectors/aws/stand-in/server.js';
import { awsEnv, runCli, scanInto, startAws, tempCatalogPath } from './playbooks-harness.js';

/** A fresh audit key file (0600), as a team would share it between machines. */
export function auditKey(): string {
  const path = join(mkdtempSync(join(tmpdir(), 'nhi-key-')), 'audit.key');
  placePrivateFile(path, `${randomBytes(32).toString('hex')}\n`, true);
  return path;
}

export async function sql(url: string, text: string): Promise<Record<string, unknown>[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(text)).rows as Record<string, unknown>[];
  } finally {
    await c.end();
  }
}

/** A second catalog holding the same wreck: a database made from it, or the file copied. */
export async function copyOf(location: string): Promise<string> {
  if (location.startsWith('postgres')) {
    const u = new URL(location);
    const name = `${u.pathname.slice(1)}_copy`;
    const admin = new URL(location);
    admin.pathname = '/postgres';
    await sql(admin.toString(), `CREATE DATABASE ${name} TEMPLATE ${u.pathname.slice(1)}`);
    u.pathname = `/${name}`;
    return u.toString();
  }
  const to = tempCatalogPath();
  copyFileSync(location, to);
  // The killed process's committed transactions may still be in the WAL.
  if (existsSync(`${location}-wal`)) copyFileSync(`${location}-wal`, `${to}-wal`);
  return to;
}

export interface World {
  standIn: AwsStandIn;
  catalog: string;
  env: Record<string, string>;
}

export async function world(backend: Backend, key: string): Promise<World> {
  const standIn = await startAws();
  const catalog = await backend.fresh();
  await scanInto(catalog, standIn);
  return {
    standIn,
    catalog,
    env: { ...awsEnv(standIn), NHI_CATALOG: catalog, NHI_AUDIT_KEY_FILE: key },
  };
}

/** `nhi playbook show 1 --json`: the run's status and its steps' statuses. */
export async function runState(
  env: Record<string, string>,
): Promise<{ status: string; steps: string[] }> {
  const r = await runCli(['playbook', 'show', '1', '--format', 'json'], env);
  expect(r.code, r.stderr).toBe(0);
  const { run, steps } = JSON.parse(r.stdout) as {
    run: { status: string };
    steps: { status: string }[];
  };
  return { status: run.status, steps: steps.map((s) => s.status) };
}

/** Ends run 1's wait: its pending steps become due now, on either backend. */
export async function endWait(backend: Backend, catalog: string): Promise<void> {
  const past = new Date(Date.now() - 1000).toISOString();
  if (backend.name === 'postgres') {
    await sql(
      catalog,
      `UPDATE playbook_steps SET not_before = '${past}' WHERE run_id = 1 AND status = 'pending'`,
    );
    return;
  }
  const db = new Database(catalog);
  db.prepare(
    `UPDATE playbook_steps SET not_before = ? WHERE run_id = 1 AND status = 'pending'`,
  ).run(past);
  db.close();
}
