/**
 * `nhi trim` on Azure against the stand-in (the connector's SDK and REST clients): a service
 * principal that has not signed in within the window loses its RBAC and app role assignments
 * older than the window; rollback recreates each exactly (same role, scope, principal; same
 * app role and resource) under a new id, which the journal records.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTestContext } from '../src/connector/testing.js';
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
import { ago, assignments as assignmentsOf, NOW, setup as setupIn } from './trim-azure-world.js';

let s: AzureStandIn;
let estate: AzureStandIn['estate'];
const t = actions.trim!;

const ctx = () => {
  const c = connect(s, estate);
  return makeTestContext({
    now: NOW,
    options: { ...c.options, retry: { maxRetries: 1, retryDelayMs: 1, maxRetryDelayMs: 5 } },
    env: c.env,
  });
};

const setup = (lastSignIn: string | null) => setupIn(estate, lastSignIn);
const assignments = (spId: string) => assignmentsOf(estate, spId);
const plan = (w: ReturnType<typeof setup>) => planOrThrow(t, ctx(), w, NOW);
const rbacOf = (spId: string) =>
  estate.subscriptions.flatMap((x) => x.roleAssignments).filter((a) => a.principalId === spId);
const subscriptionOf = (scope: string) =>
  estate.subscriptions.find((x) => scope.startsWith(`/subscriptions/${x.subscriptionId}`))!;

function engine() {
  const path = tempCatalogPath();
  const store = new SqlitePlaybookStore(openCatalog(path).db, keysFor(path));
  return { store, deps: engineDeps(store, keysFor(path), async () => ctx()) };
}

/** The error `p` rejects with (or a marker error when it resolves). */
const failure = (p: Promise<unknown>) =>
  p.then(
    () => new Error('resolved'),
    (e: Error) => e,
  );

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
    const text = renderTrimPlan(p, 1);
    expect(text).toMatch(/last used 200 days ago \(service principal sign-in activity/);
    // Named as people know them: the role's name and the app role's value, not their GUIDs.
    expect(text).toMatch(/- Contributor at \/subscriptions\/[^ ]+\/resourceGroups\/rg-payments/);
    expect(text).toMatch(/- Microsoft Graph app role Mail\.Send /);
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

describe('nhi trim on Azure: someone else changed an assignment (stand-in)', () => {
  it('refuses in one line to apply when an assignment was removed since planning; nothing is removed', async () => {
    const w = setup(ago(200));
    const before = assignments(w.sp.id!);
    const { store, deps } = engine();
    const runId = await store.createRun(await plan(w), NOW.toISOString());
    const gone = estate.appRoleAssignments.findIndex((a) => a.principalId === w.sp.id);
    estate.appRoleAssignments.splice(gone, 1);
    const err = await failure(applyRun(deps, runId));
    expect(err.message).toMatch(/app role .* changed or disappeared.*nothing was changed/);
    expect(err.message).not.toContain('\n');
    expect(assignments(w.sp.id!).rbac).toEqual(before.rbac);
  });

  it('refuses in one line to apply over an assignment recreated since planning (a new id), and leaves it', async () => {
    const w = setup(ago(200));
    const { store, deps } = engine();
    const runId = await store.createRun(await plan(w), NOW.toISOString());
    const a = rbacOf(w.sp.id!)[0]!;
    a.name = '0b6f5d8e-7c1a-4f7e-9d1e-2a3b4c5d6e7f'; // deleted and made again by someone
    const err = await failure(applyRun(deps, runId));
    expect(err.message).toMatch(/changed or disappeared.*nothing was changed/);
    expect(err.message).not.toContain('\n');
    expect(rbacOf(w.sp.id!).map((x) => x.name)).toEqual([a.name]);
  });

  it('rollback counts an identical assignment someone recreated meanwhile (Azure: 409 RoleAssignmentExists) as restored, and journals its id', async () => {
    const w = setup(ago(200));
    const before = assignments(w.sp.id!);
    const old = rbacOf(w.sp.id!)[0]!;
    const { store, deps } = engine();
    const runId = await store.createRun(await plan(w), NOW.toISOString());
    expect((await applyRun(deps, runId)).status).toBe('done');
    const theirs = { ...old, name: '1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f' };
    subscriptionOf(old.scope).roleAssignments.push(theirs);
    expect((await rollbackRun(deps, runId)).status).toBe('rolled-back');
    expect(assignments(w.sp.id!)).toEqual(before); // no duplicate
    expect(rbacOf(w.sp.id!).map((x) => x.name)).toEqual([theirs.name]);
    const undone = (await store.steps(runId)).map((j) => String(j.result?.newAssignmentId ?? ''));
    expect(undone.some((id) => id.endsWith(`/roleAssignments/${theirs.name}`))).toBe(true);
  });

  it('restore meets 409 RoleAssignmentExists: the identical assignment counts as restored, a different one (a condition) is refused in one line', async () => {
    const w = setup(ago(200));
    const old = rbacOf(w.sp.id!)[0]!;
    const p = await plan(w);
    const change = p.trim!.changes.find((c) => c.address.startsWith('rbac:'))!;
    const sub = subscriptionOf(old.scope);
    // What nhi removed is back under another id, put there between rollback's read and write.
    sub.roleAssignments.splice(sub.roleAssignments.indexOf(old), 1, { ...old, name: 'theirs' });
    const r = await t.restore(ctx(), w.subject, change, null);
    expect('detail' in r && r.detail).toMatchObject({ existed: 'true' });
    expect('detail' in r && r.detail.newAssignmentId).toMatch(/\/roleAssignments\/theirs$/);
    expect(rbacOf(w.sp.id!)).toHaveLength(1);
    // Now the one that exists has a condition: not what nhi removed.
    rbacOf(w.sp.id!)[0]!.condition =
      "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals 'tmp'";
    const err = await failure(t.restore(ctx(), w.subject, change, null));
    expect(err.message).toMatch(
      /Azure says the assignment exists \(RoleAssignmentExists\) but it is not the one nhi removed; rollback refused/,
    );
    expect(err.message).not.toContain('\n');
    expect(rbacOf(w.sp.id!)).toHaveLength(1);
  });

  it('rollback refuses in one line when the assignment was made again differently (with a condition) after apply; the others are restored', async () => {
    const w = setup(ago(200));
    const old = rbacOf(w.sp.id!)[0]!;
    const { store, deps } = engine();
    const runId = await store.createRun(await plan(w), NOW.toISOString());
    expect((await applyRun(deps, runId)).status).toBe('done');
    subscriptionOf(old.scope).roleAssignments.push({
      ...old,
      name: 'theirs',
      condition:
        "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals 'tmp'",
    });
    const err = await failure(rollbackRun(deps, runId));
    expect(err.message).toMatch(
      /changed by someone else since nhi applied run \d+; rollback refused for it/,
    );
    expect(err.message).not.toContain('\n');
    expect(rbacOf(w.sp.id!).map((x) => x.name)).toEqual(['theirs']);
  });

  it('rollback recreates a conditional assignment with its condition', async () => {
    const w = setup(ago(200));
    const cond =
      "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals 'tmp'";
    rbacOf(w.sp.id!)[0]!.condition = cond;
    const { store, deps } = engine();
    const runId = await store.createRun(await plan(w), NOW.toISOString());
    expect((await applyRun(deps, runId)).status).toBe('done');
    expect(rbacOf(w.sp.id!)).toHaveLength(0);
    expect((await rollbackRun(deps, runId)).status).toBe('rolled-back');
    expect(rbacOf(w.sp.id!).map((a) => a.condition)).toEqual([cond]);
  });

  it('an app role assignment someone made again identically counts as restored (Graph: 400 already exists); no duplicate', async () => {
    const w = setup(ago(200));
    const before = assignments(w.sp.id!);
    const old = estate.appRoleAssignments.find((a) => a.principalId === w.sp.id)!;
    const { store, deps } = engine();
    const runId = await store.createRun(await plan(w), NOW.toISOString());
    expect((await applyRun(deps, runId)).status).toBe('done');
    estate.appRoleAssignments.push({ ...old, id: 'theirs-app-role-assignment' });
    expect((await rollbackRun(deps, runId)).status).toBe('rolled-back');
    expect(assignments(w.sp.id!)).toEqual(before);
    const ids = (await store.steps(runId)).map((j) => j.result?.newAssignmentId);
    expect(ids).toContain('theirs-app-role-assignment');
  });
});
