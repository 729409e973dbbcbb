/**
 * `nhi trim` on Azure against the stand-in (the connector's SDK and REST clients): a service
 * principal that has not signed in within the window loses its RBAC and app role assignments
 * older than the window; rollback recreates each exactly (same role, scope, principal; same
 * app role and resource) under a new id, which the journal records.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTestContext } from '../src/connector/testing.js';
import type { StoredIdentity } from '../src/connector/index.js';
import { openCatalog } from '../src/catalog/index.js';
import { SqlitePlaybookStore } from '../src/catalog/sqlite/playbook-store.js';
import { applyRun, rollbackRun } from '../src/playbooks/engine.js';
import { renderTrimPlan } from '../src/playbooks/trim/render.js';
import { actions } from '../connectors/azure/actions.js';
import {
  buildAzureDemoEstate,
  connect,
  startAzureStandIn,
  type AzureStandIn,
} from '../connectors/azure/stand-in/index.js';
import { engineDeps, keysFor, tempCatalogPath } from './playbooks-harness.js';
import { planOrThrow } from './trim-plan.js';

const NOW = new Date('2026-11-01T12:00:00Z');
const ago = (d: number) => new Date(NOW.getTime() - d * 86_400_000).toISOString();
let s: AzureStandIn;
let estate: AzureStandIn['estate'];
const t = actions.trim!;

/** A service principal of the demo estate holding both kinds of assignment. */
function pick() {
  const rbac = estate.subscriptions.flatMap((x) => x.roleAssignments);
  const sp = estate.servicePrincipals.find(
    (p) =>
      rbac.some((a) => a.principalId === p.id) &&
      estate.appRoleAssignments.some((a) => a.principalId === p.id),
  )!;
  return { sp, rbac: rbac.filter((a) => a.principalId === sp.id) };
}

function setup(lastSignIn: string | null) {
  const { sp, rbac } = pick();
  for (const a of rbac) a.createdOn = ago(300);
  for (const a of estate.appRoleAssignments)
    if (a.principalId === sp.id) a.createdDateTime = ago(300);
  estate.signInReports.servicePrincipals = [
    ...estate.signInReports.servicePrincipals.filter((r) => r.appId !== sp.appId),
    { appId: sp.appId!, lastSignInDateTime: lastSignIn },
  ] as typeof estate.signInReports.servicePrincipals;
  const identity: StoredIdentity = {
    id: 'i-sp',
    provider: 'azure',
    scopeId: estate.tenant.id,
    scopeName: 'tenant',
    firstSeenRun: 1,
    lastSeenRun: 1,
    removedRun: null,
    externalId: sp.id!,
    name: sp.displayName ?? 'sp',
    kind: 'service-principal',
    owner: null,
    createdAt: null,
    lastUsedAt: lastSignIn,
    lastUsedKnown: true,
    tags: {},
    attributes: { appId: sp.appId, servicePrincipalId: sp.id },
  };
  const scope = {
    provider: 'azure' as const,
    id: estate.tenant.id,
    name: 'tenant',
    kind: 'tenant' as const,
  };
  const subject = {
    scope,
    identityExternalId: sp.id!,
    identityName: identity.name,
    identityKind: identity.kind,
    attributes: identity.attributes,
  };
  return { sp, identity, scope, subject };
}

const ctx = () => {
  const c = connect(s, estate);
  return makeTestContext({
    now: NOW,
    options: { ...c.options, retry: { maxRetries: 1, retryDelayMs: 1, maxRetryDelayMs: 5 } },
    env: c.env,
  });
};

const plan = (w: ReturnType<typeof setup>) => planOrThrow(t, ctx(), w, NOW);

const assignments = (spId: string) => ({
  rbac: estate.subscriptions
    .flatMap((x) => x.roleAssignments)
    .filter((a) => a.principalId === spId)
    .map((a) => `${a.scope.toLowerCase()}|${a.roleDefinitionName}`)
    .sort(),
  appRoles: estate.appRoleAssignments
    .filter((a) => a.principalId === spId)
    .map((a) => `${a.resourceId}|${a.appRoleId}`)
    .sort(),
});

beforeEach(async () => {
  s = await startAzureStandIn({ estate: buildAzureDemoEstate(NOW), now: () => NOW });
  estate = s.estate; // the live one (the stand-in works on a copy)
});
afterEach(async () => s.close());

describe('nhi trim on Azure (stand-in)', () => {
  it('removes every assignment of a service principal without a sign-in in the window; rollback recreates each exactly under a new id', async () => {
    const w = setup(ago(200));
    const before = assignments(w.sp.id!);
    const ids = estate.subscriptions
      .flatMap((x) => x.roleAssignments)
      .filter((a) => a.principalId === w.sp.id)
      .map((a) => a.name);
    const p = await plan(w);
    expect(p.steps.length).toBe(before.rbac.length + before.appRoles.length);
    expect(renderTrimPlan(p, 1)).toMatch(
      /last used 200 days ago \(service principal sign-in activity/,
    );
    const path = tempCatalogPath();
    const store = new SqlitePlaybookStore(openCatalog(path).db, keysFor(path));
    const deps = engineDeps(store, keysFor(path), async () => ctx());
    const runId = await store.createRun(p, NOW.toISOString());
    expect((await applyRun(deps, runId)).status).toBe('done');
    expect(assignments(w.sp.id!)).toEqual({ rbac: [], appRoles: [] });
    expect((await rollbackRun(deps, runId)).status).toBe('rolled-back');
    expect(assignments(w.sp.id!)).toEqual(before);
    const recreated = estate.subscriptions
      .flatMap((x) => x.roleAssignments)
      .filter((a) => a.principalId === w.sp.id);
    expect(recreated.every((a) => !ids.includes(a.name))).toBe(true); // new ids
    const journal = JSON.stringify(await store.steps(runId));
    expect(journal).toContain('newAssignmentId');
  });

  it('keeps every assignment of a service principal that signed in within the window', async () => {
    const w = setup(ago(5));
    const p = await plan(w);
    expect(p.steps).toHaveLength(0);
  });

  it('keeps an assignment younger than the window even without sign-ins', async () => {
    const w = setup(null);
    const young = estate.subscriptions
      .flatMap((x) => x.roleAssignments)
      .find((a) => a.principalId === w.sp.id)!;
    young.createdOn = ago(10);
    const p = await plan(w);
    const kept = p.trim!.diff.filter((d) => d.change === 'kept');
    expect(kept.map((d) => d.evidence).join(' ')).toMatch(
      /changed 10 days ago: younger than the 90-day window/,
    );
    expect(p.trim!.diff.some((d) => d.change === 'removed' && /never used/.test(d.evidence))).toBe(
      true,
    );
  });
});
