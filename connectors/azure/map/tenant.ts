/**
 * One tenant's payloads -> its records: the assembly only (which object becomes which
 * identity, whose grants are whose). Each record is mapped by the functions beside this file.
 */
import type { Credential, Grant, Identity } from '../../../src/connector/index.js';
import type {
  CognitiveAccount,
  GraphAppRoleAssignment,
  GraphApplication,
  GraphFederatedCredential,
  GraphOAuth2Grant,
  GraphServicePrincipal,
} from '../schema.js';
import { aiAccountIdentity, aiAccountKeys, type AccountSubscription } from './ai.js';
import { holderCredentials } from './credentials.js';
import { appRoleGrant, delegatedGrants, rbacGrants, type RbacData } from './grants.js';
import {
  applicationIdentity,
  isMicrosoftFirstParty,
  servicePrincipalIdentity,
} from './identities.js';
import { UNKNOWN_USE, usageOf, type UsageReports } from './usage.js';

export interface AiAccounts {
  subscription: AccountSubscription;
  accounts: CognitiveAccount[];
}

export interface TenantData {
  tenantId: string;
  applications: GraphApplication[];
  servicePrincipals: GraphServicePrincipal[];
  /** App object id -> federated credentials; an app missing from the map was not read. */
  federated: Map<string, GraphFederatedCredential[]>;
  /** SP object id -> its application permissions. */
  appRoleAssignments: Map<string, GraphAppRoleAssignment[]>;
  oauth2Grants: GraphOAuth2Grant[];
  usage: UsageReports;
  rbac: RbacData[];
  /** Cognitive Services accounts per subscription (absent: none were listed). */
  aiAccounts?: AiAccounts[];
}

export interface TenantRecords {
  identities: Identity[];
  credentials: Credential[];
  grants: Grant[];
}

export function buildTenantRecords(data: TenantData, now: Date): TenantRecords {
  const identities: Identity[] = [];
  const credentials: Credential[] = [];
  const spByAppId = new Map(data.servicePrincipals.map((sp) => [sp.appId, sp]));
  const spById = new Map(data.servicePrincipals.map((sp) => [sp.id, sp]));
  /** SP object id -> identity external id (the app's object id when merged). */
  const identityOfSp = new Map<string, string>();
  const keyUsage = data.usage.credentials;

  for (const app of data.applications) {
    const sp = spByAppId.get(app.appId);
    if (sp) identityOfSp.set(sp.id, app.id);
    identities.push(applicationIdentity(app, sp, data.usage.servicePrincipals));
    const appRef = { origin: 'application', objectId: app.id, appId: app.appId } as const;
    credentials.push(
      ...holderCredentials(app, app.id, appRef, now, keyUsage, data.federated.get(app.id)),
    );
    if (sp) {
      const spRef = { origin: 'servicePrincipal', objectId: sp.id, appId: sp.appId } as const;
      credentials.push(...holderCredentials(sp, app.id, spRef, now, keyUsage));
    }
  }

  for (const sp of data.servicePrincipals) {
    if (identityOfSp.has(sp.id)) continue;
    const own = (sp.passwordCredentials?.length ?? 0) + (sp.keyCredentials?.length ?? 0);
    const hasGrants = (data.appRoleAssignments.get(sp.id)?.length ?? 0) > 0;
    // Microsoft's first-party apps are plumbing, not this organisation's identities.
    if (isMicrosoftFirstParty(sp) && own === 0 && !hasGrants) continue;
    identityOfSp.set(sp.id, sp.id);
    identities.push(servicePrincipalIdentity(sp, data.tenantId, data.usage.servicePrincipals));
    const spRef = { origin: 'servicePrincipal', objectId: sp.id, appId: sp.appId } as const;
    credentials.push(...holderCredentials(sp, sp.id, spRef, now, keyUsage));
  }

  const grants: Grant[] = [];
  // The principal's last sign-in stands for each of its assignments (map/grants.ts).
  const useOfSp = (spId: string) => {
    const appId = spById.get(spId)?.appId;
    return appId ? usageOf(data.usage.servicePrincipals, appId) : UNKNOWN_USE;
  };
  for (const [spId, assignments] of data.appRoleAssignments) {
    const identityExternalId = identityOfSp.get(spId);
    if (!identityExternalId) continue;
    for (const a of assignments)
      grants.push(appRoleGrant(a, identityExternalId, spById.get(a.resourceId), useOfSp(spId)));
  }
  for (const g of data.oauth2Grants) {
    const identityExternalId = identityOfSp.get(g.clientId);
    if (identityExternalId)
      grants.push(...delegatedGrants(g, identityExternalId, spById.get(g.resourceId)));
  }
  grants.push(...rbacGrants(data.rbac, identityOfSp, useOfSp));

  for (const { subscription, accounts } of data.aiAccounts ?? []) {
    for (const account of accounts) {
      identities.push(aiAccountIdentity(account, subscription));
      credentials.push(...aiAccountKeys(account));
    }
  }
  return { identities, credentials, grants };
}
