/**
 * Crash matrix for `nhi trim` on Azure (an RBAC role assignment and an Entra app role
 * assignment removed, recreated on rollback) against the stand-in, which outlives each killed
 * CLI: see trim-crash-harness.ts. Besides old-or-new for each assignment: never a duplicate
 * (Azure refuses one; a rollback killed between creating and journaling must find its own
 * assignment, not make another), and after rollback every assignment that holds under a new id
 * is the one the journal recorded for its step.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { makeTestContext } from '../src/connector/testing.js';
import { actions } from '../connectors/azure/actions.js';
import {
  buildAzureDemoEstate,
  connect,
  startAzureStandIn,
  type AzureStandIn,
} from '../connectors/azure/stand-in/index.js';
import { removeCliBuild } from './playbooks-harness.js';
import { applyMatrix, rollbackMatrix, type CrashEstate } from './trim-crash-harness.js';
import { ago, setup } from './trim-azure-world.js';
import { planOrThrow } from './trim-plan.js';

// Real time: the CLI child runs on the real clock, and tokens expire by it.
const NOW = new Date();
let s: AzureStandIn;
let w: ReturnType<typeof setup>;
let start: { rbac: string; appRoles: string };
const t = actions.trim!;

const ctx = () => {
  const c = connect(s, s.estate);
  return makeTestContext({
    now: NOW,
    options: { ...c.options, retry: { maxRetries: 1, retryDelayMs: 1, maxRetryDelayMs: 5 } },
    env: c.env,
  });
};

/** What the estate holds: every role assignment and app role assignment (the stand-in's own). */
const holding = () => ({
  rbac: JSON.stringify(s.estate.subscriptions.map((x) => x.roleAssignments)),
  appRoles: JSON.stringify(s.estate.appRoleAssignments),
});

/** Puts the arrays back in place (the stand-in's routes hold the estate, not these arrays). */
function reset(): void {
  const rbac = JSON.parse(
    start.rbac,
  ) as AzureStandIn['estate']['subscriptions'][number]['roleAssignments'][];
  s.estate.subscriptions.forEach((x, i) => x.roleAssignments.splice(0, Infinity, ...rbac[i]!));
  s.estate.appRoleAssignments.splice(0, Infinity, ...(JSON.parse(start.appRoles) as []));
}

/** Each assignment of the service principal, keyed as its trim address: how many hold it. */
function duplicates(): string | null {
  const spId = w.sp.id!;
  const keys = [
    ...s.estate.subscriptions
      .flatMap((x) => x.roleAssignments)
      .filter((a) => a.principalId === spId)
      .map((a) => `${a.scope.toLowerCase()}|${a.roleDefinitionName}`),
    ...s.estate.appRoleAssignments
      .filter((a) => a.principalId === spId)
      .map((a) => `${a.resourceId}|${a.appRoleId}`),
  ];
  const twice = keys.filter((k, i) => keys.indexOf(k) !== i);
  return twice.length ? `duplicate assignment ${twice.join(', ')}` : null;
}

const azure: CrashEstate = {
  provider: 'azure',
  // Deleting or recreating an assignment is the connector's last call in its step.
  lastWriteEndsStep: true,
  options: {},
  env: {},
  reset() {
    reset();
    return planOrThrow(t, ctx(), w, NOW);
  },
  read: () => t.read(ctx(), w.subject),
  extra(want, { plan, journal, docs }) {
    const dup = duplicates();
    if (dup || want !== 'before') return dup;
    // Restored under a new id: the journal of that step must name it.
    for (const c of plan.trim!.changes) {
      const now = docs.find((d) => d.address === c.address);
      if (!now || now.version === c.beforeVersion) continue;
      const step = plan.steps.find((x) => x.targetExternalId === c.address)!;
      const j = journal.find((x) => x.seq === step.seq);
      if (j?.status !== 'undone' || j.result?.newAssignmentId !== now.version)
        return `${c.name} holds as ${now.version}, but the journal (${j?.status}) records ${String(j?.result?.newAssignmentId)}`;
    }
    return null;
  },
};

beforeAll(async () => {
  s = await startAzureStandIn({ estate: buildAzureDemoEstate(NOW) });
  w = setup(s.estate, ago(200, NOW), NOW);
  start = holding();
  const c = connect(s, s.estate);
  azure.options = { ...c.options, retry: { maxRetries: 1, retryDelayMs: 1, maxRetryDelayMs: 5 } };
  azure.env = c.env;
});
afterAll(async () => {
  await s.close();
  removeCliBuild();
});

describe('trim crash matrix: Azure (stand-in, SIGKILL)', () => {
  it('apply killed after every journal write and every assignment removed: each assignment old or new; resume and rollback converge, no duplicate', async () => {
    await applyMatrix(azure, 'RBAC and app role assignments', ['delete-assignment']);
  }, 600_000);

  it('rollback killed after every journal write and every assignment recreated: old or new; rollback again restores each once and journals its new id', async () => {
    await rollbackMatrix(azure, 'RBAC and app role assignments', ['recreate-assignment']);
  }, 600_000);
});
