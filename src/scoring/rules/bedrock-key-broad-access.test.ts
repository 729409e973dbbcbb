import { bedrockKeyBroadAccess as rule } from './bedrock-key-broad-access.js';
import { ruleTable } from '../test-table.js';
import { awsGrant, credential, gap, identity } from '../testing.js';
import type { StoredGrant, StoredIdentity } from '../../model/index.js';

const user = identity({
  externalId: 'arn:aws:iam::111122223333:user/ml/ml-inference',
  name: 'ml-inference',
});
const bedrockKey = credential(user, {
  type: 'service-specific-credential',
  externalId: 'ACCAEXAMPLEBEDROCK01',
  lastUsedKnown: false,
  lastUsedAt: null,
  attributes: { service: 'bedrock.amazonaws.com', aiService: 'bedrock' },
});
const withGrants =
  (grants: (u: StoredIdentity) => StoredGrant[], key = bedrockKey) =>
  () => ({ identities: [user], credentials: [key], grants: grants(user) });

ruleTable(rule, [
  {
    name: 'invoke only: fine',
    data: withGrants((u) => [
      awsGrant(u, { actions: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'] }),
    ]),
    expect: 'pass',
  },
  {
    name: 'bedrock:* on every resource (every action of the service): flagged',
    data: withGrants((u) => [awsGrant(u, { actions: ['bedrock:*'] })]),
    expect: 'fail',
    evidence: { classes: ['service-wildcard'] },
  },
  {
    name: 'the user is an administrator: flagged',
    data: withGrants((u) => [awsGrant(u, { actions: ['*'] })]),
    expect: 'fail',
    evidence: { classes: ['admin'] },
  },
  {
    name: 'the user can pass roles to Lambda: flagged as escalation',
    data: withGrants((u) => [
      awsGrant(u, { actions: ['bedrock:InvokeModel'] }),
      awsGrant(u, {
        actions: ['iam:PassRole', 'lambda:CreateFunction', 'lambda:InvokeFunction'],
      }),
    ]),
    expect: 'fail',
    evidence: { classes: ['privilege-escalation'] },
  },
  {
    name: 'an access key on the same admin user is not a Bedrock key',
    data: withGrants(
      (u) => [awsGrant(u, { actions: ['*'] })],
      credential(user, { type: 'access-key' }),
    ),
    expect: 'pass',
  },
  {
    name: "the user's permissions could not be read: not evaluated",
    data: () => ({
      identities: [user],
      credentials: [bedrockKey],
      gaps: [gap(user, 'authorization-details')],
    }),
    expect: 'not-evaluated',
  },
  {
    name: 'ignored permissions do not count',
    data: withGrants((u) => [awsGrant(u, { actions: ['bedrock:*'] })]),
    policy: {
      rules: { 'bedrock-key-broad-access': { options: { ignorePermissions: ['bedrock:*'] } } },
      exceptions: [],
    },
    expect: 'pass',
  },
]);
