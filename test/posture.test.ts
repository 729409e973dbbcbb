/**
 * Posture KPIs on a synthetic estate with hand-computed answers: two AWS accounts scanned three
 * times (2026-09-01, -10-01, -11-01). Between scans a key is rotated, a key deactivated, an
 * owner set, an admin grant removed, and the second account fails to scan. Only four rules run
 * (rotation 90 d, unused 45 d, never used 45 d: the AWS defaults; admin grant), so every count
 * below can be worked out by hand from the records; the comments show the sums. The older runs' figures are read
 * after the later scans changed the rows: status and owner as they were then, from the history.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openCatalog, openStore, type CatalogStore } from '../src/catalog/index.js';
import { backends } from '../fixtures/backends.js';
import type { Credential, Grant, Identity, ScopeInventory } from '../src/model/index.js';
import { postureReport, type EvaluatedRun } from '../src/posture/compute.js';
import { overall, type PostureFigures, type PostureReport } from '../src/posture/types.js';
import { evaluateRun } from '../src/scan/evaluate.js';
import type { Policy } from '../src/scoring/policy.js';
import { RULES } from '../src/scoring/rules/index.js';
import { nhi, scrubbedEnv, tempDir } from './run-cli.js';

const KEPT = ['credential-rotation', 'credential-unused', 'credential-never-used', 'admin-grant'];
const POLICY: Policy = {
  rules: Object.fromEntries(
    RULES.filter((r) => !KEPT.includes(r.id)).map((r) => [r.id, { enabled: false }]),
  ),
  exceptions: [],
};

/** What `nhi posture` reads from the same policy in a config file. */
const OFF = new Set(RULES.filter((r) => !KEPT.includes(r.id)).map((r) => r.id));

const A = '111111111111';
const B = '222222222222';

function user(scope: string, name: string, owner: string | null): Identity {
  return {
    externalId: `arn:aws:iam::${scope}:user/${name}`,
    name,
    kind: 'user',
    owner,
    createdAt: '2025-01-01T00:00:00Z',
    tags: {},
    attributes: {},
    lastUsedAt: null,
    lastUsedKnown: false,
  };
}

function key(
  owner: Identity,
  id: string,
  o: Partial<Credential> & Pick<Credential, 'status' | 'createdAt'>,
): Credential {
  return {
    externalId: id,
    identityExternalId: owner.externalId,
    type: 'access-key',
    name: null,
    expiresAt: null,
    attributes: {},
    lastUsedAt: null,
    lastUsedKnown: true,
    ...o,
  };
}

function adminGrant(owner: Identity): Grant {
  return {
    externalId: `${owner.externalId}|AdministratorAccess`,
    identityExternalId: owner.externalId,
    credentialExternalId: null,
    permission: '*',
    resource: '*',
    privilege: 'admin',
    source: 'arn:aws:iam::aws:policy/AdministratorAccess',
    grantedAt: '2025-01-01T00:00:00Z',
    // The statement as the AWS connector records it: Allow * on *.
    attributes: { service: '*', actions: ['*'], resources: ['*'], conditional: false },
    lastUsedAt: null,
    lastUsedKnown: false,
  };
}

function inventory(
  scope: string,
  identities: Identity[],
  credentials: Credential[],
  grants: Grant[],
  gaps: ScopeInventory['gaps'] = [],
): ScopeInventory {
  return {
    kind: 'inventory',
    scope: { provider: 'aws', id: scope, name: `acct-${scope.slice(0, 1)}`, kind: 'account' },
    identities,
    credentials,
    grants,
    gaps,
    apiCalls: 0,
  };
}

const u1 = user(A, 'u1', 'team-a');
const u2 = user(A, 'u2', null);
const r1 = { ...user(A, 'r1', 'ops'), kind: 'role' as const };
const u3 = user(B, 'u3', 'team-b');

const k1 = key(u1, 'AKIAK1', {
  status: 'active',
  createdAt: '2026-01-01T00:00:00Z',
  lastUsedAt: '2026-08-30T00:00:00Z',
});
const k2 = key(u1, 'AKIAK2', { status: 'active', createdAt: '2026-07-10T00:00:00Z' });
const k3 = key(u2, 'AKIAK3', { status: 'inactive', createdAt: '2024-09-01T00:00:00Z' });
const k4 = key(u2, 'AKIAK4', { status: 'active', createdAt: null, lastUsedKnown: false });
const k5 = key(u3, 'AKIAK5', {
  status: 'active',
  createdAt: '2026-07-01T00:00:00Z',
  lastUsedAt: '2026-07-10T00:00:00Z',
  expiresAt: '2027-01-01T00:00:00Z',
});
const k6 = key(u1, 'AKIAK6', {
  status: 'active',
  createdAt: '2026-09-25T00:00:00Z',
  lastUsedAt: '2026-09-30T00:00:00Z',
});
const k2used = { ...k2, lastUsedAt: '2026-09-28T00:00:00Z' };
const gap = { signal: 'deploy-keys', message: 'not an AWS signal', code: null, fix: null };

const T1 = new Date('2026-09-01T00:00:00Z');
const T2 = new Date('2026-10-01T00:00:00Z');
const T3 = new Date('2026-11-01T00:00:00Z');

let catalogPath: string;
let report: PostureReport;
/** The same three scans evaluated and rolled up on each backend. */
const reports = new Map<string, PostureReport>();

async function postureOn(store: CatalogStore): Promise<PostureReport> {
  const scan = async (now: Date, scopes: Parameters<CatalogStore['writeScope']>[1][]) => {
    const id = await store.beginRun({ providers: ['aws'], demo: false, version: 't', now });
    for (const s of scopes) await store.writeScope(id, s, 0);
    await store.finishRun(id, scopes.some((s) => s.kind === 'failure') ? 'partial' : 'ok', now);
    const run = (await store.run(id))!;
    return { run, evaluation: await evaluateRun(store, run, { policy: POLICY }) };
  };
  const runs: EvaluatedRun[] = [];
  runs.push(
    await scan(T1, [
      inventory(A, [u1, u2, r1], [k1, k2, k3, k4], [adminGrant(u2)]),
      inventory(B, [u3], [k5], [], [gap]),
    ]),
  );
  runs.push(
    await scan(T2, [
      inventory(A, [u1, { ...u2, owner: 'team-a' }, r1], [k2used, k3, k4, k6], [adminGrant(u2)]),
      inventory(B, [u3], [{ ...k5, status: 'inactive' }], [], [gap]),
    ]),
  );
  runs.push(
    await scan(T3, [
      inventory(A, [u1, { ...u2, owner: 'team-a' }, r1], [k2used, k3, k4, k6], []),
      {
        kind: 'failure',
        scope: { provider: 'aws', id: B, name: 'acct-2', kind: 'account' },
        error: 'AccessDenied',
        code: 'AccessDenied',
        apiCalls: 1,
      },
    ]),
  );
  return postureReport(store, runs, null, OFF);
}

beforeAll(async () => {
  for (const backend of backends) {
    if (backend.skip) continue;
    const location = await backend.fresh('catalog.db');
    if (backend.name === 'sqlite') catalogPath = location;
    const store = await openStore(location);
    try {
      reports.set(backend.name, await postureOn(store));
    } finally {
      await store.close();
    }
  }
}, 120_000);

const ratio = (numerator: number, denominator: number) => ({
  numerator,
  denominator,
  share: denominator ? numerator / denominator : null,
});

describe.each(backends)('posture KPIs on a synthetic estate (hand-computed, $name)', (backend) => {
  beforeAll(() => {
    if (!backend.skip) report = reports.get(backend.name)!;
  });
  if (backend.skip) {
    it.skip(backend.skip, () => {});
    return;
  }

  it('first scan: inventory, rotation, age, privilege, hygiene, ownership, findings', () => {
    const f = overall(report.points[0]!);
    expect(f).toMatchObject<Partial<PostureFigures>>({
      identities: 4, // u1 u2 r1 u3
      credentials: 5, // k1..k5
      credentialsByType: { 'access-key': 5 },
      credentialsByStatus: { active: 4, inactive: 1 },
      scopes: 2,
      scopesNotEvaluated: 0,
      gaps: 1,
      // k4: rotation, unused and never-used could not be judged (no dates, no usage data).
      subjectsNotEvaluated: ratio(1, 9),
      credentialsAdded: 5,
      credentialsRemoved: 0,
      // rotatable = active access keys k1 k2 k4 k5; k4 not judged; k1 243 d > 90 fails.
      rotationCompliant: ratio(2, 3),
      rotationNotEvaluated: 1,
      withExpiry: ratio(1, 5), // k5
      meanAgeDays: 272, // (243 + 53 + 730 + 62) / 4
      p90AgeDays: 730, // nearest rank ceil(0.9 × 4) = 4th of 53, 62, 243, 730
      adminOrEscalation: ratio(1, 4), // u2
      unusedCredentials: 1, // k5: last used 53 d ago > 45
      neverUsedCredentials: 1, // k2: 53 d old > 45 (AWS grace), never used
      // Rules switched off by the policy: not evaluated, never 0.
      withUnusedGrants: ratio(0, 0),
      unusedGrants: null,
      dormantIdentities: null,
      keysInCi: null,
      withOwner: ratio(3, 4), // u2 had none then
      findings: { critical: 1, high: 0, medium: 3, low: 0, info: 0 }, // admin is critical
      notEvaluated: 3,
      resolved: 0,
      meanDaysToResolve: null,
    });
  });

  it('second scan: a rotated key, a deactivated key, findings resolved after 30 days', () => {
    const f = overall(report.points[1]!);
    expect(f).toMatchObject<Partial<PostureFigures>>({
      identities: 4,
      credentials: 5, // k2 k3 k4 k5 k6
      credentialsByStatus: { active: 3, inactive: 2 },
      credentialsAdded: 1, // k6
      credentialsRemoved: 1, // k1
      rotationCompliant: ratio(2, 2), // k2 83 d, k6 6 d; k4 not judged; k5 inactive
      rotationNotEvaluated: 1,
      meanAgeDays: 235.3, // (83 + 760 + 92 + 6) / 4 = 235.25
      p90AgeDays: 760,
      adminOrEscalation: ratio(1, 4),
      unusedCredentials: 0,
      neverUsedCredentials: 0,
      withOwner: ratio(4, 4),
      findings: { critical: 1, high: 0, medium: 0, low: 0, info: 0 },
      // k1 rotation, k2 never used, k5 unused: first seen 09-01, gone 10-01.
      resolved: 3,
      meanDaysToResolve: 30,
    });
  });

  it('third scan: a failed scope keeps its data but counts as not evaluated; admin resolved after 61 days', () => {
    const f = overall(report.points[2]!);
    expect(f).toMatchObject<Partial<PostureFigures>>({
      identities: 4,
      credentials: 5,
      scopes: 2,
      scopesNotEvaluated: 1, // account B failed
      credentialsAdded: 0,
      credentialsRemoved: 0,
      rotationCompliant: ratio(1, 2), // k2 is 114 d old now; k6 37 d
      meanAgeDays: 266.3, // (114 + 791 + 123 + 37) / 4 = 266.25
      p90AgeDays: 791,
      adminOrEscalation: ratio(0, 4),
      findings: { critical: 0, high: 0, medium: 1, low: 0, info: 0 }, // k2 rotation
      notEvaluated: 3,
      resolved: 1,
      meanDaysToResolve: 61,
    });
  });

  it('per provider and per scope, the same sums split', () => {
    const latest = report.points[2]!;
    const provider = latest.groups.find((g) => g.level === 'provider')!;
    expect(provider.provider).toBe('aws');
    expect(provider.figures).toEqual(overall(latest));
    const [a, b] = latest.groups.filter((g) => g.level === 'scope');
    expect(a!.scopeId).toBe(A);
    expect(a!.figures).toMatchObject({
      identities: 3,
      credentials: 4,
      scopesNotEvaluated: 0,
      withOwner: ratio(3, 3),
      p90AgeDays: 791, // 37, 114, 791
      meanAgeDays: 314, // (114 + 791 + 37) / 3
    });
    expect(b!.scopeId).toBe(B);
    expect(b!.figures).toMatchObject({
      identities: 1,
      credentials: 1,
      scopesNotEvaluated: 1,
      gaps: 1,
      withExpiry: ratio(1, 1),
      p90AgeDays: 123,
    });
  });

  it("no subject reaches AI: the AI figures are empty, coverage stays the scope's", () => {
    for (const point of report.points)
      for (const g of point.groups)
        expect(g.ai).toMatchObject<Partial<PostureFigures>>({
          identities: 0,
          credentials: 0,
          scopes: g.figures.scopes,
          scopesNotEvaluated: g.figures.scopesNotEvaluated,
          gaps: g.figures.gaps,
          rotationCompliant: ratio(0, 0),
          findings: { critical: 0, high: 0, medium: 0, low: 0, info: 0 },
          credentialsAdded: 0,
          credentialsRemoved: 0,
          resolved: 0,
        });
  });

  it('age distribution of the latest scan per provider', () => {
    expect(report.ageDistribution).toEqual([
      { provider: 'aws', bucket: '31–90 d', count: 1 }, // k6 37
      { provider: 'aws', bucket: '91–180 d', count: 2 }, // k2 114, k5 123
      { provider: 'aws', bucket: '>2 y', count: 1 }, // k3 791
      { provider: 'aws', bucket: 'unknown', count: 1 }, // k4
    ]);
  });
});

describe('nhi posture (built CLI) on the same catalog', () => {
  let config: string;
  beforeAll(() => {
    config = join(tempDir('nhi-posture-cfg-'), 'nhi.config.json');
    writeFileSync(config, JSON.stringify(POLICY));
  });
  const run = (args: string[]) =>
    nhi(['posture', ...args, '--catalog', catalogPath, '--config', config], {
      env: scrubbedEnv(),
    });

  it('--json: the trend of the last scans, figures as the library computes them', async () => {
    const r = await run(['--json', '--runs', '2']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as PostureReport & { schemaVersion: number };
    expect(doc.schemaVersion).toBe(1);
    expect(doc.points.map((p) => p.at)).toEqual([T2.toISOString(), T3.toISOString()]);
    expect(doc.points).toEqual(report.points.slice(1));
  });

  it('--since selects scans by date; the table and markdown show the trend', async () => {
    const t = await run(['--since', '2026-09-15']);
    expect(t.code, t.stderr).toBe(0);
    expect(t.stdout).toContain('Trend over 2 scans');
    expect(t.stdout).toMatch(/Rotation compliance\s+│ 50\.0 % \(1 of 2\)/);
    const md = await run(['--format', 'markdown', '--runs', '3']);
    expect(md.code, md.stderr).toBe(0);
    expect(md.stdout).toContain('## Trend over 3 scans (overall)');
    expect(md.stdout).toContain('| `#1` 2026-09-01 | `#2` 2026-10-01 | `#3` 2026-11-01 |');
    expect(md.stdout).toContain(
      '| Rotation compliance | 66.7 % | 100.0 % | 50.0 % | ▼ -16.7 pts |',
    );
    // Switched-off rules: not evaluated, not "0".
    expect(md.stdout).toContain('| Dormant identities | n/a | n/a | n/a | n/a |');
  });

  it('rejects a bad --runs or --since with one line and exit 2', async () => {
    for (const args of [
      ['--runs', '0'],
      ['--since', 'yesterday'],
    ]) {
      const r = await run(args);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});

/**
 * AI KPIs (issue 15): the same figures over the subjects that reach an AI service. One account,
 * two scans. ai1 and ai2 reach Bedrock through a grant (so do their keys); plain does not. At
 * the second scan ai1's old key is gone (rotated to kE) and ai2 lost its Bedrock grant, so it
 * no longer counts as AI while its admin finding stays.
 */
describe('posture KPIs of AI-reaching subjects (hand-computed)', () => {
  const bedrock = (owner: Identity, action: string): Grant => ({
    ...adminGrant(owner),
    externalId: `${owner.externalId}|bedrock`,
    permission: action,
    privilege: 'write',
    source: 'inline:ml',
    attributes: { service: 'bedrock', actions: [action], resources: ['*'], conditional: false },
  });
  const ai1 = user(A, 'ai1', 'ml');
  const ai2 = user(A, 'ai2', null);
  const plain = user(A, 'plain', 'ops');
  const kA = key(ai1, 'AKIAKA', {
    status: 'active',
    createdAt: '2026-01-01T00:00:00Z', // 243 d at T1: out of the 90-day window
    lastUsedAt: '2026-08-30T00:00:00Z',
  });
  const kB = key(ai1, 'AKIAKB', { status: 'active', createdAt: '2026-07-10T00:00:00Z' }); // never used
  const kC = key(ai2, 'AKIAKC', { status: 'inactive', createdAt: '2024-09-01T00:00:00Z' });
  const kD = key(plain, 'AKIAKD', {
    status: 'active',
    createdAt: '2026-07-01T00:00:00Z',
    lastUsedAt: '2026-07-10T00:00:00Z', // unused for 53 d at T1
  });
  const kE = key(ai1, 'AKIAKE', {
    status: 'active',
    createdAt: '2026-09-25T00:00:00Z',
    lastUsedAt: '2026-09-30T00:00:00Z',
  });
  let aiReport: PostureReport;
  let aiCatalog: string;

  beforeAll(async () => {
    aiCatalog = join(tempDir('nhi-posture-ai-'), 'catalog.db');
    const cat = openCatalog(aiCatalog);
    try {
      const runs: EvaluatedRun[] = [];
      for (const [now, scope] of [
        [
          T1,
          inventory(
            A,
            [ai1, ai2, plain],
            [kA, kB, kC, kD],
            [
              bedrock(ai1, 'bedrock:InvokeModel'),
              bedrock(ai2, 'bedrock:*'),
              adminGrant(ai2),
              adminGrant(plain),
            ],
          ),
        ],
        [
          T2,
          inventory(
            A,
            [ai1, ai2, plain],
            [kB, kC, kD, kE],
            [bedrock(ai1, 'bedrock:InvokeModel'), adminGrant(ai2), adminGrant(plain)],
          ),
        ],
      ] as const) {
        const id = cat.beginRun({ providers: ['aws'], demo: false, version: 't', now });
        cat.writeScope(id, scope, 0);
        cat.finishRun(id, 'ok', now);
        const run = cat.run(id)!;
        runs.push({ run, evaluation: await evaluateRun(cat.store(), run, { policy: POLICY }) });
      }
      aiReport = await postureReport(cat.store(), runs, null, OFF);
    } finally {
      cat.close();
    }
  });

  it('first scan: only ai1, ai2 and their keys kA kB kC count', () => {
    const [first] = aiReport.points;
    expect(overall(first!)).toMatchObject({ identities: 3, credentials: 4 });
    expect(overall(first!, 'ai')).toMatchObject<Partial<PostureFigures>>({
      identities: 2,
      credentials: 3,
      credentialsByStatus: { active: 2, inactive: 1 },
      scopes: 1, // coverage is the scope's
      subjectsNotEvaluated: ratio(0, 5),
      credentialsAdded: 3,
      credentialsRemoved: 0,
      rotationCompliant: ratio(1, 2), // kA 243 d fails, kB 53 d; kC inactive
      withExpiry: ratio(0, 3),
      meanAgeDays: 342, // (243 + 53 + 730) / 3
      p90AgeDays: 730, // nearest rank ceil(0.9 × 3) = 3rd of 53, 243, 730
      adminOrEscalation: ratio(1, 2), // ai2 (plain's admin grant is not AI)
      unusedCredentials: 0, // kD is plain's
      neverUsedCredentials: 1, // kB
      withOwner: ratio(1, 2),
      findings: { critical: 1, high: 0, medium: 2, low: 0, info: 0 }, // ai2 admin; kA, kB
      notEvaluated: 0,
    });
  });

  it('second scan: a rotated AI key resolved after 30 days; an identity that lost its AI grant leaves the subset', () => {
    const second = aiReport.points[1]!;
    expect(overall(second, 'ai')).toMatchObject<Partial<PostureFigures>>({
      identities: 1, // ai1
      credentials: 2, // kB kE
      credentialsAdded: 1, // kE
      credentialsRemoved: 1, // kA, AI at the scan before
      rotationCompliant: ratio(2, 2), // kB 83 d, kE 6 d
      meanAgeDays: 44.5, // (83 + 6) / 2
      p90AgeDays: 83,
      adminOrEscalation: ratio(0, 1), // ai2's admin finding stays, outside the subset
      neverUsedCredentials: 1, // kB
      withOwner: ratio(1, 1),
      findings: { critical: 0, high: 0, medium: 1, low: 0, info: 0 },
      resolved: 1, // kA rotation; ai2's admin finding is still reported
      meanDaysToResolve: 30,
    });
    // Per provider and scope the subset splits the same way.
    for (const g of second.groups) expect(g.ai).toEqual(overall(second, 'ai'));
  });

  it('nhi posture prints the AI table (markdown) only when a subject reaches AI', async () => {
    const config = join(tempDir('nhi-posture-ai-cfg-'), 'nhi.config.json');
    writeFileSync(config, JSON.stringify(POLICY));
    const md = await nhi(
      ['posture', '--format', 'markdown', '--catalog', aiCatalog, '--config', config],
      { env: scrubbedEnv() },
    );
    expect(md.code, md.stderr).toBe(0);
    expect(md.stdout).toContain('## AI-reaching subjects at scan `#2`');
    expect(md.stdout).toContain(
      '| Rotation compliance | 100.0 % (2 of 2) | 100.0 % (2 of 2) | ▲ +50.0 pts |',
    );
    expect(md.stdout).toContain(
      '| Identities with admin/escalation | 0.0 % (0 of 1) | 0.0 % (0 of 1) | ▼ -50.0 pts |',
    );
    const plainMd = await nhi(
      ['posture', '--format', 'markdown', '--catalog', catalogPath, '--config', config],
      { env: scrubbedEnv() },
    );
    expect(plainMd.stdout).not.toContain('AI-reaching');
    const json = await nhi(['posture', '--json', '--catalog', aiCatalog, '--config', config], {
      env: scrubbedEnv(),
    });
    const doc = JSON.parse(json.stdout) as PostureReport;
    expect(doc.points).toEqual(aiReport.points);
  });
});
