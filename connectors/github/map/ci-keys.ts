/**
 * What a CI secret's name says it holds: a static cloud key (GitHub Actions OIDC federation
 * replaces it) or an AI provider's API key. GitHub never returns secret values, so the name is
 * the evidence; the patterns match whole `_`-separated words, case-insensitively.
 */

export type CloudProvider = 'aws' | 'azure' | 'gcp';

const CLOUD_KEY_PATTERNS: [CloudProvider, RegExp][] = [
  ['aws', /(^|_)AWS_(SECRET_ACCESS_KEY|ACCESS_KEY_ID|ACCESS_KEY|SECRET_KEY|SECRET)($|_)/],
  [
    'azure',
    /(^|_)(AZURE_CLIENT_SECRET|AZURE_CREDENTIALS|ARM_CLIENT_SECRET|AZURE_SP_(SECRET|PASSWORD|CREDENTIALS))($|_)/,
  ],
  [
    'gcp',
    /(^|_)(GOOGLE_CREDENTIALS|GOOGLE_APPLICATION_CREDENTIALS|GCP_SA_KEY|GCP_CREDENTIALS|GCLOUD_SERVICE_KEY|GCP_SERVICE_ACCOUNT|SERVICE_ACCOUNT_KEY|SA_KEY_JSON)($|_)/,
  ],
];

export const OIDC_RECOMMENDATION: Record<CloudProvider, string> = {
  aws: 'Replace the static AWS access key with GitHub Actions OIDC federation: an IAM role trusting token.actions.githubusercontent.com (aws-actions/configure-aws-credentials with role-to-assume), then delete the key.',
  azure:
    'Replace the Azure client secret with GitHub Actions OIDC federation: a federated identity credential on the app registration (azure/login with client-id/tenant-id/subscription-id), then delete the secret.',
  gcp: 'Replace the service-account key with GitHub Actions OIDC federation: Workload Identity Federation (google-github-actions/auth with workload_identity_provider), then delete the key.',
};

/** Which cloud's static key a secret's name says it holds, if any. */
export function cloudKeyOf(secretName: string): CloudProvider | null {
  const name = secretName.toUpperCase();
  for (const [provider, re] of CLOUD_KEY_PATTERNS) if (re.test(name)) return provider;
  return null;
}

/** AI providers whose API keys CI secrets are recognised for (ids, like storesCloudKey's). */
export const AI_PROVIDERS = {
  'azure-openai': { title: 'Azure OpenAI', words: /(^|_)(AZURE_OPENAI|AOAI)(_|$)/ },
  openai: { title: 'OpenAI', words: /(^|_)OPENAI(_|$)/ },
  anthropic: { title: 'Anthropic', words: /(^|_)(ANTHROPIC|CLAUDE)(_|$)/ },
  'google-ai': {
    title: 'Google AI (Gemini)',
    words: /(^|_)(GEMINI|GOOGLE_AI|GOOGLE_GENERATIVE_AI|GOOGLE_GENAI|AI_STUDIO)(_|$)/,
  },
  huggingface: {
    title: 'Hugging Face',
    words: /(^|_)(HF|HUGGINGFACE|HUGGINGFACEHUB|HUGGING_FACE)(_|$)/,
  },
  mistral: { title: 'Mistral AI', words: /(^|_)MISTRAL(_|$)/ },
  cohere: { title: 'Cohere', words: /(^|_)COHERE(_|$)|^CO_API_KEY$/ },
  groq: { title: 'Groq', words: /(^|_)GROQ(_|$)/ },
  together: { title: 'Together AI', words: /(^|_)(TOGETHER|TOGETHERAI|TOGETHER_AI)(_|$)/ },
  replicate: { title: 'Replicate', words: /(^|_)REPLICATE(_|$)/ },
  perplexity: { title: 'Perplexity', words: /(^|_)(PERPLEXITY|PPLX)(_|$)/ },
  xai: { title: 'xAI (Grok)', words: /(^|_)(XAI|GROK)(_|$)/ },
  deepseek: { title: 'DeepSeek', words: /(^|_)DEEPSEEK(_|$)/ },
  fireworks: { title: 'Fireworks AI', words: /(^|_)(FIREWORKS|FIREWORKS_AI)(_|$)/ },
  openrouter: { title: 'OpenRouter', words: /(^|_)OPENROUTER(_|$)/ },
  voyage: { title: 'Voyage AI', words: /(^|_)(VOYAGE|VOYAGEAI|VOYAGE_AI)(_|$)/ },
} as const satisfies Record<string, { title: string; words: RegExp }>;

export type AiProvider = keyof typeof AI_PROVIDERS;

/** A word that says the secret is a credential (not a model name, URL or organization id). */
const CREDENTIAL_WORD = /(^|_)(API_?KEYS?|KEYS?|TOKENS?|SECRETS?|ACCESS_KEY|PAT)(_|$)/;

/**
 * Which AI provider's API key a secret's name says it holds, if any: a provider's name and a
 * credential word (`OPENAI_API_KEY`, `PROD_ANTHROPIC_KEY`, `HF_TOKEN`); `OPENAI_BASE_URL` or
 * `GEMINI_MODEL` are not keys. The generic `GOOGLE_API_KEY` is left out: it names any Google
 * API key (Maps, YouTube…), not necessarily Gemini's.
 */
export function aiKeyOf(secretName: string): AiProvider | null {
  const name = secretName.toUpperCase();
  if (!CREDENTIAL_WORD.test(name)) return null;
  for (const [provider, { words }] of Object.entries(AI_PROVIDERS))
    if (words.test(name)) return provider as AiProvider;
  return null;
}
