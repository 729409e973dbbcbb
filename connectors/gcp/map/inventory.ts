/**
 * One project's raw answers -> its scope inventory: service accounts and their keys, grants
 * from the project's policy and the policies above it, API keys. Pure.
 */
import type {
  CoverageGap,
  Credential,
  Grant,
  Identity,
  RecordKind,
  Scope,
  ScopeInventory,
} from '../../../src/connector/index.js';
import type {
  RawActivity,
  RawApiKey,
  RawPolicy,
  RawRecommendation,
  RawServiceAccount,
  RawServiceAccountKey,
} from '../schema.js';
import { apiKeyHolderIdentity, mapApiKey, type AiService } from './api-keys.js';
import {
  foreignServiceAccountIdentity,
  foreignServiceAccountProject,
  indexRecommendations,
  mapBindings,
  type PolicySource,
} from './grants.js';
import { indexActivities, mapKey, mapServiceAccount } from './service-accounts.js';

export interface ScannedProject {
  scope: Scope;
  /** Keys are null when they could not be listed (a gap says so). */
  accounts: { sa: RawServiceAccount; keys: RawServiceAccountKey[] | null }[];
  /** Policy Analyzer activities; null = not read. */
  saActivity: RawActivity[] | null;
  keyActivity: RawActivity[] | null;
  /** The project's own IAM policy; null = not read. */
  policy: RawPolicy | null;
  /** Folder and organization policies above the project that could be read. */
  inherited: { source: PolicySource; policy: RawPolicy }[];
  recommendations: RawRecommendation[] | null;
  apiKeys: RawApiKey[] | null;
  now: Date;
  gaps: CoverageGap[];
  incomplete: RecordKind[];
  apiCalls: number;
}

/**
 * A service account granted a Vertex AI or Gemini role (here or above the project) reaches that
 * service: its identity carries `aiService` too, Vertex AI first when it holds both.
 */
function markAiReach(identities: Identity[], grants: Grant[]): void {
  const reach = new Map<string, AiService>();
  for (const g of grants) {
    const service = g.attributes.aiService as AiService | undefined;
    const email = g.identityExternalId.toLowerCase();
    if (service && reach.get(email) !== 'vertex') reach.set(email, service);
  }
  if (reach.size === 0) return;
  for (const i of identities) {
    const service = reach.get(i.externalId.toLowerCase());
    if (service) i.attributes = { ...i.attributes, aiService: service };
  }
}

export function toInventory(p: ScannedProject): ScopeInventory {
  const projectId = p.scope.id;
  const saIndex = p.saActivity && indexActivities(p.saActivity);
  const keyIndex = p.keyActivity && indexActivities(p.keyActivity);
  const identities: Identity[] = [];
  const credentials: Credential[] = [];
  for (const { sa, keys } of p.accounts) {
    identities.push(mapServiceAccount(sa, keys, saIndex));
    for (const k of keys ?? []) {
      const c = mapKey(k, sa, keyIndex, p.now);
      if (c) credentials.push(c);
    }
  }
  const known = new Set(identities.map((i) => i.externalId.toLowerCase()));

  // The project's own policy names SAs of this and other projects; inherited (folder and
  // organization) policies are kept only for this project's SAs.
  const grants: Grant[] = [];
  if (p.policy) {
    const recs = p.recommendations && indexRecommendations(p.recommendations);
    const source = { resource: `projects/${projectId}`, level: 'project' };
    for (const g of mapBindings(p.policy, source, recs)) {
      const email = g.identityExternalId.toLowerCase();
      if (!known.has(email)) {
        const home = foreignServiceAccountProject(email);
        if (home === null) continue; // Google-managed service agent
        identities.push(foreignServiceAccountIdentity(g.identityExternalId, home));
        known.add(email);
      }
      grants.push(g);
    }
  }
  for (const { source, policy } of p.inherited) {
    for (const g of mapBindings(policy, source, null)) {
      if (known.has(g.identityExternalId.toLowerCase()))
        grants.push({ ...g, attributes: { ...g.attributes, inherited: true } });
    }
  }

  markAiReach(identities, grants);

  const holder = apiKeyHolderIdentity(projectId);
  let holderListed = false;
  for (const k of p.apiKeys ?? []) {
    const c = mapApiKey(k, holder.externalId);
    if (!c) continue;
    // Unbound keys, and keys bound to a service account this scan did not list, hang off the
    // project's holder identity.
    const bound =
      c.identityExternalId !== holder.externalId && known.has(c.identityExternalId.toLowerCase());
    if (!bound) {
      c.identityExternalId = holder.externalId;
      if (!holderListed) identities.push(holder);
      holderListed = true;
    }
    credentials.push(c);
  }

  return {
    kind: 'inventory',
    scope: p.scope,
    identities,
    credentials,
    // A member listed twice in one binding, or the same binding repeated, is one grant.
    grants: [...new Map(grants.map((g) => [g.externalId, g])).values()],
    gaps: p.gaps,
    apiCalls: p.apiCalls,
    incomplete: p.incomplete,
  };
}
