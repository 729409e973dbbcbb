import { describe, expect, it } from 'vitest';
import { AI_PROVIDERS, aiKeyOf, cloudKeyOf } from './ci-keys.js';
import { mapSecrets } from './secrets.js';

describe('aiKeyOf: AI provider API keys kept as CI secrets', () => {
  it.each([
    ['OPENAI_API_KEY', 'openai'],
    ['OPENAI_KEY', 'openai'],
    ['PROD_OPENAI_API_KEY', 'openai'],
    ['openai_api_key', 'openai'],
    ['OPENAI_ADMIN_KEY', 'openai'],
    ['AZURE_OPENAI_API_KEY', 'azure-openai'],
    ['AZURE_OPENAI_KEY', 'azure-openai'],
    ['ANTHROPIC_API_KEY', 'anthropic'],
    ['CLAUDE_API_KEY', 'anthropic'],
    ['GEMINI_API_KEY', 'google-ai'],
    ['GOOGLE_AI_API_KEY', 'google-ai'],
    ['GOOGLE_GENERATIVE_AI_API_KEY', 'google-ai'],
    ['HF_TOKEN', 'huggingface'],
    ['HUGGINGFACE_TOKEN', 'huggingface'],
    ['HUGGING_FACE_HUB_TOKEN', 'huggingface'],
    ['HUGGINGFACEHUB_API_TOKEN', 'huggingface'],
    ['MISTRAL_API_KEY', 'mistral'],
    ['COHERE_API_KEY', 'cohere'],
    ['CO_API_KEY', 'cohere'],
    ['GROQ_API_KEY', 'groq'],
    ['TOGETHER_API_KEY', 'together'],
    ['TOGETHER_AI_API_KEY', 'together'],
    ['REPLICATE_API_TOKEN', 'replicate'],
    ['PERPLEXITY_API_KEY', 'perplexity'],
    ['PPLX_API_KEY', 'perplexity'],
    ['XAI_API_KEY', 'xai'],
    ['GROK_API_KEY', 'xai'],
    ['DEEPSEEK_API_KEY', 'deepseek'],
    ['FIREWORKS_API_KEY', 'fireworks'],
    ['OPENROUTER_API_KEY', 'openrouter'],
    ['VOYAGE_API_KEY', 'voyage'],
    // Settings next to the keys, and words that only contain a provider's name.
    ['OPENAI_BASE_URL', null],
    ['OPENAI_ORG_ID', null],
    ['AZURE_OPENAI_ENDPOINT', null],
    ['GEMINI_MODEL', null],
    ['HF_HOME', null],
    ['GOOGLE_API_KEY', null],
    ['COVERAGE_TOKEN', null],
    ['XAIR_TOKEN', null],
    ['TOGETHERNESS_KEY', null],
    ['NPM_TOKEN', null],
    ['WANDB_API_KEY', null],
    ['AWS_SECRET_ACCESS_KEY', null],
  ])('%s -> %s', (name, expected) => {
    expect(aiKeyOf(name)).toBe(expected);
  });

  it('every provider has a title for people and is recognised by its plainest key name', () => {
    for (const [id, p] of Object.entries(AI_PROVIDERS)) {
      expect(p.title, id).toBeTruthy();
      const plain = `${id.replace(/-/g, '_').toUpperCase()}_API_KEY`;
      expect(aiKeyOf(plain), plain).toBe(id);
    }
  });

  it('is recorded on Actions and Dependabot secrets like a static cloud key, by name only', () => {
    const secret = (name: string) => ({
      name,
      created_at: '2026-01-01T00:00:00Z',
      updated_at: '2026-01-01T00:00:00Z',
    });
    const [openai, aws] = mapSecrets('actions-secret', { level: 'repository', repo: 'a/b' }, [
      secret('OPENAI_API_KEY'),
      secret('AWS_SECRET_ACCESS_KEY'),
    ]).credentials;
    expect(openai!.attributes).toMatchObject({ storesAiKey: 'openai', handle: 'OPENAI_API_KEY' });
    expect(openai!.attributes).not.toHaveProperty('storesCloudKey');
    expect(aws!.attributes).toMatchObject({ storesCloudKey: 'aws' });
    expect(aws!.attributes).not.toHaveProperty('storesAiKey');
    const [hf] = mapSecrets('dependabot-secret', { level: 'organization', org: 'a' }, [
      secret('HF_TOKEN'),
    ]).credentials;
    expect(hf!.attributes).toMatchObject({ storesAiKey: 'huggingface' });
    expect(cloudKeyOf('HF_TOKEN')).toBeNull();
  });
});
