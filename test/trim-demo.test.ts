/**
 * `nhi trim` and `nhi remediate --rule unused-grant` on the built-in demo estate, through the
 * built CLI: AWS (inline policies rewritten or deleted, AWS-managed policies detached or replaced
 * by a copy of their used part, on the demo stand-in's IAM policy actions), GCP (IAM
 * Recommender) and Azure (assignments of a service principal idle for the window) plan, apply
 * and roll back. Each command gets its own in-process stand-in built from the scan's clock (the
 * demo's documented behaviour), so a later rollback meets the estate as first built and
 * restores nothing — it must still finish cleanly.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { nhi, tempDir } from './run-cli.js';
import { awsTrimRoundTrip } from './trim-demo-scenario.js';

let catalog: string;
const run = (args: string[]) => nhi([...args, '--catalog', catalog]);
let ids: { id: string; name: string; provider: string }[];
const idOf = (provider: string, name: string) =>
  ids.find((x) => x.provider === provider && x.name === name)!.id;

beforeAll(async () => {
  catalog = join(tempDir('nhi-trim-demo-'), 'demo.db');
  const scan = await run(['scan', '--demo']);
  expect(scan.code, scan.stderr).toBe(0);
  const list = await run(['list', '--identities', '--limit', 'all', '--json', 'id,name,provider']);
  ids = JSON.parse(list.stdout) as typeof ids;
}, 120_000);

describe('nhi trim on the demo estate', () => {
  it('AWS: plans, applies (an inline policy deleted, AmazonS3FullAccess replaced by its used part) and rolls back', async () => {
    await awsTrimRoundTrip(run, idOf('aws', 'ml-experiments'));
  });

  it('AWS: a role granted AdministratorAccess that used nothing in the window gets it detached', async () => {
    const r = await run(['trim', idOf('aws', 'old-migration-admin'), '--apply', '--yes']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/- \*\s+grants every service; used in the window: none/);
    expect(r.stdout).toMatch(/detach AdministratorAccess \(none of it is used\)/);
    expect(r.stdout + r.stderr).toMatch(/run \d+: done/);
  });

  it("GCP: applies IAM Recommender's recommendation for a service account", async () => {
    const r = await run(['trim', idOf('gcp', 'Legacy reporting (retired)'), '--apply', '--yes']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/IAM Recommender/);
    expect(r.stdout + r.stderr).toMatch(/run \d+: done/);
  });

  it('Azure: removes the app role assignments of a service principal idle for the window, and rolls back', async () => {
    const r = await run(['trim', idOf('azure', 'legacy-reporting'), '--apply', '--yes']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/last used \d+ days ago \(service principal sign-in activity/);
    const runId = /run (\d+): done/.exec(r.stdout + r.stderr)![1]!;
    const back = await run(['playbook', 'rollback', runId, '--yes']);
    expect(back.code, back.stderr).toBe(0);
  });

  it('Azure: the unused-grant finding and the trim plan name the same assignments (one verdict)', async () => {
    const id = idOf('azure', 'legacy-reporting');
    const report = await run(['report', '--rule', 'unused-grant', '--format', 'json']);
    expect(report.code, report.stderr).toBe(0);
    const finding = (
      JSON.parse(report.stdout) as {
        findings: {
          subjectId: string;
          outcome: string;
          evidence: { unused?: { permission: string }[] };
        }[];
      }
    ).findings.find((f) => f.subjectId === id);
    expect(finding?.outcome).toBe('fail');
    const flagged = finding!.evidence.unused!.map((u) => u.permission).sort();
    // Application permissions only: delegated ones have no usage data and trim leaves them.
    expect(flagged).toEqual(['Directory.Read.All', 'User.Read.All']);
    const plan = await run(['trim', id]);
    expect(plan.code, plan.stderr).toBe(0);
    for (const p of flagged) expect(plan.stdout).toContain(p);
    expect(plan.stdout).not.toMatch(/Directory\.AccessAsUser\.All|Reports\.Read\.All/);
  });

  it('remediate --rule unused-grant --apply plans and applies every flagged identity it can (exit 0); GitHub plans are shown as manual', async () => {
    const r = await run(['remediate', '--rule', 'unused-grant', '--apply', '--yes']);
    expect(r.code, r.stderr).toBe(0);
    const all = r.stdout + r.stderr;
    expect(all).not.toMatch(/could not read its policies|InvalidAction|failed/);
    expect(all).not.toMatch(/this trim is manual/);
    expect(r.stdout).toMatch(
      /unused-grant: \d+ finding\(s\) on \d+ identities, [1-9]\d* trim plan\(s\) saved, [1-9]\d* manual plan\(s\) shown/,
    );
    const done = all.match(/run \d+: done/g) ?? [];
    expect(done.length).toBeGreaterThan(10);
  }, 180_000);
});
