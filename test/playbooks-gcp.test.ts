/**
 * GCP service-account keys can be disabled, so they get the staged revocation (disable now,
 * delete later, rollback enables) and rotation into a core sink. Real @googleapis/iam client
 * against the GCP stand-in.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeTestContext } from '../src/connector/testing.js';
import { openCatalog, type Catalog } from '../src/catalog/index.js';
import { SqlitePlaybookStore } from '../src/catalog/sqlite/playbook-store.js';
import { loadActions } from '../src/connector/registry.js';
import type { ConnectorContext } from '../src/connector/index.js';
import { applyRun, rollbackRun, type EngineDeps } from '../src/playbooks/engine.js';
import { parseSinkSpec } from '../src/playbooks/plan.js';
import { makePlan } from '../src/playbooks/prepare.js';
import { connector as gcp } from '../connectors/gcp/index.js';
import { gcpEstate, OLD_GCP } from './playbooks-worlds.js';
import { startGcpStandIn, type GcpStandIn } from '../connectors/gcp/stand-in/server.js';
import { CUTOVER_NOW, engineDeps, keysFor, tempCatalogPath } from './playbooks-harness.js';

const NOW = new Date();
let s: GcpStandIn | undefined;
let path = '';
let catalog: Catalog | undefined;
afterEach(async () => {
  catalog?.close();
  await s?.close();
  s = catalog = undefined;
});

function ctx(): ConnectorContext {
  const url = s!.url;
  return makeTestContext({
    now: NOW,
    options: {
      projects: ['of-staging'],
      rootUrls: {
        iam: url,
        cloudresourcemanager: url,
        policyanalyzer: url,
        recommender: url,
        apikeys: url,
        oauth2: url,
      },
      retry: { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 2 },
    },
    env: { NHI_GCP_ACCESS_TOKEN: s!.token },
  });
}

async function setup(): Promise<{ store: SqlitePlaybookStore; keyId: string }> {
  s = await startGcpStandIn({ estate: gcpEstate() });
  path = tempCatalogPath();
  catalog = openCatalog(path);
  const runId = catalog.beginRun({ providers: ['gcp'], demo: false, version: 'test', now: NOW });
  for await (const r of gcp.discover(ctx())) catalog.writeScope(runId, r, 0);
  catalog.finishRun(runId, 'ok', NOW);
  const key = catalog.snapshot()!.credentials.find((c) => c.type === 'service-account-key')!;
  return { store: new SqlitePlaybookStore(catalog.db, keysFor(path)), keyId: key.id };
}

const keys = () => s!.estate.projects[0]!.serviceAccounts[0]!.keys;

function deps(store: SqlitePlaybookStore): EngineDeps {
  return engineDeps(store, keysFor(path), async () => ctx());
}

describe('GCP service-account key', () => {
  it('revoke disables now (rollback enables it again)', async () => {
    const { store, keyId } = await setup();
    const plan = await makePlan(catalog!.store(), 'revoke', keyId, null, CUTOVER_NOW, loadActions);
    expect(plan.steps.map((x) => x.action)).toEqual(['deactivate', 'delete']);
    const runId = await store.createRun(plan, NOW.toISOString());
    expect((await applyRun(deps(store), runId)).status).toBe('waiting');
    expect(keys().find((k) => k.keyId === OLD_GCP)?.disabled).toBe(true);
    await rollbackRun(deps(store), runId);
    expect(keys().find((k) => k.keyId === OLD_GCP)?.disabled).toBeFalsy();
  });

  it('rotates into a file sink (mode 0600) before disabling the old key', async () => {
    const { store, keyId } = await setup();
    const file = join(mkdtempSync(join(tmpdir(), 'nhi-gcp-')), 'sa.env');
    const plan = await makePlan(
      catalog!.store(),
      'rotate',
      keyId,
      parseSinkSpec(`file:${file}`),
      CUTOVER_NOW,
      loadActions,
    );
    const runId = await store.createRun(plan, NOW.toISOString());
    expect((await applyRun(deps(store), runId)).status).toBe('waiting');
    const user = keys().filter((k) => k.keyType === 'USER_MANAGED');
    expect(user).toHaveLength(2);
    expect(user.find((k) => k.keyId === OLD_GCP)?.disabled).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const newId = (await store.steps(runId))[0]!.result!.newExternalId as string;
    expect(user.some((k) => newId.endsWith(k.keyId))).toBe(true);
    // One dotenv line; the key file's JSON is quoted so its newlines survive.
    const line = readFileSync(file, 'utf8');
    expect(line.split('\n')).toHaveLength(2);
    const [, quoted] = /^GOOGLE_APPLICATION_CREDENTIALS_JSON=(".*")\n$/.exec(line)!;
    const keyFile = JSON.parse(JSON.parse(quoted!) as string) as {
      private_key_id?: string;
      client_email?: string;
    };
    expect(keyFile.client_email).toBe('ci-deployer@of-staging.iam.gserviceaccount.com');
    expect(newId.endsWith(keyFile.private_key_id!)).toBe(true);
  });
});
