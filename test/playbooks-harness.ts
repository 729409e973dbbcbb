/**
 * Shared set-up for the playbook tests: a one-account AWS estate served by the real stand-in,
 * scanned into a fresh catalog by the real connector, and a runner for the built CLI.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { buildCli as buildCliInto, cliBundleOptions } from '../scripts/cli-bundle.mjs';
import { makeTestContext } from '../src/connector/testing.js';
import { openCatalog, openStore } from '../src/catalog/index.js';
import { connector as aws } from '../connectors/aws/index.js';
import { startAwsStandIn, type AwsStandIn } from '../connectors/aws/stand-in/server.js';
import type { AwsEstate, EstateAccessKey } from '../connectors/aws/stand-in/estate.js';

export const ACCOUNT = '222233334444';
export const CALLER = {
  accessKeyId: 'AKIANHITESTCALLER001',
  secretAccessKey: 'test-caller-secret-not-real',
  accountId: ACCOUNT,
  arn: `arn:aws:iam::${ACCOUNT}:user/nhi-operator`,
};
export const OLD_KEY = 'AKIACIBOTOLD00000001';
export const SPARE_KEY = 'AKIACIBOTSPARE000001';
export const OTHER_KEY = 'AKIACIBOTOTHER000001';

const DAY = 86_400_000;
const ago = (d: number) => new Date(Date.now() - d * DAY).toISOString();

export function awsEstate(extra: 'none' | 'spare-inactive' | 'second-active' = 'none'): AwsEstate {
  const keys: EstateAccessKey[] = [
    {
      id: OLD_KEY,
      status: 'Active',
      createdAt: ago(400),
      lastUsedAt: ago(1),
      lastUsedService: 's3',
      lastUsedRegion: 'eu-west-1',
    },
  ];
  if (extra === 'spare-inactive')
    keys.push({ id: SPARE_KEY, status: 'Inactive', createdAt: ago(500), lastUsedAt: null });
  if (extra === 'second-active')
    keys.push({ id: OTHER_KEY, status: 'Active', createdAt: ago(10), lastUsedAt: ago(2) });
  return {
    accounts: [
      {
        id: ACCOUNT,
        name: 'orbital-prod',
        root: { createdAt: ago(2000), mfaActive: true },
        users: [
          { name: 'ci-bot', createdAt: ago(600), accessKeys: keys },
          { name: 'nhi-operator', createdAt: ago(600), accessKeys: [] },
        ],
        roles: [],
        groups: [],
        policies: [],
      },
    ],
    callers: [CALLER],
  };
}

export function awsEnv(standIn: AwsStandIn): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: standIn.url,
    AWS_ACCESS_KEY_ID: CALLER.accessKeyId,
    AWS_SECRET_ACCESS_KEY: CALLER.secretAccessKey,
    AWS_REGION: 'us-east-1',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

export function tempCatalogPath(): string {
  return join(mkdtempSync(join(tmpdir(), 'nhi-playbooks-')), 'catalog.db');
}

/** A fresh AWS stand-in scanned into a fresh catalog, and the environment the CLI needs for it. */
export async function cliSetup(): Promise<{ standIn: AwsStandIn; env: Record<string, string> }> {
  const standIn = await startAws();
  const catalog = tempCatalogPath();
  await scanInto(catalog, standIn);
  return { standIn, env: { ...awsEnv(standIn), NHI_CATALOG: catalog } };
}

/**
 * Scans the stand-in with the real connector into the catalog at `location` (an SQLite path or
 * a postgres:// URL; a non-demo run).
 */
export async function scanInto(location: string, standIn: AwsStandIn): Promise<void> {
  const catalog = await openStore(location);
  const now = new Date();
  const runId = await catalog.beginRun({ providers: ['aws'], demo: false, version: 'test', now });
  const ctx = makeTestContext({
    now,
    env: awsEnv(standIn),
    options: { maxAttempts: 1, pollIntervalMs: 1 },
  });
  for await (const r of aws.discover(ctx)) await catalog.writeScope(runId, r, 0);
  await catalog.finishRun(runId, 'ok', now);
  await catalog.close();
}

export async function startAws(
  extra: Parameters<typeof awsEstate>[0] = 'none',
): Promise<AwsStandIn> {
  return startAwsStandIn({ estate: awsEstate(extra) });
}

/** What the stand-in's Secrets Manager holds at prod/ci-bot (the rotation tests' sink), or null. */
export async function sinkValue(standIn: AwsStandIn): Promise<Record<string, string> | null> {
  const sm = new SecretsManagerClient({
    endpoint: standIn.url,
    region: 'us-east-1',
    credentials: { accessKeyId: CALLER.accessKeyId, secretAccessKey: CALLER.secretAccessKey },
    maxAttempts: 1,
  });
  try {
    const out = await sm.send(new GetSecretValueCommand({ SecretId: 'prod/ci-bot' }));
    return JSON.parse(out.SecretString!) as Record<string, string>;
  } catch (e) {
    if ((e as Error).name === 'ResourceNotFoundException') return null;
    throw e;
  }
}

export function keyOf(standIn: AwsStandIn, id: string): EstateAccessKey | undefined {
  for (const a of standIn.estate.accounts)
    for (const u of a.users) for (const k of u.accessKeys ?? []) if (k.id === id) return k;
  return undefined;
}

export function keysOf(standIn: AwsStandIn, user = 'ci-bot'): EstateAccessKey[] {
  return standIn.estate.accounts[0]!.users.find((u) => u.name === user)!.accessKeys ?? [];
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Bundles the CLI (scripts/build.mjs's settings) once per test run, into the directory the
 * run's global set-up names (test/cli-bundle-setup.ts), so a concurrent `npm run build`
 * elsewhere (which empties dist/) cannot race it and twenty test files do not bundle it twenty
 * times. The first file to need it builds it beside the final name and renames it into place;
 * a file that loses that race uses the winner's. Outside such a run it is private to this process.
 * It lives under node_modules/.cache so the bundle's bare imports resolve.
 */
let bundled: Promise<string> | undefined;
export function buildCli(): Promise<string> {
  bundled ??= sharedCli();
  return bundled;
}

async function sharedCli(): Promise<string> {
  const shared = process.env.NHI_TEST_BUNDLE_DIR;
  if (!shared) {
    const outdir = join(privateDir(), 'cli');
    rmSync(outdir, { recursive: true, force: true });
    return buildCliInto(outdir, { logLevel: 'error' });
  }
  const final = join(shared, 'cli');
  const main = join(final, 'cli.cjs');
  if (existsSync(main)) return main;
  const tmp = join(shared, `cli.${process.pid}`);
  await buildCliInto(tmp, { logLevel: 'error' });
  try {
    renameSync(tmp, final);
  } catch (e) {
    // Another file renamed its own first: use that one.
    if (!existsSync(main)) throw e;
    rmSync(tmp, { recursive: true, force: true });
  }
  return main;
}

/** Bundles `entryPoints` into this test process's private directory; the path of `main`. */
export async function bundle(entryPoints: Record<string, string>, main: string): Promise<string> {
  const { build } = await import('esbuild');
  const outdir = join(privateDir(), main);
  rmSync(outdir, { recursive: true, force: true });
  await build(cliBundleOptions(outdir, { entryPoints, logLevel: 'error' }));
  return join(outdir, `${main}.js`);
}

const privateDir = () =>
  join(import.meta.dirname, '..', 'node_modules', '.cache', `nhi-playbooks-test-${process.pid}`);

/** Removes what this process bundled for itself (the run's shared CLI goes with the run). */
export function removeCliBuild(): void {
  rmSync(privateDir(), { recursive: true, force: true });
}

/** Runs the bundled CLI with a scrubbed environment: PATH, NO_COLOR, HOME and `env`, in `cwd`. */
export async function runCli(
  args: string[],
  env: Record<string, string>,
  opts: { cwd?: string; input?: string } = {},
): Promise<CliResult> {
  const cli = await buildCli();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], {
      // A throwaway HOME: no real ~/.aws or config file can leak in.
      env: {
        PATH: process.env.PATH ?? '',
        NO_COLOR: '1',
        HOME: mkdtempSync(join(tmpdir(), 'nhi-home-')),
        ...env,
      },
      cwd: opts.cwd ?? tmpdir(),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    child.stdin.end(opts.input ?? '');
  });
}

/* ----- in-process engine ----- */

import { loadActions } from '../src/connector/registry.js';
import { SqlitePlaybookStore } from '../src/catalog/sqlite/playbook-store.js';
import type { EngineDeps } from '../src/playbooks/engine.js';
import { makePlan } from '../src/playbooks/prepare.js';
import type { PlanSettings } from '../src/playbooks/plan.js';
import { AuditKeyFile } from '../src/playbooks/audit-key.js';
import type { Plan, SinkSpec } from '../src/model/index.js';
import type { Catalog } from '../src/catalog/index.js';

/** The behaviour before cut-over existed: the old credential is retired right after delivery. */
export const CUTOVER_NOW: PlanSettings = {
  deleteAfterDays: 7,
  cutover: { mode: 'now', overlapDays: 0 },
};

/** The default: the old credential waits for the new one to be used, `overlapDays` at most. */
export function inUse(overlapDays = 7, deleteAfterDays = 7): PlanSettings {
  return { deleteAfterDays, cutover: { mode: 'in-use', overlapDays } };
}

/** The audit key the CLI would use for the catalog at `path` (beside it). */
export function keysFor(path: string): AuditKeyFile {
  return new AuditKeyFile(`${path}.audit-key`, path);
}

/** A playbook store as the CLI opens it: keyed with the catalog's audit key. */
export function storeFor(catalog: Catalog, path: string): SqlitePlaybookStore {
  return new SqlitePlaybookStore(catalog.db, keysFor(path));
}

/** Engine dependencies for in-process tests; `over` replaces any of them. */
export function engineDeps(
  store: SqlitePlaybookStore,
  keys: AuditKeyFile,
  contextFor: EngineDeps['contextFor'],
  over: Partial<EngineDeps> = {},
): EngineDeps {
  return {
    store,
    now: () => new Date(),
    actor: 'tester@host',
    loadActions,
    contextFor,
    writeStdout: () => {},
    say: () => {},
    confirm: async () => true,
    yes: true,
    interactive: false,
    fingerprintOf: (v) => keys.fingerprintOf(v),
    ...over,
  };
}

export interface Harness {
  standIn: AwsStandIn;
  catalog: Catalog;
  catalogPath: string;
  store: SqlitePlaybookStore;
  keys: AuditKeyFile;
  clock: { now: Date };
  said: string[];
  deps(over?: Partial<EngineDeps>): EngineDeps;
  /** Plans with CUTOVER_NOW unless `settings` says otherwise. */
  plan(
    kind: 'revoke' | 'rotate',
    ref: string,
    sink?: SinkSpec | null,
    settings?: PlanSettings,
  ): Promise<Plan>;
  close(): Promise<void>;
}

export async function harness(extra: Parameters<typeof awsEstate>[0] = 'none'): Promise<Harness> {
  const standIn = await startAws(extra);
  const path = tempCatalogPath();
  await scanInto(path, standIn);
  const catalog = openCatalog(path);
  const keys = keysFor(path);
  const store = new SqlitePlaybookStore(catalog.db, keys);
  const clock = { now: new Date() };
  const said: string[] = [];
  return {
    standIn,
    catalog,
    catalogPath: path,
    store,
    keys,
    clock,
    said,
    deps: (over = {}) =>
      engineDeps(
        store,
        keys,
        async () =>
          makeTestContext({
            now: clock.now,
            env: awsEnv(standIn),
            options: { maxAttempts: 3, pollIntervalMs: 1 },
          }),
        {
          now: () => clock.now,
          actor: 'tester@host (aws key AKIANHITESTCALLER001)',
          say: (l) => said.push(l),
          ...over,
        },
      ),
    plan: (kind, ref, sink = null, settings = CUTOVER_NOW) =>
      makePlan(catalog.store(), kind, ref, sink, settings, loadActions, clock.now),
    close: async () => {
      catalog.close();
      await standIn.close();
    },
  };
}
