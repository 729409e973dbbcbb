/**
 * Catalog housekeeping and change views (issue 13), over the built CLI and the AWS stand-in
 * whose estate changes between scans: `nhi runs`, grouped `nhi diff` (with `--since`, JSON
 * fields, markdown), `nhi prune` (dry run, what it keeps, the file shrinking) and scan's
 * `catalog.retention` (the catalog stops growing across rescans).
 */
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAwsStandIn, type AwsStandIn } from '../connectors/aws/stand-in/server.js';
import { buildAwsDemoEstate, DEMO_CALLER } from '../connectors/aws/stand-in/demo.js';
import type { EstateUser } from '../connectors/aws/stand-in/estate.js';
import { nhi, scrubbedEnv, tempDir } from './run-cli.js';

const NOW = new Date();
let aws: AwsStandIn;
let env: Record<string, string>;
let dir: string;

/** A catalog and config of its own for each group of tests. */
function world(name: string, extra: Record<string, unknown> = {}) {
  const catalog = join(dir, `${name}.db`);
  const config = join(dir, `${name}.config.json`);
  writeFileSync(
    config,
    JSON.stringify({ providers: { aws: { endpoint: aws.url, maxAttempts: 1 } }, ...extra }),
  );
  return (args: string[]) => nhi([...args, '--catalog', catalog, '--config', config], { env });
}

beforeAll(async () => {
  aws = await startAwsStandIn({ estate: buildAwsDemoEstate(NOW) });
  dir = tempDir('nhi-housekeeping-');
  env = scrubbedEnv({
    AWS_ACCESS_KEY_ID: DEMO_CALLER.accessKeyId,
    AWS_SECRET_ACCESS_KEY: DEMO_CALLER.secretAccessKey,
    AWS_REGION: 'us-east-1',
  });
}, 60_000);

afterAll(async () => {
  await aws?.close();
});

const management = () => aws.estate.accounts.find((a) => a.id === DEMO_CALLER.accountId)!;
const keyed = () =>
  management().users.filter(
    (u): u is EstateUser & { accessKeys: NonNullable<EstateUser['accessKeys']> } =>
      (u.accessKeys?.length ?? 0) > 0 && u.name !== 'nhi-scanner',
  );

interface RunJson {
  id: number;
  startedAt: string;
  status: string;
  demo: boolean;
  scopes: { ok: number; failed: number; interrupted: number };
  credentials: number;
  findings: Record<string, number> | null;
}

describe('runs and grouped diff over an estate that changed', () => {
  const run = () => world('diff');
  let nhiDiff: ReturnType<typeof world>;
  let removedKey: string;
  let addedKey: string;
  let disabledKey: string;
  let addedTo: string;
  let secondStarted: string;

  beforeAll(async () => {
    nhiDiff = run();
    expect((await nhiDiff(['scan'])).code).toBe(0);
    // Between scans: one key deleted, one created (old and never used), one disabled.
    const [a, b, c] = keyed();
    addedTo = b!.name;
    removedKey = a!.accessKeys.pop()!.id;
    addedKey = 'AKIAHOUSEKEEPNEW0001';
    b!.accessKeys.push({
      id: addedKey,
      status: 'Active',
      createdAt: new Date(NOW.getTime() - 400 * 86_400_000).toISOString(),
      lastUsedAt: null,
    });
    const k = c!.accessKeys.find((x) => x.status === 'Active')!;
    k.status = 'Inactive';
    disabledKey = k.id;
    const second = await nhiDiff(['scan']);
    expect(second.code, second.stderr).toBe(0);
    expect((await nhiDiff(['scan'])).code).toBe(0);
    const runs = JSON.parse((await nhiDiff(['runs', '--json'])).stdout) as RunJson[];
    secondStarted = runs.find((r) => r.id === 2)!.startedAt;
  }, 120_000);

  it('nhi runs lists every scan newest first, with status, scopes and counts', async () => {
    const table = await nhiDiff(['runs']);
    expect(table.code).toBe(0);
    const ids = [...table.stdout.matchAll(/^│ (\d+) +│/gm)].map((m) => Number(m[1]));
    expect(ids).toEqual([3, 2, 1]);
    expect(table.stdout).toMatch(/│ ok +│ real +│ 1 ok +│/);
    expect(table.stderr).toMatch(/nhi diff --from <scan> --to <scan>/);
    const json = JSON.parse((await nhiDiff(['runs', '--json'])).stdout) as RunJson[];
    expect(json.map((r) => r.id)).toEqual([3, 2, 1]);
    expect(json[0]).toMatchObject({ status: 'ok', demo: false, scopes: { ok: 1, failed: 0 } });
    expect(json[0]!.findings!.critical).toBeGreaterThan(0);
    const one = await nhiDiff(['runs', '--limit', '1', '--json', 'id,status']);
    expect(JSON.parse(one.stdout)).toEqual([{ id: 3, status: 'ok' }]);
    const csv = await nhiDiff(['runs', '--format', 'csv']);
    expect(csv.stdout.split('\n')[0]).toBe(
      'id,startedAt,finishedAt,status,demo,providers,nhiVersion,scopes.ok,scopes.failed,scopes.interrupted,identities,credentials,removed,gaps,findings.critical,findings.high,findings.medium,findings.low,notEvaluated',
    );
    expect(csv.stdout.split('\n')[1]).toMatch(/^3,.*,ok,,aws,/);
  });

  it('diff groups what changed and names provider, scope, identity and credential', async () => {
    const r = await nhiDiff(['diff', '--from', '1', '--to', '2']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Changes from scan #1 .* to scan #2/);
    expect(r.stdout).toMatch(
      new RegExp(`New credentials \\(1\\)[^]*aws/orbital-management[^]*${addedKey}`),
    );
    expect(r.stdout).toMatch(new RegExp(`Removed credentials \\(1\\)[^]*${removedKey}`));
    expect(r.stdout).toMatch(
      new RegExp(`Status changes \\(1\\)[^]*${disabledKey} +│ active +│ inactive`),
    );
    expect(r.stdout).toMatch(new RegExp(`New findings \\(\\d+\\)[^]*${addedKey}`));
    expect(r.stdout).toMatch(/Resolved findings \(\d+\)/);
    expect(r.stdout).not.toMatch(/field change/);
    expect(r.stdout).toMatch(
      /\nIn all: 1 new credentials, 1 removed credentials, \d+ new findings, \d+ resolved findings, 1 status changes\.\n$/,
    );
  });

  it('diff --json is one document of those groups; --json <fields> picks groups', async () => {
    const r = await nhiDiff(['diff', '--from', '1', '--to', '2', '--json']);
    const doc = JSON.parse(r.stdout) as Record<string, Record<string, unknown>[]> & {
      from: { id: number };
    };
    expect(Object.keys(doc)).toEqual([
      'from',
      'to',
      'newCredentials',
      'removedCredentials',
      'newFindings',
      'resolvedFindings',
      'statusChanges',
      'expiryChanges',
      'ownerChanges',
      'privilegeChanges',
    ]);
    expect(doc.from.id).toBe(1);
    expect(doc.newCredentials).toEqual([
      expect.objectContaining({
        provider: 'aws',
        scopeName: 'orbital-management',
        credentialExternalId: addedKey,
        identityName: addedTo,
        type: 'access-key',
      }),
    ]);
    expect(doc.removedCredentials!.map((c) => c.credentialExternalId)).toEqual([removedKey]);
    expect(doc.statusChanges).toEqual([
      expect.objectContaining({
        subjectKind: 'credential',
        credentialExternalId: disabledKey,
        from: 'active',
        to: 'inactive',
      }),
    ]);
    const onNew = doc.newFindings!.filter((f) => f.credentialExternalId === addedKey);
    expect(onNew.map((f) => f.ruleId)).toContain('credential-never-used');
    for (const f of onNew)
      expect(f).toMatchObject({ provider: 'aws', severity: expect.any(String) });
    // Findings of the deleted key are resolved, not silently gone.
    expect(doc.resolvedFindings!.some((f) => f.credentialExternalId === removedKey)).toBe(true);
    const picked = await nhiDiff(['diff', '--from', '1', '--to', '2', '--json', 'newCredentials']);
    expect(Object.keys(JSON.parse(picked.stdout) as object)).toEqual(['newCredentials']);
    const jq = await nhiDiff([
      'diff',
      '--from',
      '1',
      '--to',
      '2',
      '--jq',
      '.removedCredentials[].credentialExternalId',
    ]);
    expect(jq.stdout).toBe(`${removedKey}\n`);
  });

  it('diff --format markdown has a section per group', async () => {
    const r = await nhiDiff(['diff', '--from', '1', '--to', '2', '--format', 'markdown']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^# Changes from scan #1 to scan #2/);
    expect(r.stdout).toMatch(/## New credentials\n\n\| scope \| identity \| credential \|/);
    expect(r.stdout).toMatch(/## Owner changes\n\nNone\./);
  });

  it('--since picks the first scan at or after a date or an age as the base', async () => {
    const byAge = JSON.parse(
      (await nhiDiff(['diff', '--since', '1d', '--json', 'from,to'])).stdout,
    );
    expect(byAge).toMatchObject({ from: { id: 1 }, to: { id: 3 } });
    const byDate = await nhiDiff(['diff', '--since', secondStarted, '--json']);
    const doc = JSON.parse(byDate.stdout) as { from: { id: number }; newCredentials: unknown[] };
    expect(doc.from.id).toBe(2);
    expect(doc.newCredentials).toEqual([]); // the change happened before scan 2
    const both = await nhiDiff(['diff', '--since', '1d', '--from', '1']);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--since and --from both choose the earlier scan/);
    const bad = await nhiDiff(['diff', '--since', 'last tuesday']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--since 'last tuesday': not an age or a date/);
    const future = await nhiDiff(['diff', '--since', '2999-01-01']);
    expect(future.code).toBe(2);
    expect(future.stderr).toMatch(/no scan between .* and scan #3 to compare with/);
  });
});

describe('nhi prune', () => {
  it('removes old scans in one go, keeps the latest and open playbook runs, and shrinks the file', async () => {
    const run = world('prune');
    expect((await run(['scan'])).code).toBe(0);
    // A plan to revoke a key that the next scan no longer sees: prune must keep its record.
    const victim = keyed()[3]!;
    const key = victim.accessKeys[0]!;
    const plan = await run(['revoke', key.id]);
    expect(plan.code, plan.stderr).toBe(0);
    const saved = victim.accessKeys.splice(0, 1);
    for (let i = 0; i < 3; i += 1) expect((await run(['scan'])).code).toBe(0);
    victim.accessKeys.unshift(...saved);

    const nothing = await run(['prune']);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toMatch(
      /nothing to prune by: pass --keep-runs <n> and\/or --older-than <age>/,
    );
    expect((await run(['prune', '--keep-runs', '0'])).code).toBe(2);
    expect((await run(['prune', '--older-than', 'soon'])).stderr).toMatch(/--older-than 'soon'/);

    const dry = await run(['prune', '--keep-runs', '1', '--dry-run', '--json']);
    const planned = JSON.parse(dry.stdout) as { runs: number[]; bytesAfter: number | null };
    expect(planned.runs).toEqual([1, 2, 3]);
    expect(planned.bytesAfter).toBeNull();
    expect((JSON.parse((await run(['runs', '--json'])).stdout) as unknown[]).length).toBe(4);

    const before = statSync(join(dir, 'prune.db')).size;
    const done = await run(['prune', '--keep-runs', '1']);
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toMatch(/^Removed 3 scan\(s\) \(#1–#3\): .*findings/m);
    expect(done.stdout).toMatch(/Freed \d/);
    expect(statSync(join(dir, 'prune.db')).size).toBeLessThan(before);
    const left = JSON.parse((await run(['runs', '--json', 'id'])).stdout) as { id: number }[];
    expect(left).toEqual([{ id: 4 }]);
    // Views still read the latest scan; the removed scans are gone from diff.
    expect((await run(['report', '--json', 'summary'])).code).toBe(0);
    const gone = await run(['diff', '--from', '1']);
    expect(gone.code).toBe(2);
    expect(gone.stderr).toMatch(/no scan #1 in the catalog \(see nhi runs\)/);
    // The key with an open playbook run is still known, although it was removed.
    const shown = await run(['show', key.id, '--json', 'credentials']);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain(key.id);
    expect((await run(['playbook', 'list', '--json', 'credentialId'])).stdout).toContain('c-');
    // Nothing left to remove: the latest scan always stays.
    const again = await run(['prune', '--older-than', '0h']);
    expect(again.stdout).toMatch(/Nothing to prune/);
  }, 180_000);

  it('catalog.retention: the catalog stops growing across rescans', async () => {
    const scans = async (name: string, extra: Record<string, unknown>) => {
      const run = world(name, extra);
      const sizes: number[] = [];
      for (let i = 0; i < 6; i += 1) {
        const r = await run(['scan', '-q']);
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout + r.stderr).toBe(''); // -q: retention is quiet
        sizes.push(statSync(join(dir, `${name}.db`)).size);
      }
      return { run, sizes };
    };
    const kept = await scans('retention', { catalog: { retention: { runs: 2 } } });
    const all = await scans('no-retention', {});
    const runs = JSON.parse((await kept.run(['runs', '--json', 'id'])).stdout) as { id: number }[];
    expect(runs).toEqual([{ id: 6 }, { id: 5 }]);
    // Scans 4 to 6: without retention each adds its findings and history; with it, the file
    // stays within a few pages of its size (SQLite's page-level jitter).
    const growth = (s: number[]) => s[5]! - s[3]!;
    expect(growth(all.sizes)).toBeGreaterThan(0);
    expect(growth(kept.sizes)).toBeLessThan(growth(all.sizes) * 0.2);
    for (const size of kept.sizes.slice(3)) expect(size).toBeLessThan(all.sizes[5]!);
    const said = await kept.run(['scan']);
    expect(said.stderr).toMatch(/Retention: removed 1 old scan\(s\)/);
  }, 300_000);
});

describe('--json <fields> does not depend on the rows returned', () => {
  it('an empty result still refuses an unknown field, listing the declared ones', async () => {
    const run = world('fields');
    expect((await run(['scan'])).code).toBe(0);
    const empty = await run(['list', '--provider', 'gcp', '--json', 'id']);
    expect(empty.stdout).toBe('[]\n');
    const bad = await run(['list', '--provider', 'gcp', '--json', 'id,scroe']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(
      /--json 'scroe': unknown field \(did you mean 'score'\?\); available fields: id, provider/,
    );
    expect(bad.stdout).toBe('');
    const rules = await run(['rules', '--owasp', 'NHI9', '--json', 'titel']);
    expect(rules.code).toBe(2);
    expect(rules.stderr).toMatch(/did you mean 'title'/);
    const pb = await run(['playbook', 'list', '--json', 'stat']);
    expect(pb.code).toBe(2);
    expect(pb.stderr).toMatch(/available fields: id, kind, createdAt/);
    const runs = await run(['runs', '--json', 'ids']);
    expect(runs.code).toBe(2);
  }, 60_000);
});
