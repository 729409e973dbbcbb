/**
 * `nhi doctor`'s playbook checks for Azure: the real @azure/identity obtains a Graph token from
 * the stand-in and doctor reads its `roles` claim (Graph has no permission-check API).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { makeTestContext } from '../../src/connector/testing.js';
import type { DoctorReport } from '../../src/connector/index.js';
import { connector } from './index.js';
import { startAzureStandIn, type AzureStandIn } from './stand-in/index.js';
import { GRAPH_APP_ROLES, MICROSOFT_GRAPH_APP_ID, type AzureEstate } from './stand-in/estate.js';
import { AZURE_DEMO_SCANNER, buildAzureDemoEstate } from './stand-in/index.js';
import { COMPANY } from '../../fixtures/demo/company.js';

const NOW = new Date('2026-11-01T12:00:00Z');

let standIn: AzureStandIn | null = null;
afterEach(async () => {
  await standIn?.close();
  standIn = null;
});

/** An app of the demo estate granted `role`, signing in with a client secret of its own. */
function clientWith(estate: AzureEstate, role: keyof typeof GRAPH_APP_ROLES) {
  const graph = estate.servicePrincipals.find((s) => s.appId === MICROSOFT_GRAPH_APP_ID)!;
  const grant = estate.appRoleAssignments.find(
    (a) => a.resourceId === graph.id && a.appRoleId === GRAPH_APP_ROLES[role],
  )!;
  const sp = estate.servicePrincipals.find((s) => s.id === grant.principalId)!;
  const client = { clientId: sp.appId, secret: `doctor-test-${role}` };
  estate.clients.push(client);
  return client;
}

async function doctor(
  estate: AzureEstate,
  client: { clientId: string; secret: string },
): Promise<DoctorReport> {
  standIn = await startAzureStandIn({ estate, now: () => NOW });
  return connector.doctor(
    makeTestContext({
      now: NOW,
      options: {
        tenantId: COMPANY.azureTenantId,
        authorityHost: standIn.url,
        graphEndpoint: standIn.url,
        armEndpoint: standIn.url,
        caFile: standIn.caFile,
        retry: { maxRetries: 0, retryDelayMs: 1, maxRetryDelayMs: 5 },
      },
      env: { AZURE_CLIENT_ID: client.clientId, AZURE_CLIENT_SECRET: client.secret },
    }),
  );
}

const playbooks = (r: DoctorReport) =>
  Object.fromEntries(
    r.checks.filter((c) => c.name.startsWith('playbook: ')).map((c) => [c.name, c]),
  );

describe('azure doctor: which playbooks the credentials could run', () => {
  it('the read-only scanner app cannot change app secrets, and doctor names the permission', async () => {
    const report = await doctor(buildAzureDemoEstate(NOW), AZURE_DEMO_SCANNER);
    expect(report.authenticated).toBe(true);
    const p = playbooks(report);
    expect(Object.keys(p)).toEqual([
      'playbook: revoke app secrets (removePassword)',
      'playbook: rotate app secrets (addPassword, removePassword)',
      'playbook: azure-key-vault sink',
    ]);
    expect(p['playbook: revoke app secrets (removePassword)']).toMatchObject({ ok: false });
    expect(p['playbook: revoke app secrets (removePassword)']!.detail).toMatch(
      /^missing Microsoft Graph application permission Application\.ReadWrite\.All or Application\.ReadWrite\.OwnedBy \(token roles: .*Application\.Read\.All/,
    );
    expect(p['playbook: azure-key-vault sink']).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/^unknown: checked at apply time/),
    });
  });

  it('an app granted Application.ReadWrite.All can revoke and rotate', async () => {
    const estate = buildAzureDemoEstate(NOW);
    const writer = clientWith(estate, 'Application.ReadWrite.All');
    const report = await doctor(estate, writer);
    const p = playbooks(report);
    expect(p['playbook: rotate app secrets (addPassword, removePassword)']).toEqual({
      name: 'playbook: rotate app secrets (addPassword, removePassword)',
      ok: true,
      detail: 'application permission Application.ReadWrite.All granted',
    });
    expect(p['playbook: revoke app secrets (removePassword)']!.ok).toBe(true);
    // Reading a claim changes nothing: no write reached Graph.
    expect(standIn!.requests.filter((r) => r.method !== 'GET' && !/token/.test(r.path))).toEqual(
      [],
    );
  });
});
