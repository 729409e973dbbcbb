/**
 * Ownership on the demo estate, through the built CLI against every provider's stand-in: each
 * source attributed with its confidence (AWS tags, Entra app owners, a GitHub deploy key's
 * added_by, a GCP description convention, an OpenAI key owner who left), the policy file's map
 * beating them all, `nhi owners`, and `--owner/--team` on list, report and check.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { nhi, scrubbedEnv, tempDir } from './run-cli.js';

interface Row {
  id: string;
  provider: string;
  identityName: string;
  type: string;
  owner: string | null;
  team: string | null;
  ownerVia: string | null;
  owned: boolean;
  ownerDeparted: boolean | null;
  purpose: string | null;
}

const dir = tempDir();
const catalog = join(dir, 'demo.db');
const env = scrubbedEnv();
const run = (args: string[], cwd?: string) =>
  nhi([...args, '--catalog', catalog], { env, ...(cwd ? { cwd } : {}) });
let rows: Row[];

beforeAll(async () => {
  const scan = await run(['scan', '--demo', '-q']);
  expect(scan.code, scan.stderr).toBe(0);
  rows = JSON.parse((await run(['list', '--json'])).stdout) as Row[];
}, 180_000);

const find = (p: (r: Row) => boolean) => {
  const r = rows.find(p);
  expect(r).toBeDefined();
  return r!;
};

describe('attribution per source on the demo estate', () => {
  it('AWS: an owner tag is a high-confidence owner; the IAM path is the purpose', () => {
    const r = find((x) => x.provider === 'aws' && x.identityName === 'terraform-org');
    expect(r).toMatchObject({ owner: 'platform', ownerVia: 'IAM tag owner (high)', owned: true });
  });

  it('Entra: the app registration’s owners (a team tag ranks above them at equal confidence)', () => {
    const r = find((x) => x.provider === 'azure' && x.identityName === 'payments-api');
    expect(r).toMatchObject({
      owner: 'ravi.patel@orbitalfreight.example',
      team: 'payments',
      owned: true,
    });
  });

  it('GitHub: a deploy key’s added_by is only a candidate (medium)', () => {
    const r = find(
      (x) => x.provider === 'github' && x.type === 'deploy-key' && x.owner === 'lucas-moreau',
    );
    expect(r).toMatchObject({
      owned: false,
      ownerVia: 'GitHub deploy key added_by (medium, a candidate)',
    });
  });

  it('OpenAI: a key whose owner left the organization is owned by a departed owner', () => {
    const r = find((x) => x.provider === 'openai' && x.ownerDeparted === true);
    expect(r.owner).toBe('lucas.moreau@orbitalfreight.example');
  });

  it('the departed owner is an NHI1 finding', async () => {
    const rep = JSON.parse(
      (await run(['report', '--json', '--rule', 'owner-departed'])).stdout,
    ) as {
      findings: { ruleId: string; owasp: string; owner: string; severity: string }[];
    };
    expect(rep.findings.length).toBeGreaterThan(0);
    // Lucas left: his OpenAI key, and also his GitHub PAT and deploy key (not an org member)
    // and his Anthropic key (known by id only once he is gone).
    expect(rep.findings.map((f) => f.owner)).toEqual(
      expect.arrayContaining([
        'lucas.moreau@orbitalfreight.example',
        'lucas-moreau',
        'user_01OF02LUCASMOREAU',
      ]),
    );
    expect(
      rep.findings.find((f) => f.owner === 'lucas.moreau@orbitalfreight.example'),
    ).toMatchObject({
      ruleId: 'owner-departed',
      owasp: 'NHI1',
      owner: 'lucas.moreau@orbitalfreight.example',
    });
  });
});

describe('nhi owners', () => {
  it('lists owners with risk and what to do, and unowned identities with the best candidate and why', async () => {
    const r = await run(['owners', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const d = JSON.parse(r.stdout) as {
      owners: {
        owner: string | null;
        team: string | null;
        departed: boolean;
        credentials: number;
        todo: { ruleId: string }[];
        topFix: { ruleId: string; fix: string } | null;
      }[];
      unowned: { name: string; candidate: { owner: string; source: string; why: string } | null }[];
    };
    const data = d.owners.find((g) => g.owner === null && g.team === 'data')!;
    expect(data.credentials).toBeGreaterThan(0);
    expect(data.todo.length).toBeGreaterThan(0);
    expect(data.topFix).toMatchObject({ ruleId: data.todo[0]!.ruleId });
    expect(data.topFix!.fix).not.toBe('');
    expect(d.owners.some((g) => g.departed)).toBe(true);
    const etl = d.unowned.find((u) => u.name.startsWith('ETL loader'))!;
    expect(etl.candidate).toMatchObject({ owner: 'mei.tanaka', source: 'convention' });
    expect(etl.candidate!.why).toBe('service account description "Owner:" (low)');
    expect(d.unowned.some((u) => u.candidate === null)).toBe(true);

    const table = await run(['owners']);
    expect(table.stdout).toMatch(
      /lucas\.moreau@orbitalfreight\.example \[departed\].*find a new owner/,
    );
    expect(table.stdout).toContain('Unowned (');
  });

  it('the ownership map beats every provider signal, and --owner/--team filter list, report and check', async () => {
    const cwd = tempDir('nhi-cwd-');
    writeFileSync(
      join(cwd, 'nhi.config.yaml'),
      'owners:\n  map:\n    - match: { provider: aws, name: terraform-org }\n      owner: grace@orbital.example\n      team: infra\n      purpose: org-wide terraform\n',
    );
    const listed = JSON.parse(
      (await run(['list', '--json', '--team', 'infra'], cwd)).stdout,
    ) as Row[];
    expect(listed.length).toBeGreaterThan(0);
    for (const x of listed) {
      expect(x).toMatchObject({
        identityName: 'terraform-org',
        owner: 'grace@orbital.example',
        purpose: 'org-wide terraform',
      });
      expect(x.ownerVia).toMatch(/^owners\.map at nhi\.config\.yaml:3:7/);
    }
    const rep = JSON.parse(
      (await run(['report', '--json', '--owner', 'GRACE@orbital.example'], cwd)).stdout,
    ) as {
      findings: { identityName: string; team: string }[];
    };
    expect(rep.findings.length).toBeGreaterThan(0);
    expect(new Set(rep.findings.map((f) => f.identityName))).toEqual(new Set(['terraform-org']));
    const sarif = JSON.parse(
      (await run(['report', '--format', 'sarif', '--team', 'infra'], cwd)).stdout,
    ) as {
      runs: { results: { properties: Record<string, unknown> }[] }[];
    };
    expect(sarif.runs[0]!.results[0]!.properties).toMatchObject({
      owner: 'grace@orbital.example',
      team: 'infra',
      purpose: 'org-wide terraform',
    });
    // A team gates only its own credentials.
    const none = await run(['check', '--fail-on', 'low', '--team', 'nobody'], cwd);
    expect(none.code).toBe(0);
    const infra = await run(['check', '--fail-on', 'low', '--team', 'infra'], cwd);
    expect(infra.code).toBe(1);
    const show = await run(['show', listed[0]!.id], cwd);
    expect(show.stdout).toMatch(
      /owner {6}grace@orbital\.example \(infra\) {2}from owners\.map at nhi\.config\.yaml:3:7 \(high\)/,
    );
    expect(show.stdout).toMatch(/also: platform \(IAM tag owner\)/);
    expect(show.stdout).toContain('purpose    org-wide terraform');
  });
});
