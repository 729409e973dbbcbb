/**
 * `nhi doctor`'s playbook checks: the real IAM client asks the stand-in's
 * SimulatePrincipalPolicy what the caller may do, and nothing in the account changes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { connector } from './index.js';
import { startAwsStandIn, type AwsStandIn } from './stand-in/server.js';
import type { AwsEstate, EstateCaller } from './stand-in/estate.js';
import { makeTestContext } from '../../src/connector/testing.js';
import type { DoctorReport } from '../../src/connector/index.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const now = new Date('2026-11-01T12:00:00Z');
const ACCOUNT = '210987654321';
const allow = (Action: string[]) => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action, Resource: '*' }],
});

function caller(name: string, arn: string): EstateCaller {
  return {
    accessKeyId: `AKIADOCTOR${name.toUpperCase().padEnd(10, '0').slice(0, 10)}`,
    secretAccessKey: `secret-${name}-not-real`,
    accountId: ACCOUNT,
    arn,
  };
}

const READER = caller('reader', `arn:aws:iam::${ACCOUNT}:user/automation/reader`);
const ROTATOR = caller('rotator', `arn:aws:iam::${ACCOUNT}:user/rotator`);
const FENCED = caller('fenced', `arn:aws:iam::${ACCOUNT}:user/fenced`);
const ROLE = caller('role', `arn:aws:sts::${ACCOUNT}:assumed-role/nhi-playbooks/ci-session`);

function estate(): AwsEstate {
  const created = '2025-01-01T00:00:00Z';
  return {
    callers: [READER, ROTATOR, FENCED, ROLE],
    accounts: [
      {
        id: ACCOUNT,
        name: 'doctor',
        root: { createdAt: created, mfaActive: true },
        policies: [
          {
            name: 'KeyRotation',
            createdAt: created,
            document: allow(['iam:*AccessKey*', 'iam:ListAccessKeys']),
          },
        ],
        groups: [
          {
            name: 'sinks',
            createdAt: created,
            inlinePolicies: [{ name: 'sm', document: allow(['secretsmanager:*']) }],
          },
        ],
        users: [
          {
            name: 'reader',
            path: '/automation/',
            createdAt: created,
            attachedPolicies: ['arn:aws:iam::aws:policy/SecurityAudit'],
          },
          {
            name: 'rotator',
            createdAt: created,
            groups: ['sinks'],
            attachedPolicies: [`arn:aws:iam::${ACCOUNT}:policy/KeyRotation`],
            accessKeys: [{ id: 'AKIAKEEPME0000000001', status: 'Active', createdAt: created }],
          },
          {
            name: 'fenced',
            createdAt: created,
            attachedPolicies: ['arn:aws:iam::aws:policy/AdministratorAccess'],
            inlinePolicies: [
              {
                name: 'no-deletes',
                document: {
                  Statement: [{ Effect: 'Deny', Action: 'iam:Delete*', Resource: '*' }],
                },
              },
            ],
          },
        ],
        roles: [
          {
            name: 'nhi-playbooks',
            createdAt: created,
            trustPolicy: allow(['sts:AssumeRole']),
            attachedPolicies: [`arn:aws:iam::${ACCOUNT}:policy/KeyRotation`],
          },
        ],
      },
    ],
  };
}

let standIn: AwsStandIn | null = null;
afterEach(async () => {
  await standIn?.close();
  standIn = null;
});

async function doctorAs(who: EstateCaller, setup?: (s: AwsStandIn) => void): Promise<DoctorReport> {
  standIn = await startAwsStandIn({ estate: estate(), now: () => now });
  setup?.(standIn);
  return connector.doctor(
    makeTestContext({
      now,
      options: { endpoint: standIn.url, maxAttempts: 1, pollIntervalMs: 5, accessAdvisor: false },
      env: { AWS_ACCESS_KEY_ID: who.accessKeyId, AWS_SECRET_ACCESS_KEY: who.secretAccessKey },
    }),
  );
}

function playbooks(r: DoctorReport) {
  return Object.fromEntries(
    r.checks.filter((c) => c.name.startsWith('playbook: ')).map((c) => [c.name, c]),
  );
}

describe('aws doctor: which playbooks the credentials could run', () => {
  it('a read-only scanner can run none, and each check names what is missing', async () => {
    const p = playbooks(await doctorAs(READER));
    expect(Object.keys(p).sort()).toEqual([
      'playbook: aws-secrets-manager sink',
      'playbook: revoke access keys',
      'playbook: rotate access keys',
    ]);
    expect(p['playbook: revoke access keys']).toMatchObject({ ok: false });
    // SecurityAudit's iam:List*/Get* cover the reads, so only the writes are named.
    expect(p['playbook: revoke access keys']!.detail).toBe(
      'missing iam:UpdateAccessKey (implicitDeny), iam:DeleteAccessKey (implicitDeny)',
    );
    expect(p['playbook: rotate access keys']!.detail).toContain('iam:CreateAccessKey');
    expect(p['playbook: aws-secrets-manager sink']!.detail).toContain(
      'secretsmanager:PutSecretValue',
    );
  });

  it('a user allowed by a managed policy and a group policy can run them all, and nothing changes', async () => {
    const report = await doctorAs(ROTATOR);
    const p = playbooks(report);
    expect(Object.values(p).map((c) => c.ok)).toEqual([true, true, true]);
    expect(p['playbook: rotate access keys']!.detail).toContain(ROTATOR.arn);
    const user = standIn!.estate.accounts[0]!.users.find((u) => u.name === 'rotator')!;
    expect(user.accessKeys!.map((k) => [k.id, k.status])).toEqual([
      ['AKIAKEEPME0000000001', 'Active'],
    ]);
    expect(standIn!.requests.byAction.SimulatePrincipalPolicy).toBe(1);
    expect(standIn!.requests.byAction.CreateAccessKey).toBeUndefined();
  });

  it('an explicit Deny wins over AdministratorAccess', async () => {
    const p = playbooks(await doctorAs(FENCED));
    expect(p['playbook: revoke access keys']).toEqual({
      name: 'playbook: revoke access keys',
      ok: false,
      detail: 'missing iam:DeleteAccessKey (explicitDeny)',
    });
    expect(p['playbook: aws-secrets-manager sink']!.ok).toBe(true);
  });

  it('an assumed-role caller is simulated as its role', async () => {
    const p = playbooks(await doctorAs(ROLE));
    expect(p['playbook: rotate access keys']).toMatchObject({
      ok: true,
      detail: expect.stringContaining(`arn:aws:iam::${ACCOUNT}:role/nhi-playbooks`),
    });
    expect(p['playbook: aws-secrets-manager sink']!.ok).toBe(false);
  });

  it('says "unknown" when SimulatePrincipalPolicy itself is denied; the scan checks stay', async () => {
    const report = await doctorAs(ROTATOR, (s) =>
      s.faults.add({ action: 'SimulatePrincipalPolicy', kind: 'AccessDenied' }),
    );
    expect(report.authenticated).toBe(true);
    expect(report.checks.find((c) => c.name === 'credential report')!.ok).toBe(true);
    const p = playbooks(report);
    for (const c of Object.values(p)) {
      expect(c.ok).toBe(false);
      expect(c.detail).toMatch(/^unknown: iam:SimulatePrincipalPolicy denied/);
    }
    expect(p['playbook: rotate access keys']!.detail).toContain('iam:CreateAccessKey');
  });
});
