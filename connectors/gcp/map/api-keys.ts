/**
 * API keys (API Keys v2) -> credentials, with their restrictions recorded as they are and
 * whether the key can reach Google's AI services. Pure.
 */
import { isoOrNull, type Credential, type Identity } from '../../../src/connector/index.js';
import type { RawApiKey, RawApiTarget } from '../schema.js';
import { lastSegment } from './service-accounts.js';

export const API_KEY_HOLDER_SUFFIX = '/apiKeys';

/**
 * Services through which an API key reaches generative AI: the Gemini API
 * (generativelanguage) and Vertex AI (aiplatform, which serves Gemini too). A key without API
 * restrictions can call both.
 */
export const AI_SERVICES: readonly string[] = [
  'generativelanguage.googleapis.com',
  'aiplatform.googleapis.com',
];

/**
 * API keys not bound to a service account belong to the project: they hang off one synthetic
 * holder identity per project, because every credential needs an identity.
 */
export function apiKeyHolderIdentity(projectId: string): Identity {
  return {
    externalId: `projects/${projectId}${API_KEY_HOLDER_SUFFIX}`,
    name: `API keys of ${projectId}`,
    kind: 'application',
    owner: null,
    createdAt: null,
    tags: {},
    lastUsedKnown: false,
    lastUsedAt: null,
    attributes: { synthetic: true, holder: 'project-api-keys' },
  };
}

function targets(raw: RawApiTarget[] | undefined): { service: string; methods: string[] }[] {
  return (raw ?? []).map((t) => ({ service: t.service, methods: t.methods ?? [] }));
}

export function mapApiKey(key: RawApiKey, holderExternalId: string): Credential | null {
  if (key.deleteTime) return null; // soft-deleted keys are kept 30 days and cannot be used
  const restrictions = key.restrictions ?? {};
  const kinds = Object.keys(restrictions)
    .filter((k) => (restrictions as Record<string, unknown>)[k] != null)
    .sort();
  const apiTargets = targets(restrictions.apiTargets);
  // No API restriction: the key may call every API enabled on the project, Gemini included.
  const unrestricted = apiTargets.length === 0;
  const uid = key.uid ?? lastSegment(key.name);
  return {
    externalId: uid,
    identityExternalId: key.serviceAccountEmail || holderExternalId,
    type: 'api-key',
    name: key.displayName ?? null,
    status: 'active',
    createdAt: isoOrNull(key.createTime),
    // API keys never expire.
    expiresAt: null,
    // The API Keys API exposes no usage data.
    lastUsedKnown: false,
    lastUsedAt: null,
    attributes: {
      // The console's Credentials page lists keys by name; the uid tells same-named keys apart.
      handle: key.displayName ? `${key.displayName} (${uid})` : uid,
      resourceName: key.name,
      restricted: kinds.length > 0,
      restrictionKinds: kinds,
      apiTargets,
      unrestricted,
      aiReach: unrestricted || apiTargets.some((t) => AI_SERVICES.includes(t.service)),
      boundServiceAccount: key.serviceAccountEmail ?? null,
    },
  };
}
