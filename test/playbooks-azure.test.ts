/**
 * Entra client secrets have no "disable": rotation creates the new secret, delivers it to Key
 * Vault, verifies, then deletes the old one at once — an irreversible step that needs explicit
 * confirmation. Real Azure SDK pipelines against the HTTPS stand-in.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestContext } from '../src/connector/testing.js';
import { openCatalog, type Catalog } from '../src/catalog/index.js';
import { SqlitePlaybookStore } from '../src/catalog/sqlite/playbook-store.js';
import { loadActions } from '../src/connector/registry.js';
import type { ConnectorContext } from '../src/connector/index.js';
import { applyRun, rollbackRun, type EngineDeps } from '../src/playbooks/engine.js';
import { parseSinkSpec } from '../src/playbooks/plan.js';
import { makePlan } from '../src/playbooks/prepare.js';
import { renderPlan } from '../src/playbooks/render.js';
import { connector as azure } from '../connectors/azure/index.js';
import { startAzureStandIn, type AzureStandIn } from '../connectors/azure/stand-in/index.js';
import { AZURE_DEMO_SCANNER, buildAzureDemoEstate } from '../connectors/azure/stand-in/index.js';
import { COMPANY } from '../fixtures/demo/company.js';
import { CUTOVER_NOW, engineDeps, keysFor, tempCatalogPath } from './playbooks-harness.js';
import type { AuditKeyFile } from '../src/playbooks/audit-key.js';

const NOW = new Date();
let standIn: AzureStandIn;
let catalog: Catalog;
let keys: AuditKeyFile;
let store: SqlitePlaybookStore;

function ctx(): ConnectorContext {
  return makeTestContext({
    now: NOW,
    options: {
      tenantId: COMPANY.azureTenantId,
      authorityHost: standIn.url,
      graphEndpoint: standIn.url,
      armEndpoint: standIn.url,
      caFile: standIn.caFile,
      keyVaultUrls: standIn.vaultUrls,
      retry: { maxRetries: 2, retryDelayMs: 1, maxRetryDelayMs: 5 },
    },
    env: {
      AZURE_CLIENT_ID: AZURE_DEMO_SCANNER.clientId,
      AZURE_CLIENT_SECRET: AZURE_DEMO_SCANNER.secret,
    },
  });
}

beforeAll(async () => {
  standIn = await startAzureStandIn({ estate: buildAzureDemoEstate(NOW), now: () => NOW });
  const path = tempCatalogPath();
  catalog = openCatalog(path);
  keys = keysFor(path);
  store = new SqlitePlaybookStore(catalog.db, keys);
  const runId = catalog.beginRun({ providers: ['azure'], demo: false, version: 'test', now: NOW });
  for await (const r of azure.discover(ctx())) catalog.writeScope(runId, r, 0);
  catalog.finishRun(runId, 'ok', NOW);
});
afterAll(async () => {
  catalog.close();
  await standIn.close();
});

function deps(over: Partial<EngineDeps> = {}): EngineDeps {
  return engineDeps(store, keys, async () => ctx(), over);
}

describe('rotate an Entra client secret into Key Vault', () => {
  it('deletes the old secret only after Key Vault holds the new one, with confirmation', async () => {
    const old = catalog
      .snapshot()!
      .credentials.find((c) => c.type === 'client-secret' && c.name === 'rotation-2026')!;
    const plan = await makePlan(
      catalog.store(),
      'rotate',
      old.id,
      parseSinkSpec('azure-key-vault:orbital-deploy-kv/payments-api-credentials'),
      CUTOVER_NOW,
      loadActions,
    );
    expect(plan.steps.map((s) => [s.action, s.reversible, s.delayDays])).toEqual([
      ['create', true, 0],
      ['sink-put', true, 0],
      ['sink-verify', true, 0],
      ['delete', false, 0],
    ]);
    expect(renderPlan(plan, null)).toMatch(/4\. delete client secret .*\[IRREVERSIBLE\]/);

    const runId = await store.createRun(plan, NOW.toISOString());
    await expect(applyRun(deps({ yes: false }), runId)).rejects.toThrow(
      /step 4 .* is IRREVERSIBLE: confirm with --yes/,
    );
    expect((await applyRun(deps(), runId)).status).toBe('done');

    const app = standIn.estate.applications.find((a) => a.displayName === 'payments-api')!;
    const ids = app.passwordCredentials.map((p) => p.keyId);
    expect(ids).not.toContain(old.externalId);
    const newId = (await store.steps(runId))[0]!.result!.newExternalId as string;
    expect(ids).toContain(newId);
    const stored = standIn.vaults.get('orbital-deploy-kv')!.get('payments-api-credentials')!;
    expect(JSON.parse(stored.at(-1)!.value)).toMatchObject({ AZURE_CLIENT_ID: app.appId });

    // The old secret is gone for good, so rollback keeps the new one rather than leave none.
    const rolled = await rollbackRun(deps(), runId);
    expect(rolled.notes.join('\n')).toMatch(/cannot be restored[\s\S]*kept the new credential/);
    expect(app.passwordCredentials.map((p) => p.keyId)).toContain(newId);
  });
});
