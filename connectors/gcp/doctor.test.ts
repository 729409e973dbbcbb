/**
 * `nhi doctor`'s playbook checks for GCP: projects.testIamPermissions through the real
 * google-auth-library client against the stand-in. Read-only: no key changes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { connector } from './index.js';
import { startGcpStandIn, type GcpStandIn } from './stand-in/server.js';
import type { GcpEstate } from './stand-in/estate.js';
import { makeTestContext } from '../../src/connector/testing.js';
import type { DoctorReport } from '../../src/connector/index.js';

const NOW = new Date('2026-11-01T12:00:00Z');

function estate(callerPermissions?: string[]): GcpEstate {
  return {
    projects: [
      {
        projectId: 'doctor-prod',
        projectNumber: '123456789012',
        displayName: 'doctor prod',
        parent: 'organizations/42',
        createTime: '2025-01-01T00:00:00Z',
        bindings: [],
        serviceAccounts: [
          {
            accountId: 'ci',
            uniqueId: '100000000000000000001',
            keys: [
              {
                keyId: 'a'.repeat(40),
                keyType: 'USER_MANAGED',
                validAfterTime: '2025-01-01T00:00:00Z',
                validBeforeTime: '9999-12-31T23:59:59Z',
              },
            ],
          },
        ],
        ...(callerPermissions ? { callerPermissions } : {}),
      },
    ],
  };
}

let standIn: GcpStandIn | null = null;
afterEach(async () => {
  await standIn?.close();
  standIn = null;
});

async function doctor(e: GcpEstate, setup?: (s: GcpStandIn) => void): Promise<DoctorReport> {
  standIn = await startGcpStandIn({ estate: e, now: () => NOW });
  setup?.(standIn);
  const url = standIn.url;
  return connector.doctor(
    makeTestContext({
      now: NOW,
      options: {
        projects: ['doctor-prod'],
        rootUrls: {
          iam: url,
          cloudresourcemanager: url,
          policyanalyzer: url,
          recommender: url,
          apikeys: url,
        },
        retry: { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 5 },
      },
      env: { NHI_GCP_ACCESS_TOKEN: standIn.token },
    }),
  );
}

const playbooks = (r: DoctorReport) =>
  Object.fromEntries(
    r.checks.filter((c) => c.name.startsWith('playbook: ')).map((c) => [c.name, c]),
  );

describe('gcp doctor: which playbooks the credentials could run', () => {
  it('holding every key permission on the project allows revoke and rotate', async () => {
    const p = playbooks(await doctor(estate()));
    expect(p['playbook: revoke service account keys']).toMatchObject({
      ok: true,
      detail: expect.stringContaining('allowed on project doctor-prod'),
    });
    expect(p['playbook: rotate service account keys']!.ok).toBe(true);
    const asked = standIn!.requests.filter((r) => r.path.endsWith(':testIamPermissions'));
    expect(asked).toHaveLength(1);
    // Nothing was changed: the one key is still there and enabled.
    const key = standIn!.estate.projects[0]!.serviceAccounts[0]!.keys[0]!;
    expect(key.disabled).toBeFalsy();
    expect(standIn!.requests.some((r) => r.method === 'DELETE')).toBe(false);
  });

  it('a caller who can disable and delete but not create can revoke, not rotate', async () => {
    const p = playbooks(
      await doctor(
        estate([
          'iam.serviceAccountKeys.list',
          'iam.serviceAccountKeys.get',
          'iam.serviceAccountKeys.disable',
          'iam.serviceAccountKeys.enable',
          'iam.serviceAccountKeys.delete',
        ]),
      ),
    );
    expect(p['playbook: revoke service account keys']!.ok).toBe(true);
    expect(p['playbook: rotate service account keys']).toEqual({
      name: 'playbook: rotate service account keys',
      ok: false,
      detail:
        'missing on project doctor-prod: iam.serviceAccountKeys.create (e.g. roles/iam.serviceAccountKeyAdmin)',
    });
  });

  it('a read-only caller can run neither', async () => {
    const p = playbooks(await doctor(estate(['iam.serviceAccountKeys.list'])));
    expect(p['playbook: revoke service account keys']!.ok).toBe(false);
    expect(p['playbook: revoke service account keys']!.detail).toContain(
      'iam.serviceAccountKeys.delete',
    );
    expect(p['playbook: revoke service account keys']!.detail).not.toContain(
      'iam.serviceAccountKeys.list',
    );
  });

  it('a failing testIamPermissions reads "unknown", and the scan checks still run', async () => {
    const report = await doctor(estate(), (s) =>
      s.faults.add({ path: ':testIamPermissions', status: 403, times: Infinity }),
    );
    expect(report.checks.find((c) => c.name === 'service accounts of doctor-prod')!.ok).toBe(true);
    const p = playbooks(report);
    expect(p['playbook: rotate service account keys']).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/^unknown: testIamPermissions on doctor-prod failed/),
    });
  });
});
