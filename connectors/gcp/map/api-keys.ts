/**
 * API keys (API Keys v2) -> credentials, with their restrictions recorded as they are and
 * whether the key can reach Google's AI services. Pure.
 */
import { isoOrNull, type Credential, type Identity } from '../../../src/connector/index.js';
import type { RawApiKey, RawApiTarget } from '../schema.js';
import { lastSegment } from './service-accounts.js';

export const API_KEY_HOLDER_SUFFIX = '/apiKeys';

/** Google's generative AI as a key or grant reaches it: the Gemini API or Vertex AI. */
export type AiService = 'gemini' | 'vertex';

/**
 * Services through which an API key reaches generative AI: the Gemini API
 * (generativelanguage) and Vertex AI (aiplatform, which serves Gemini too, and takes API keys
 * in express mode).
 */
export const AI_SERVICES: Readonly<Record<string, AiService>> = {
  'generativelanguage.googleapis.com': 'gemini',
  'aiplatform.googleapis.com': 'vertex',
};

/**
 * The AI service a key can call. A key without API restrictions can call every API enabled on
 * its project: the Gemini API is the one that takes API keys as its way in, so such a key is
 * recorded as reaching `gemini` (whether the API is enabled on the project is not read).
 */
function keyAiService(apiTargets: { service: string }[]): AiService | null {
  if (apiTargets.length === 0) return 'gemini';
  const reached = apiTargets
    .filter((t) => Object.hasOwn(AI_SERVICES, t.service))
    .map((t) => AI_SERVICES[t.service]);
  if (reached.includes('gemini')) return 'gemini';
  return reached[0] ?? null;
}

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
  const aiService = keyAiService(apiTargets);
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
      // No API restriction: the key may call every API enabled on the project, Gemini included.
      apiRestricted: apiTargets.length > 0,
      ...(aiService ? { aiService } : {}),
      boundServiceAccount: key.serviceAccountEmail ?? null,
    },
  };
}
