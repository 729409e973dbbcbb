/** The findings-ready facts on an AI account and its keys, whatever its kind. */
import { describe, expect, it } from 'vitest';
import { aiAccountIdentity, aiAccountKeys } from './ai.js';

const sub = { id: 'sub-1', name: 'prod' };
const account = (kind: string, disableLocalAuth?: boolean) => ({
  id: `/subscriptions/sub-1/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/${kind}-x`,
  name: `${kind}-x`,
  kind,
  properties: disableLocalAuth === undefined ? {} : { disableLocalAuth },
});

describe('AI account facts', () => {
  it('OpenAI and AIServices accounts are azure-openai; other kinds azure-ai-services', () => {
    expect(aiAccountIdentity(account('OpenAI'), sub).attributes.aiService).toBe('azure-openai');
    expect(aiAccountIdentity(account('AIServices'), sub).attributes.aiService).toBe('azure-openai');
    expect(aiAccountIdentity(account('SpeechServices'), sub).attributes.aiService).toBe(
      'azure-ai-services',
    );
  });

  it('key authentication is on unless disableLocalAuth is true, on the account and its keys', () => {
    for (const [flag, on] of [
      [undefined, true],
      [false, true],
      [true, false],
    ] as const) {
      const a = account('OpenAI', flag);
      expect(aiAccountIdentity(a, sub).attributes.localAuthEnabled).toBe(on);
      for (const k of aiAccountKeys(a)) {
        expect(k.attributes.localAuthEnabled).toBe(on);
        expect(k.status).toBe(on ? 'active' : 'inactive');
      }
    }
  });
});
