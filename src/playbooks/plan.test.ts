import { describe, expect, it } from 'vitest';
import type {
  ActionCapabilities,
  Scope,
  StoredCredential,
  StoredIdentity,
} from '../connector/index.js';
import { parseSinkSpec, planRevoke, planRotate, type PlanInput } from './plan.js';
import { renderPlan } from './render.js';

const now = new Date('2026-11-20T10:00:00Z');
const scope: Scope = { provider: 'aws', id: '222233334444', name: 'orbital-prod', kind: 'account' };
const meta = {
  provider: 'aws' as const,
  scopeId: scope.id,
  scopeName: scope.name,
  firstSeenRun: 1,
  lastSeenRun: 1,
  removedRun: null,
};

const identity: StoredIdentity = {
  ...meta,
  id: 'i-000000000001',
  externalId: 'arn:aws:iam::222233334444:user/ci-bot',
  name: 'ci-bot',
  kind: 'user',
  owner: null,
  createdAt: '2024-01-01T00:00:00Z',
  tags: {},
  attributes: {},
  lastUsedAt: null,
  lastUsedKnown: true,
};

function key(
  id: string,
  status: StoredCredential['status'],
  extra: Partial<StoredCredential> = {},
): StoredCredential {
  return {
    ...meta,
    id: `c-${id.toLowerCase()}`,
    identityId: identity.id,
    externalId: id,
    identityExternalId: identity.externalId,
    type: 'access-key',
    name: null,
    status,
    createdAt: '2025-01-01T00:00:00Z',
    expiresAt: null,
    lastUsedAt: '2026-11-19T08:30:00Z',
    lastUsedKnown: true,
    attributes: { lastUsedService: 's3', lastUsedRegion: 'eu-west-1' },
    ...extra,
  };
}

const AWS_KEY: ActionCapabilities = {
  deactivate: true,
  reactivate: true,
  delete: true,
  create: true,
  maxPerIdentity: 2,
};
const DEPLOY_KEY: ActionCapabilities = {
  deactivate: false,
  reactivate: false,
  delete: true,
  create: false,
  maxPerIdentity: null,
};

function input(
  cred: StoredCredential,
  siblings: StoredCredential[],
  capabilities = AWS_KEY,
): PlanInput {
  return {
    credential: cred,
    identity,
    scope,
    siblings: [cred, ...siblings],
    capabilities,
    now,
    deleteAfterDays: 7,
    // The tests below were written for the immediate cut-over; 'cut-over' tests set their own.
    cutover: { mode: 'now', overlapDays: 0 },
    demo: false,
  };
}

const sink = parseSinkSpec('aws-secrets-manager:prod/ci-bot');

describe('planRevoke', () => {
  it('stages a reversible deactivation and a deletion after the grace period', () => {
    const plan = planRevoke(input(key('AKIAOLD', 'active'), []));
    expect(plan.steps.map((s) => [s.seq, s.action, s.delayDays, s.reversible])).toEqual([
      [1, 'deactivate', 0, true],
      [2, 'delete', 7, false],
    ]);
    expect(plan.steps[0]!.undo).toContain('re-activates');
    expect(plan.snapshot).toEqual({ status: 'active', siblings: [] });
  });

  it('uses the configured grace period', () => {
    const plan = planRevoke({ ...input(key('AKIAOLD', 'active'), []), deleteAfterDays: 30 });
    expect(plan.steps[1]!.delayDays).toBe(30);
    expect(plan.steps[1]!.summary).toContain('30-day grace period');
  });

  it('deletes at once, marked irreversible, when the provider cannot deactivate', () => {
    const dk = key('12345', 'active', { type: 'deploy-key', provider: 'github' });
    const plan = planRevoke(input(dk, [], DEPLOY_KEY));
    expect(plan.steps).toHaveLength(1);
    expect(plan.steps[0]).toMatchObject({
      action: 'delete',
      delayDays: 0,
      reversible: false,
      destructive: true,
    });
    expect(plan.steps[0]!.undo).toMatch(/IRREVERSIBLE.*confirmation/);
    expect(renderPlan(plan, null)).toContain('[IRREVERSIBLE]');
  });

  it('refuses a credential the last scan no longer saw', () => {
    expect(() => planRevoke(input(key('AKIAOLD', 'active', { removedRun: 2 }), []))).toThrow(
      /is gone/,
    );
  });

  it('only schedules the deletion for a key that is already inactive', () => {
    const plan = planRevoke(input(key('AKIAOLD', 'inactive'), []));
    expect(plan.steps.map((s) => s.action)).toEqual(['delete']);
    expect(plan.notes.join()).toContain('already inactive');
  });
});

describe('planRotate', () => {
  it('creates, delivers and verifies before it touches the old key', () => {
    const plan = planRotate(input(key('AKIAOLD', 'active'), []), sink);
    expect(plan.steps.map((s) => s.action)).toEqual([
      'create',
      'sink-put',
      'sink-verify',
      'deactivate',
      'delete',
    ]);
    expect(plan.steps.at(-1)!.delayDays).toBe(7);
    expect(plan.sink?.raw).toBe('aws-secrets-manager:prod/ci-bot');
  });

  it('shows who uses the old key: last use with service, region and time', () => {
    const plan = planRotate(input(key('AKIAOLD', 'active'), []), sink);
    expect(plan.lastUse).toEqual({
      known: true,
      at: '2026-11-19T08:30:00Z',
      service: 's3',
      region: 'eu-west-1',
    });
    expect(renderPlan(plan, 4)).toContain('last used 2026-11-19T08:30:00Z (s3, eu-west-1)');
  });

  it('says when the last use is unknown or never', () => {
    const unknown = planRotate(
      input(key('AKIAOLD', 'active', { lastUsedKnown: false, lastUsedAt: null }), []),
      sink,
    );
    expect(renderPlan(unknown, null)).toContain('last use unknown');
    const never = planRotate(
      input(key('AKIAOLD', 'active', { lastUsedAt: null, attributes: {} }), []),
      sink,
    );
    expect(renderPlan(never, null)).toContain('never used');
  });

  it('with one other key (under the limit of 2) plans no extra deletion', () => {
    // 1 key now: the new one makes 2, which AWS allows.
    const plan = planRotate(input(key('AKIAOLD', 'active'), []), sink);
    expect(plan.steps.some((s) => s.action === 'delete-sibling')).toBe(false);
  });

  it('at the 2-key limit with an inactive second key, deletes that key first and says so', () => {
    const plan = planRotate(input(key('AKIAOLD', 'active'), [key('AKIASPARE', 'inactive')]), sink);
    expect(plan.steps[0]).toMatchObject({
      action: 'delete-sibling',
      targetExternalId: 'AKIASPARE',
      reversible: false,
    });
    expect(plan.steps[1]!.action).toBe('create');
    expect(plan.notes.join('\n')).toContain('the inactive AKIASPARE is deleted first to make room');
    expect(plan.snapshot.siblings).toEqual([{ externalId: 'AKIASPARE', status: 'inactive' }]);
  });

  it('at the 2-key limit with both keys active, refuses with a clear message', () => {
    expect(() =>
      planRotate(input(key('AKIAOLD', 'active'), [key('AKIAOTHER', 'active')]), sink),
    ).toThrow(
      /ci-bot already has 2 access keys \(the limit is 2\).*AKIAOTHER active.*revoke one first/,
    );
  });

  it('ignores removed siblings when counting against the limit', () => {
    const plan = planRotate(
      input(key('AKIAOLD', 'active'), [key('AKIAGONE', 'active', { removedRun: 3 })]),
      sink,
    );
    expect(plan.steps[0]!.action).toBe('create');
  });

  it('refuses to rotate an inactive key, or a type that cannot be created', () => {
    expect(() => planRotate(input(key('AKIAOLD', 'inactive'), []), sink)).toThrow(
      /inactive.*nhi revoke/,
    );
    const dk = key('12345', 'active', { type: 'deploy-key', provider: 'github' });
    expect(() => planRotate(input(dk, [], DEPLOY_KEY), sink)).toThrow(/cannot be rotated/);
  });

  it('is pure: the same input gives the same plan', () => {
    const a = planRotate(input(key('AKIAOLD', 'active'), []), sink);
    const b = planRotate(input(key('AKIAOLD', 'active'), []), sink);
    expect(a).toEqual(b);
    expect(a.createdAt).toBe(now.toISOString());
  });
});

describe('cut-over', () => {
  const inUse = (overlapDays: number) => ({
    ...input(key('AKIAOLD', 'active'), []),
    cutover: { mode: 'in-use' as const, overlapDays },
  });

  it('by default waits for the new key to be used, at most the overlap, before retiring the old', () => {
    const plan = planRotate(inUse(7), sink);
    expect(plan.steps.map((s) => [s.action, s.delayDays, s.destructive])).toEqual([
      ['create', 0, false],
      ['sink-put', 0, false],
      ['sink-verify', 0, false],
      ['cutover', 7, false],
      ['deactivate', 0, true],
      ['delete', 7, true],
    ]);
    expect(plan.cutover).toEqual({ mode: 'in-use', overlapDays: 7 });
    expect(plan.notes.join('\n')).toContain('stays active until the new access key is seen in use');
    expect(renderPlan(plan, 1)).toMatch(
      /4\. keep AKIAOLD active until the new access key is seen in use .* at most 7 days/,
    );
  });

  it("'now', or an overlap of 0 days, retires the old key right after delivery", () => {
    expect(planRotate(inUse(0), sink).steps.map((s) => s.action)).not.toContain('cutover');
    expect(planRotate(input(key('AKIAOLD', 'active'), []), sink).notes.join()).toContain(
      'cut-over now',
    );
  });

  it('refuses absurd delays before anything is planned', () => {
    expect(() =>
      planRevoke({ ...input(key('AKIAOLD', 'active'), []), deleteAfterDays: 200000000 }),
    ).toThrow(
      /playbooks\.deleteAfterDays must be a whole number of days from 0 to 365, not 200000000/,
    );
    expect(() => planRotate(inUse(91), sink)).toThrow(/from 0 to 90, not 91/);
    expect(() => planRotate(inUse(1.5), sink)).toThrow(/whole number/);
    expect(planRotate(inUse(90), sink).steps.find((s) => s.action === 'cutover')!.delayDays).toBe(
      90,
    );
  });
});

describe('parseSinkSpec', () => {
  it('splits on the first colon only', () => {
    expect(parseSinkSpec('github-actions:acme/api:AWS_SECRET_ACCESS_KEY')).toMatchObject({
      scheme: 'github-actions',
      target: 'acme/api:AWS_SECRET_ACCESS_KEY',
    });
    expect(parseSinkSpec('stdout')).toMatchObject({ scheme: 'stdout' });
    expect(parseSinkSpec('file:/tmp/x.env', true)).toMatchObject({
      scheme: 'file',
      target: '/tmp/x.env',
      overwrite: true,
    });
  });
  it('rejects a value without scheme or target', () => {
    expect(() => parseSinkSpec('prod/ci-bot')).toThrow(/not <scheme>:<target>/);
    expect(() => parseSinkSpec('file:')).toThrow(/not <scheme>:<target>/);
  });
});
