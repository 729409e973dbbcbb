import { aiApiKeyUnrestricted as rule } from './ai-api-key-unrestricted.js';
import { ruleTable } from '../test-table.js';
import { credential, identity } from '../testing.js';

const holder = identity({
  provider: 'gcp',
  scopeId: 'of-ml-prod',
  scopeName: 'of-ml-prod',
  kind: 'application',
  externalId: 'projects/of-ml-prod/apiKeys',
  name: 'API keys of of-ml-prod',
});
const key =
  (attributes: Record<string, unknown>, over: Parameters<typeof credential>[1] = {}) =>
  () => ({
    identities: [holder],
    credentials: [
      credential(holder, {
        type: 'api-key',
        externalId: 'a1b2c3',
        name: 'Gemini prototype',
        lastUsedKnown: false,
        lastUsedAt: null,
        attributes,
        ...over,
      }),
    ],
  });

ruleTable(rule, [
  {
    name: 'no API restriction: can call Gemini, flagged',
    data: key({ apiRestricted: false, aiService: 'gemini', restrictionKinds: [] }),
    expect: 'fail',
    cis: 'CIS GCP Foundations 3.0 1.14',
    evidence: { aiService: 'gemini', apiRestricted: false },
  },
  {
    name: 'only an IP restriction, no API restriction: still flagged',
    data: key({
      apiRestricted: false,
      aiService: 'gemini',
      restrictionKinds: ['serverKeyRestrictions'],
    }),
    expect: 'fail',
  },
  {
    name: 'restricted to the Gemini API: fine',
    data: key({ apiRestricted: true, aiService: 'gemini' }),
    expect: 'pass',
  },
  {
    name: 'restricted to Maps: fine',
    data: key({ apiRestricted: true }),
    expect: 'pass',
  },
  {
    name: 'a deleted (inactive) key: fine',
    data: key({ apiRestricted: false, aiService: 'gemini' }, { status: 'inactive' }),
    expect: 'pass',
  },
]);
