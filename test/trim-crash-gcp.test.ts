/**
 * Crash matrix for `nhi trim` on GCP (IAM Recommender's role removal and replacement, one
 * etag-checked setIamPolicy per step) against the stand-in, which outlives each killed CLI:
 * see trim-crash-harness.ts. Besides old-or-new for the service account's membership, every
 * other member's bindings must be exactly as they were, whatever the crash.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { makeTestContext } from '../src/connector/testing.js';
import { actions } from '../connectors/gcp/actions.js';
import { connect, startGcpStandIn, type GcpStandIn } from '../connectors/gcp/stand-in/index.js';
import type { GcpEstate } from '../connectors/gcp/stand-in/estate.js';
import { removeCliBuild } from './playbooks-harness.js';
import { applyMatrix, rollbackMatrix, type CrashEstate } from './trim-crash-harness.js';
import { estate, identity, NOW, SA, scope, subject } from './trim-gcp-world.js';
import { planOrThrow } from './trim-plan.js';

let s: GcpStandIn;
const t = actions.trim!;
const ctx = () => {
  const c = connect(s);
  return makeTestContext({ now: NOW, options: { ...c.options, maxAttempts: 1 }, env: c.env });
};

/** Every binding as `role [condition]: members`, without the service account being trimmed. */
const others = (e: GcpEstate) =>
  e.projects[0]!.bindings.map(
    (b) =>
      `${b.role} [${b.condition?.expression ?? ''}]: ${b.members.filter((m) => m !== SA).join(',')}`,
  )
    .filter((x) => !x.endsWith(': '))
    .sort();
const start = others(estate());

const gcp: CrashEstate = {
  provider: 'gcp',
  options: {},
  env: {},
  async reset() {
    // The same stand-in for every case: its project (looked up by id) goes back to the start.
    const project = s.estate.projects[0]! as unknown as Record<string, unknown>;
    for (const k of Object.keys(project)) delete project[k];
    Object.assign(project, estate().projects[0]);
    return planOrThrow(t, ctx(), { identity, scope, subject }, NOW);
  },
  read: () => t.read(ctx(), subject),
  extra(want) {
    const now = others(s.estate);
    if (JSON.stringify(now) !== JSON.stringify(start))
      return `other members' bindings changed: ${now.join('; ')}`;
    // Applied, the service account's recommendations are marked so, even after a crash between
    // setIamPolicy and marking them.
    const left = (s.estate.projects[0]!.recommendations ?? []).filter(
      (r) => r.member === SA && (r.state ?? 'ACTIVE') !== 'SUCCEEDED',
    );
    return want === 'after' && left.length
      ? `recommendation(s) for ${left.map((r) => r.role).join(', ')} not marked succeeded`
      : null;
  },
};

beforeAll(async () => {
  s = await startGcpStandIn({ estate: estate(), now: () => NOW });
  const c = connect(s);
  gcp.options = { ...c.options, retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 2 } };
  gcp.env = c.env;
});
afterAll(async () => {
  await s.close();
  removeCliBuild();
});

describe('trim crash matrix: GCP (stand-in, SIGKILL)', () => {
  it('apply killed after every journal write and setIamPolicy: the membership is old or new, never between; resume and rollback converge', async () => {
    await applyMatrix(gcp, 'role removed and replaced', ['set-iam-policy']);
  }, 600_000);

  it('rollback killed after every journal write and setIamPolicy: old or new; rollback again restores the exact roles', async () => {
    await rollbackMatrix(gcp, 'role removed and replaced', ['set-iam-policy']);
  }, 600_000);
});
