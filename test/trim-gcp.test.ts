/**
 * `nhi trim` on GCP against the stand-in, through the connector's real REST client: IAM
 * Recommender's recommendations for one service account are planned as a diff of its roles,
 * applied by getIamPolicy → modify → setIamPolicy with the etag, retried on 409 ABORTED and then
 * refused, rolled back to exactly the previous membership, and refused over someone's change.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTestContext } from '../src/connector/testing.js';
import { openCatalog } from '../src/catalog/index.js';
import { SqlitePlaybookStore } from '../src/catalog/sqlite/playbook-store.js';
import { applyRun, rollbackRun } from '../src/playbooks/engine.js';
import { renderTrimPlan } from '../src/playbooks/trim/render.js';
import { actions } from '../connectors/gcp/actions.js';
import { MAX_ETAG_ATTEMPTS } from '../connectors/gcp/trim.js';
import { connect, startGcpStandIn, type GcpStandIn } from '../connectors/gcp/stand-in/index.js';
import type { StandInProject } from '../connectors/gcp/stand-in/estate.js';
import { engineDeps, keysFor, tempCatalogPath } from './playbooks-harness.js';
import { planLive, planOrThrow } from './trim-plan.js';
import { estate, identity, NOW, OTHER, SA, scope, subject } from './trim-gcp-world.js';

let s: GcpStandIn;
let project: StandInProject;
const ctx = () => {
  const c = connect(s);
  return makeTestContext({ now: NOW, options: { ...c.options, maxAttempts: 1 }, env: c.env });
};
const t = actions.trim!;
const memberRoles = () =>
  project.bindings
    .filter((b) => b.members.includes(SA))
    .map((b) => b.role + (b.condition ? ' (conditional)' : ''))
    .sort();

const world = { identity, scope, subject };
const plan = () => planOrThrow(t, ctx(), world, NOW);

function engine() {
  const path = tempCatalogPath();
  const catalog = openCatalog(path);
  const keys = keysFor(path);
  const store = new SqlitePlaybookStore(catalog.db, keys);
  return { store, deps: engineDeps(store, keys, async () => ctx()) };
}

beforeEach(async () => {
  s = await startGcpStandIn({ estate: estate(), now: () => NOW });
  project = s.estate.projects[0]!;
});
afterEach(async () => s.close());

describe('nhi trim on GCP (IAM Recommender, stand-in)', () => {
  it("plans Recommender's removal and replacement as a diff of the service account's roles", async () => {
    const p = await plan();
    expect(p.steps).toHaveLength(1);
    expect(p.steps[0]!.action).toBe('grant-change');
    const change = p.trim!.changes[0]!;
    expect(JSON.parse(change.after!).roles).toEqual([
      'roles/pubsub.publisher',
      'roles/storage.objectViewer',
    ]);
    const text = renderTrimPlan(p, 3);
    expect(text).toMatch(/- roles\/editor\s+never used \(IAM Recommender/);
    expect(text).toMatch(/- roles\/bigquery\.admin\s+never used/);
    expect(text).toMatch(/\+ roles\/storage\.objectViewer\s+replaces roles\/editor/);
    expect(text).toMatch(/ {2}roles\/pubsub\.publisher/); // no recommendation: kept
    expect(text).toMatch(/ {2}roles\/storage\.admin if tmp only/); // conditional: kept
  });

  it('applies with the etag, marks the recommendations succeeded, and rollback restores the exact roles while keeping others’ changes', async () => {
    const before = memberRoles();
    const { store, deps } = engine();
    const runId = await store.createRun(await plan(), NOW.toISOString());
    expect((await applyRun(deps, runId)).status).toBe('done');
    expect(memberRoles()).toEqual([
      'roles/pubsub.publisher',
      'roles/storage.admin (conditional)',
      'roles/storage.objectViewer',
    ]);
    // The other member of roles/editor is untouched.
    expect(project.bindings.find((b) => b.role === 'roles/editor')!.members).toEqual([OTHER]);
    expect(project.recommendations!.map((r) => r.state ?? 'ACTIVE')).toEqual([
      'SUCCEEDED',
      'SUCCEEDED',
      'ACTIVE',
    ]);
    // Someone else changes another member meanwhile: rollback keeps it.
    project.bindings.push({ role: 'roles/viewer', members: [OTHER] });
    project.policyRevision = (project.policyRevision ?? 0) + 1;
    expect((await rollbackRun(deps, runId)).status).toBe('rolled-back');
    expect(memberRoles()).toEqual(before);
    expect(project.bindings.find((b) => b.role === 'roles/viewer')!.members).toEqual([OTHER]);
    const [doc] = await t.read(ctx(), subject);
    const planned = (await store.getRun(runId))!.plan.trim!.changes[0]!;
    expect(doc!.document).toBe(planned.before); // byte-identical membership
  });

  it('re-reads and retries a write that meets a concurrent change (409 ABORTED), then succeeds', async () => {
    project.policyConflicts = MAX_ETAG_ATTEMPTS - 1;
    const { store, deps } = engine();
    const runId = await store.createRun(await plan(), NOW.toISOString());
    expect((await applyRun(deps, runId)).status).toBe('done');
    expect(project.policyConflicts).toBe(0);
    expect(memberRoles()).not.toContain('roles/editor');
  });

  it('refuses with one line when every attempt meets a concurrent change; nothing changes', async () => {
    project.policyConflicts = MAX_ETAG_ATTEMPTS;
    const before = memberRoles();
    const { store, deps } = engine();
    const runId = await store.createRun(await plan(), NOW.toISOString());
    const err = await applyRun(deps, runId).then(
      (o) => new Error(`status ${o.status}`),
      (e: Error) => e,
    );
    expect(err.message).toMatch(
      new RegExp(`changed under nhi ${MAX_ETAG_ATTEMPTS} times in a row \\(409 ABORTED`),
    );
    expect(err.message).not.toContain('\n');
    expect(memberRoles()).toEqual(before);
  });

  it("refuses to apply over a change to the service account's roles since planning", async () => {
    const { store, deps } = engine();
    const runId = await store.createRun(await plan(), NOW.toISOString());
    project.bindings.push({ role: 'roles/cloudsql.client', members: [SA] });
    project.policyRevision = 7;
    await expect(applyRun(deps, runId)).rejects.toThrow(
      /changed or disappeared.*nothing was changed/,
    );
    expect(memberRoles()).toContain('roles/editor');
  });

  it('refuses to roll back when someone changed the service account’s roles after apply', async () => {
    const { store, deps } = engine();
    const runId = await store.createRun(await plan(), NOW.toISOString());
    await applyRun(deps, runId);
    project.bindings.push({ role: 'roles/cloudsql.client', members: [SA] });
    project.policyRevision = 9;
    await expect(rollbackRun(deps, runId)).rejects.toThrow(
      /changed by someone else.*rollback refused/,
    );
    expect(memberRoles()).toContain('roles/cloudsql.client');
    expect(memberRoles()).not.toContain('roles/editor');
  });

  it('plans nothing without a recommendation for the service account', async () => {
    project.recommendations = [];
    const r = await planLive(t, ctx(), world, NOW);
    expect('refused' in r && r.refused).toMatch(/no recommendation for this service account/);
  });
});
