/**
 * `nhi doctor` end to end: the built CLI, a config file pointing every provider at its demo
 * stand-in (running in this test process) and a scrubbed environment holding only the
 * stand-ins' fake credentials. Checks that scan and playbook permissions are told apart.
 * Needs `npm run build` first.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DemoHandle, DoctorReport } from '../src/connector/index.js';
import { loadConnector } from '../src/connector/registry.js';
import { nhi, scrubbedEnv, tempDir, type CliResult } from './run-cli.js';

const NOW = new Date('2026-11-01T12:00:00Z');
const PROVIDERS = ['aws', 'azure', 'gcp', 'github'] as const;

let demos: DemoHandle[] = [];
let config: string;
let env: Record<string, string>;
let human: CliResult;
let json: CliResult;

beforeAll(async () => {
  demos = await Promise.all(PROVIDERS.map(async (p) => (await loadConnector(p)).startDemo(NOW)));
  config = join(tempDir(), 'nhi.config.json');
  writeFileSync(
    config,
    JSON.stringify({
      providers: Object.fromEntries(PROVIDERS.map((p, i) => [p, demos[i]!.options])),
    }),
  );
  env = scrubbedEnv(Object.assign({}, ...demos.map((d) => d.env)) as Record<string, string>);
  [human, json] = await Promise.all([
    nhi(['doctor', '--config', config], { env }),
    nhi(['doctor', '--config', config, '--format', 'json'], { env }),
  ]);
});
afterAll(async () => {
  await Promise.all(demos.map((d) => d.close()));
});

const playbooksOf = (r: DoctorReport) =>
  Object.fromEntries(
    r.checks.filter((c) => c.name.startsWith('playbook: ')).map((c) => [c.name, c]),
  );

describe('nhi doctor against the demo stand-ins', () => {
  it('--format json keeps the DoctorReport array, with playbook checks per provider', () => {
    expect(json.code, json.stderr).toBe(0);
    const reports = JSON.parse(json.stdout) as DoctorReport[];
    expect(reports.map((r) => [r.provider, r.authenticated]).sort()).toEqual(
      PROVIDERS.map((p) => [p, true]),
    );
    const of = (p: string) => playbooksOf(reports.find((r) => r.provider === p)!);
    const [aws, azure, gcp, github] = PROVIDERS.map(of);
    // The demo scanner only has SecurityAudit: reads yes, key changes no.
    expect(aws!['playbook: revoke access keys']).toMatchObject({
      ok: false,
      detail: expect.stringContaining('iam:UpdateAccessKey (implicitDeny)'),
    });
    // The demo GCP token holds every permission the stand-in serves.
    expect(gcp!['playbook: rotate service account keys']!.ok).toBe(true);
    expect(azure!['playbook: rotate app secrets (addPassword, removePassword)']).toMatchObject({
      ok: false,
      detail: expect.stringContaining('Application.ReadWrite.All'),
    });
    expect(azure!['playbook: azure-key-vault sink']!.detail).toMatch(
      /^unknown: checked at apply time/,
    );
    // The demo's GitHub token is an App installation token: GitHub reports no scopes for it.
    expect(github!['playbook: rotate, trim or delete deploy keys']!.detail).toMatch(
      /^unknown for App installation tokens/,
    );
  });

  it('the table output groups scan checks and playbooks under each provider', () => {
    expect(human.code, human.stderr).toBe(0);
    const lines = human.stdout.split('\n');
    const starts = lines.flatMap((l, i) => (/^\w+: /.test(l) ? [i] : []));
    const block = (p: string) => {
      const i = lines.findIndex((l) => l.startsWith(`${p}: authenticated as`));
      expect(i, human.stdout).toBeGreaterThanOrEqual(0);
      return lines.slice(i, starts.find((s) => s > i) ?? lines.length);
    };
    const aws = block('aws');
    expect(aws[1]).toBe('  scan:');
    expect(aws).toContain('  playbooks (0 of 3 runnable):');
    expect(aws.some((l) => /^ {4}✗ rotate access keys: missing iam:CreateAccessKey/.test(l))).toBe(
      true,
    );
    expect(block('gcp')).toContain('  playbooks (2 of 2 runnable):');
    expect(block('azure').some((l) => l.startsWith('    ? azure-key-vault sink: unknown'))).toBe(
      true,
    );
    expect(block('github')).toContain('  playbooks (0 of 4 runnable):');
    // Scan checks never appear under the playbooks heading and vice versa.
    const heading = aws.indexOf('  playbooks (0 of 3 runnable):');
    expect(aws.slice(0, heading).some((l) => l.includes('access keys'))).toBe(false);
  });

  it('exits 5 (its own code, not partial scan) when no provider authenticates, and still lists the playbook-free reports', async () => {
    const bad = { ...env, AWS_ACCESS_KEY_ID: 'AKIAUNKNOWN000000000', AWS_SECRET_ACCESS_KEY: 'x' };
    const awsOnly = join(tempDir(), 'nhi.config.json');
    writeFileSync(awsOnly, JSON.stringify({ providers: { aws: demos[0]!.options } }));
    const r = await nhi(['doctor', '--config', awsOnly, '--format', 'json'], { env: bad });
    expect(r.code).toBe(5);
    const [aws] = JSON.parse(r.stdout) as DoctorReport[];
    expect(aws!.authenticated).toBe(false);
    expect(aws!.checks.some((c) => c.name.startsWith('playbook: '))).toBe(false);
  });
});
