import { bedrockKeyLongTerm as rule } from './bedrock-key-long-term.js';
import { ruleTable } from '../test-table.js';
import { ahead, credential, identity } from '../testing.js';

const user = identity({
  externalId: 'arn:aws:iam::111122223333:user/ml/ml-inference',
  name: 'ml-inference',
});
const key =
  (over: Parameters<typeof credential>[1] = {}, attributes: Record<string, unknown> = {}) =>
  () => ({
    identities: [user],
    credentials: [
      credential(user, {
        type: 'service-specific-credential',
        externalId: 'ACCAEXAMPLEBEDROCK01',
        name: 'ml-inference/bedrock.amazonaws.com/ACCAEXAMPLEBEDROCK01',
        lastUsedKnown: false,
        lastUsedAt: null,
        attributes: { service: 'bedrock.amazonaws.com', aiService: 'bedrock', ...attributes },
        ...over,
      }),
    ],
  });

ruleTable(rule, [
  {
    name: 'never expires: flagged',
    data: key(),
    expect: 'fail',
    evidence: { expiresAt: null, maxDaysToExpiry: 30 },
  },
  {
    name: 'expires exactly at the limit: fine',
    data: key({ expiresAt: ahead(30) }),
    expect: 'pass',
  },
  {
    name: 'expires a minute past the limit: flagged',
    data: key({ expiresAt: ahead(30, 1) }),
    expect: 'fail',
    evidence: { daysToExpiry: 30 },
  },
  { name: 'a 30-day key, 20 days left: fine', data: key({ expiresAt: ahead(20) }), expect: 'pass' },
  {
    name: 'a one-year key: flagged',
    data: key({ expiresAt: ahead(365) }),
    expect: 'fail',
    evidence: { daysToExpiry: 365 },
  },
  { name: 'inactive key: fine', data: key({ status: 'inactive' }), expect: 'pass' },
  {
    name: 'CodeCommit credentials are not Bedrock keys',
    data: key({}, { service: 'codecommit.amazonaws.com', aiService: undefined }),
    expect: 'pass',
  },
  {
    name: 'recognised by its service name when aiService is missing',
    data: key({}, { aiService: undefined }),
    expect: 'fail',
  },
]);
