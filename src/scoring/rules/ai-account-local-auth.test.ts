import { aiAccountLocalAuth as rule } from './ai-account-local-auth.js';
import { ruleTable } from '../test-table.js';
import { credential, identity } from '../testing.js';

const account = (attributes: Record<string, unknown>, kind = 'cloud-resource' as const) => {
  const id = identity({
    provider: 'azure',
    scopeId: 'tenant-1',
    scopeName: 'orbital',
    kind,
    externalId:
      '/subscriptions/s1/resourceGroups/ml/providers/Microsoft.CognitiveServices/accounts/of-openai',
    name: 'of-openai',
    attributes,
  });
  return () => ({
    identities: [id],
    credentials: [
      credential(id, { type: 'account-key', externalId: `${id.externalId}/keys/key1` }),
    ],
  });
};

ruleTable(rule, [
  {
    name: 'Azure OpenAI account with key auth enabled: flagged on the account',
    data: account({ aiService: 'azure-openai', kind: 'OpenAI', localAuthEnabled: true }),
    expect: 'fail',
    subject: 'i-1',
    evidence: { aiService: 'azure-openai', localAuthEnabled: true },
  },
  {
    name: 'AI Services (Speech) account with key auth enabled: flagged',
    data: account({
      aiService: 'azure-ai-services',
      kind: 'SpeechServices',
      localAuthEnabled: true,
    }),
    expect: 'fail',
  },
  {
    name: 'disableLocalAuth set: fine',
    data: account({ aiService: 'azure-openai', localAuthEnabled: false }),
    expect: 'pass',
  },
  {
    name: 'a resource that is not an AI account: not judged',
    data: account({ localAuthEnabled: true }),
    expect: 'pass',
  },
]);
