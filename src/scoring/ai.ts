/**
 * AI reach: whether a credential, identity or grant reaches an AI service (Bedrock, SageMaker,
 * Vertex AI / Gemini, Azure OpenAI / AI Services, OpenAI and Anthropic themselves). Decided in
 * this one place from what the connectors record, and stored with each evaluation (findings and
 * scores carry `ai`), so `list`, `report` and `check` filter on it with `--ai`.
 *
 * - a credential or identity whose connector names the service (`attributes.aiService`);
 * - a CI secret holding an AI provider's key (`attributes.storesAiKey`);
 * - a grant whose actions or role name an AI service: AWS `bedrock:*`, `bedrock-agentcore:*`,
 *   `sagemaker:*`; GCP `roles/aiplatform.*` and the connector's `aiService`; Azure
 *   `Microsoft.CognitiveServices/*` or a Cognitive Services / Azure AI / OpenAI role. A full
 *   wildcard (`*`) does not count: it reaches everything and is admin-grant's business.
 *
 * An identity reaches AI through its own attributes, its grants or an AI credential it holds; a
 * credential through its own attributes or its identity's attributes and grants (not through a
 * sibling: a repository holding one AI key does not make its other secrets AI keys).
 */
import type { StoredCredential, StoredGrant, StoredIdentity } from '../model/index.js';

/** AWS services whose actions reach AI models. */
const AWS_AI_SERVICES = new Set(['bedrock', 'bedrock-agentcore', 'sagemaker']);
const AZURE_AI = /^Microsoft\.CognitiveServices\//i;
const AZURE_AI_ROLE = /Cognitive Services|Azure AI|OpenAI/i;
const GCP_AI_ROLE = /^roles\/(aiplatform|ml|discoveryengine|cloudaicompanion)\./;

/** The AI service a record's connector names, if any (`true` from older catalogs counts). */
function namedService(attributes: Record<string, unknown>): string | null {
  const v = attributes.aiService ?? attributes.storesAiKey;
  if (typeof v === 'string' && v !== '') return v;
  return v === true ? 'ai' : null;
}

function patterns(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** The AI service a grant reaches, if any. */
export function grantAiService(g: StoredGrant): string | null {
  const named = namedService(g.attributes);
  if (named) return named;
  if (g.provider === 'aws') {
    for (const action of [...patterns(g.attributes.actions), g.permission]) {
      const service = action.split(':')[0]?.toLowerCase() ?? '';
      if (AWS_AI_SERVICES.has(service)) return service === 'sagemaker' ? 'sagemaker' : 'bedrock';
    }
    return null;
  }
  if (g.provider === 'gcp') return GCP_AI_ROLE.test(g.permission) ? 'vertex' : null;
  if (g.provider === 'azure') {
    const actions = [...patterns(g.attributes.actions), g.permission];
    return actions.some((a) => AZURE_AI.test(a)) || AZURE_AI_ROLE.test(g.permission)
      ? 'azure-ai'
      : null;
  }
  return null;
}

export interface AiReach {
  identities: ReadonlySet<string>;
  credentials: ReadonlySet<string>;
}

/** Which of these identities and credentials (by id) reach an AI service. */
export function aiReach(
  identities: readonly StoredIdentity[],
  credentials: readonly StoredCredential[],
  grants: readonly StoredGrant[],
): AiReach {
  // Identities that reach AI by themselves or through their grants: their credentials do too.
  const direct = new Set<string>();
  for (const i of identities) if (namedService(i.attributes)) direct.add(i.id);
  for (const g of grants)
    if (!direct.has(g.identityId) && grantAiService(g)) direct.add(g.identityId);
  const ids = new Set(direct);
  const creds = new Set<string>();
  for (const c of credentials) {
    if (namedService(c.attributes)) {
      creds.add(c.id);
      ids.add(c.identityId);
    } else if (direct.has(c.identityId)) creds.add(c.id);
  }
  return { identities: ids, credentials: creds };
}

/**
 * Rules whose findings rank higher on AI-reaching subjects: unused, admin and long-lived
 * credentials are the AI keys that leak and get abused (model spend, data sent to models).
 */
export const AI_RANKED_RULES: Readonly<Record<string, 'unused' | 'admin' | 'long-lived'>> = {
  'ai-admin-key-unused': 'unused',
  'credential-never-used': 'unused',
  'credential-unused': 'unused',
  'identity-dormant': 'unused',
  'unused-grant': 'unused',
  'admin-grant': 'admin',
  'bedrock-key-broad-access': 'admin',
  'permissions-management': 'admin',
  'privilege-escalation': 'admin',
  'bedrock-key-long-term': 'long-lived',
  'credential-no-expiry': 'long-lived',
  'credential-rotation': 'long-lived',
};

/** A ranked finding on an AI-reaching subject counts this many times its severity's points. */
export const AI_POINTS_FACTOR = 2;
