/**
 * GitHub playbooks with the real Octokit against the GitHub stand-in: a deploy key has no
 * "disable", so its revocation is one irreversible step that needs explicit confirmation; and
 * an AWS key rotated into GitHub Actions secrets (the stand-in opens the sealed boxes).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { makeTestContext } from '../src/connector/testing.js';
import { openCatalog, type Catalog } from '../src/catalog/index.js';
import { SqlitePlaybookStore } from '../src/catalog/sqlite/playbook-store.js';
import { loadActions } from '../src/connector/registry.js';
import type { ConnectorContext, ProviderId } from '../src/connector/index.js';
import { applyRun, rollbackRun, type EngineDeps } from '../src/playbooks/engine.js';
import { parseSinkSpec } from '../src/playbooks/plan.js';
import { makePlan } from '../src/playbooks/prepare.js';
import { buildGitHubDemoEstate } from '../connectors/github/stand-in/demo.js';
import { denied } from '../connectors/github/stand-in/faults.js';
import { connector as github, DEMO_TOKEN } from '../connectors/github/index.js';
import { startGitHubStandIn, type GitHubStandIn } from '../connectors/github/stand-in/server.js';
import {
  CUTOVER_NOW,
  engineDeps,
  harness,
  keysFor,
  keyOf,
  keysOf,
  OLD_KEY,
  tempCatalogPath,
  type Harness,
} from './playbooks-harness.js';

const ORG = 'orbital-freight';
let gh: GitHubStandIn | undefined;
let h: Harness | undefined;
let catalog: Catalog | undefined;
afterEach(async () => {
  catalog?.close();
  await gh?.close();
  await h?.close();
  gh = h = catalog = undefined;
});

function ghContext(s: GitHubStandIn, now: Date): ConnectorContext {
  return makeTestContext({
    now,
    options: { orgs: [ORG], apiUrl: s.url, retryAfterBaseValue: 1 },
    env: { GITHUB_TOKEN: DEMO_TOKEN },
  });
}

let ghPath = '';
async function scanGitHub(s: GitHubStandIn, now: Date): Promise<Catalog> {
  ghPath = tempCatalogPath();
  const c = openCatalog(ghPath);
  const runId = c.beginRun({ providers: ['github'], demo: false, version: 'test', now });
  for await (const r of github.discover(ghContext(s, now))) c.writeScope(runId, r, 0);
  c.finishRun(runId, 'ok', now);
  return c;
}

function deps(
  store: SqlitePlaybookStore,
  contexts: Partial<Record<ProviderId, ConnectorContext>>,
  over: Partial<EngineDeps> = {},
  keys = keysFor(ghPath),
): EngineDeps {
  return engineDeps(store, keys, async (p) => contexts[p]!, over);
}

describe('GitHub deploy key revoke', () => {
  it('is one irreversible deletion that needs --yes or an interactive yes', async () => {
    const now = new Date();
    gh = await startGitHubStandIn({ estate: buildGitHubDemoEstate(now) });
    catalog = await scanGitHub(gh, now);
    const key = catalog
      .snapshot()!
      .credentials.find((c) => c.type === 'deploy-key' && c.name === 'argocd-write')!;
    const store = new SqlitePlaybookStore(catalog.db, keysFor(ghPath));
    const plan = await makePlan(catalog.store(), 'revoke', key.id, null, CUTOVER_NOW, loadActions);
    expect(plan.steps).toHaveLength(1);
    expect(plan.steps[0]).toMatchObject({ action: 'delete', reversible: false, delayDays: 0 });
    const runId = await store.createRun(plan, now.toISOString());
    const ctx = { github: ghContext(gh, now) };
    const repo = () =>
      gh!.estate.orgs.find((o) => o.login === ORG)!.repos.find((r) => r.name === 'k8s-manifests')!;
    const present = () => repo().deployKeys.some((k) => k.title === 'argocd-write');

    await expect(
      applyRun(deps(store, ctx, { yes: false, interactive: false }), runId),
    ).rejects.toThrow(/step 1 .* is IRREVERSIBLE: confirm with --yes/);
    const declined = await applyRun(
      deps(store, ctx, { yes: false, interactive: true, confirm: async () => false }),
      runId,
    );
    expect(declined.status).toBe('stopped');
    expect(present()).toBe(true);

    expect((await applyRun(deps(store, ctx), runId)).status).toBe('done');
    expect(present()).toBe(false);
    expect((await store.audit()).map((a) => [a.action, a.result])).toEqual([['delete', 'ok']]);
    const rolled = await rollbackRun(deps(store, ctx), runId);
    expect(rolled.notes.join()).toMatch(/was deleted and cannot be restored/);
  });
});

describe('rotate an AWS key into GitHub Actions secrets', () => {
  it('the repository holds the new key id and secret before the old key is deactivated', async () => {
    h = await harness();
    gh = await startGitHubStandIn({ estate: buildGitHubDemoEstate(new Date()) });
    const plan = await h.plan(
      'rotate',
      OLD_KEY,
      parseSinkSpec(`github-actions:${ORG}/k8s-manifests`),
    );
    const runId = await h.store.createRun(plan, new Date().toISOString());
    const awsCtx = await h.deps().contextFor('aws');
    const out = await applyRun(
      deps(
        h.store,
        { aws: awsCtx, github: ghContext(gh, new Date()) },
        { now: () => h!.clock.now },
        h.keys,
      ),
      runId,
    );
    expect(out.status).toBe('waiting');
    const fresh = keysOf(h.standIn).find((k) => k.id !== OLD_KEY)!;
    const got = Object.fromEntries(gh.received.map((r) => [r.name, r.value]));
    expect(got).toEqual({ AWS_ACCESS_KEY_ID: fresh.id, AWS_SECRET_ACCESS_KEY: fresh.secret });
    expect(gh.received.every((r) => r.target.includes('k8s-manifests'))).toBe(true);
    expect(keyOf(h.standIn, OLD_KEY)?.status).toBe('Inactive');
  });

  it('a sink GitHub refuses leaves the old key active and removes the new one', async () => {
    h = await harness();
    gh = await startGitHubStandIn({ estate: buildGitHubDemoEstate(new Date()) });
    gh.faults.add(denied(/\/actions\/secrets/, 403, 'Resource not accessible by integration'));
    const plan = await h.plan(
      'rotate',
      OLD_KEY,
      parseSinkSpec(`github-actions:${ORG}/k8s-manifests`),
    );
    const runId = await h.store.createRun(plan, new Date().toISOString());
    const awsCtx = await h.deps().contextFor('aws');
    await expect(
      applyRun(
        deps(h.store, { aws: awsCtx, github: ghContext(gh, new Date()) }, {}, h.keys),
        runId,
      ),
    ).rejects.toThrow(/sink-put\) failed/);
    expect(keysOf(h.standIn).map((k) => [k.id, k.status])).toEqual([[OLD_KEY, 'Active']]);
  });
});
