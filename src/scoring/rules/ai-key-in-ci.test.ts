import { expect } from 'vitest';
import { aiKeyInCi as rule } from './ai-key-in-ci.js';
import { ruleTable } from '../test-table.js';
import { credential, gap, identity } from '../testing.js';

const repo = identity({
  provider: 'github',
  scopeId: 'orbital-freight',
  scopeName: 'orbital-freight',
  kind: 'repository',
  externalId: 'orbital-freight/ml-platform',
  name: 'orbital-freight/ml-platform',
});
const secret =
  (
    name: string,
    attributes: Record<string, unknown> = {},
    type: 'actions-secret' | 'dependabot-secret' | 'webhook-secret' = 'actions-secret',
  ) =>
  () => ({
    identities: [repo],
    credentials: [
      credential(repo, { type, name, externalId: `${type}:${repo.name}:${name}`, attributes }),
    ],
  });

ruleTable(rule, [
  {
    name: 'OPENAI_API_KEY Actions secret: flagged, OpenAI federation named',
    data: secret('OPENAI_API_KEY', { storesAiKey: 'openai' }),
    expect: 'fail',
    evidence: {
      storesAiKey: 'openai',
      replacement: expect.stringContaining('developers.openai.com') as unknown,
    },
  },
  {
    name: 'ANTHROPIC_API_KEY: flagged, Anthropic federation named',
    data: secret('ANTHROPIC_API_KEY', { storesAiKey: 'anthropic' }),
    expect: 'fail',
    evidence: { replacement: expect.stringContaining('platform.claude.com') as unknown },
  },
  {
    name: 'a Hugging Face token Dependabot reads: flagged, no federation to offer',
    data: secret('HF_TOKEN', { storesAiKey: 'huggingface' }, 'dependabot-secret'),
    expect: 'fail',
    evidence: {
      replacement: expect.stringContaining('no workload identity federation') as unknown,
    },
  },
  { name: 'an ordinary secret: fine', data: secret('NPM_TOKEN'), expect: 'pass' },
  {
    name: 'a name the connector did not recognise is not guessed',
    data: secret('LLM_GATEWAY_TOKEN'),
    expect: 'pass',
  },
  {
    name: 'names added by the policy are flagged',
    data: secret('LLM_GATEWAY_TOKEN'),
    policy: {
      rules: { 'ai-key-in-ci': { options: { namePatterns: ['LLM_*_TOKEN'] } } },
      exceptions: [],
    },
    expect: 'fail',
    evidence: { matchedPattern: 'LLM_*_TOKEN' },
  },
  {
    name: 'a webhook secret is not a CI secret',
    data: secret('OPENAI_API_KEY', { storesAiKey: 'openai' }, 'webhook-secret'),
    expect: 'pass',
  },
  {
    name: 'repository secrets unreadable (gap): not evaluated',
    data: () => ({ identities: [repo], gaps: [gap(repo, 'repo-actions-secrets')] }),
    expect: 'not-evaluated',
  },
]);
