/**
 * A synthetic tenant of any size for benchmarks: `apps` app registrations with two secrets
 * each, their service principals with one Graph permission, sign-in reports, one RBAC
 * assignment per app spread over `subscriptions` subscriptions, and an AI account in each.
 */
import {
  BUILT_IN_ROLES,
  GRAPH_APP_ROLES,
  MICROSOFT_GRAPH_APP_ID,
  type AzureEstate,
} from './estate.js';

const guid = (kind: number, n: number) =>
  `${kind.toString(16).padStart(8, '0')}-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

export function syntheticTenant(opts: {
  apps: number;
  subscriptions: number;
  now: Date;
}): AzureEstate {
  const iso = (days: number) => new Date(opts.now.getTime() + days * 86_400_000).toISOString();
  const tenantId = guid(0xfeed, 1);
  const graph = {
    id: guid(9, 0),
    appId: MICROSOFT_GRAPH_APP_ID,
    displayName: 'Microsoft Graph',
    servicePrincipalType: 'Application' as const,
    appOwnerOrganizationId: 'f8cdef31-a31e-4b4a-93e4-5f571e91255a',
    accountEnabled: true,
    alternativeNames: [],
    passwordCredentials: [],
    keyCredentials: [],
    appRoles: Object.entries(GRAPH_APP_ROLES).map(([value, id]) => ({
      id,
      value,
      displayName: value,
      allowedMemberTypes: ['Application'],
      isEnabled: true,
    })),
  };
  const estate: AzureEstate = {
    tenant: { id: tenantId, displayName: 'Synthetic', domain: 'synthetic.onmicrosoft.com' },
    clients: [{ clientId: 'bench-scanner', secret: 'bench-secret' }],
    applications: [],
    servicePrincipals: [graph],
    appRoleAssignments: [],
    oauth2PermissionGrants: [],
    signInReports: { available: true, servicePrincipals: [], credentials: [] },
    subscriptions: Array.from({ length: opts.subscriptions }, (_, s) => ({
      subscriptionId: guid(7, s),
      displayName: `sub-${s}`,
      state: 'Enabled' as const,
      roleAssignments: [],
    })),
    roleDefinitions: BUILT_IN_ROLES,
    keyVaults: [],
  };
  // One AI account per subscription, key authentication on in every other one.
  estate.subscriptions.forEach((sub, s) => {
    sub.cognitiveAccounts = [
      {
        name: `oai-${s}`,
        kind: 'OpenAI',
        location: 'westeurope',
        resourceGroup: 'rg-ai',
        properties: {
          endpoint: `https://oai-${s}.openai.azure.com/`,
          customSubDomainName: `oai-${s}`,
          dateCreated: iso(-100),
          provisioningState: 'Succeeded',
          disableLocalAuth: s % 2 === 1,
        },
        keys: { key1: `k1-${s}`, key2: `k2-${s}` },
      },
    ];
  });
  const roles = Object.values(GRAPH_APP_ROLES);
  for (let i = 0; i < opts.apps; i++) {
    const appId = guid(2, i);
    const secrets = [0, 1].map((k) => ({
      keyId: guid(3, i * 2 + k),
      displayName: `secret-${k}`,
      hint: 'abc',
      startDateTime: iso(-100 - (i % 300)),
      endDateTime: k === 0 ? '2299-12-31T00:00:00Z' : iso(30 + (i % 200)),
    }));
    estate.applications.push({
      id: guid(1, i),
      appId,
      displayName: `app-${i}`,
      createdDateTime: iso(-400),
      signInAudience: 'AzureADMyOrg',
      passwordCredentials: secrets,
      keyCredentials: [],
      federatedIdentityCredentials: [],
      owners:
        i % 5 === 0
          ? []
          : [{ '@odata.type': '#microsoft.graph.user', id: guid(5, i % 50), displayName: 'Owner' }],
    });
    estate.servicePrincipals.push({
      id: guid(4, i),
      appId,
      displayName: `app-${i}`,
      servicePrincipalType: 'Application',
      appOwnerOrganizationId: tenantId,
      accountEnabled: true,
      alternativeNames: [],
      passwordCredentials: [],
      keyCredentials: [],
      appRoles: [],
    });
    estate.appRoleAssignments.push({
      id: guid(6, i),
      appRoleId: roles[i % roles.length]!,
      principalId: guid(4, i),
      principalType: 'ServicePrincipal',
      principalDisplayName: `app-${i}`,
      resourceId: graph.id,
      resourceDisplayName: 'Microsoft Graph',
      createdDateTime: iso(-300),
    });
    estate.signInReports.servicePrincipals.push({ appId, lastSignInDateTime: iso(-(i % 120)) });
    for (const s of secrets) {
      estate.signInReports.credentials.push({
        keyId: s.keyId,
        appId,
        keyType: 'clientSecret',
        credentialOrigin: 'application',
        lastSignInDateTime: i % 3 ? iso(-(i % 90)) : null,
      });
    }
    const sub = estate.subscriptions[i % opts.subscriptions]!;
    sub.roleAssignments.push({
      name: guid(8, i),
      scope: `/subscriptions/${sub.subscriptionId}/resourceGroups/rg-${i % 20}`,
      roleDefinitionName: BUILT_IN_ROLES[i % 3]!.name,
      principalId: guid(4, i),
      principalType: 'ServicePrincipal',
      createdOn: iso(-200),
    });
  }
  return estate;
}
