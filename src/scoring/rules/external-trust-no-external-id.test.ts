import { externalTrustNoExternalId as rule } from './external-trust-no-external-id.js';
import { ruleTable } from '../test-table.js';
import { identity } from '../testing.js';

const role = (attributes: Record<string, unknown>) =>
  identity({
    kind: 'role',
    name: 'vendor-audit',
    externalId: 'arn:aws:iam::111122223333:role/vendor-audit',
    attributes,
  });
const doc = (condition?: unknown) => ({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::999988887777:root' },
      Action: 'sts:AssumeRole',
      ...(condition ? { Condition: condition } : {}),
    },
  ],
});

ruleTable(rule, [
  {
    name: 'agreed shape: external account without ExternalId: flagged',
    data: () => ({
      identities: [
        role({
          trust: {
            externalAccounts: ['999988887777'],
            externalIdCondition: false,
            oidcProviders: [],
            oidcSubjectCondition: false,
          },
        }),
      ],
    }),
    expect: 'fail',
    evidence: { externalAccounts: ['999988887777'], from: 'attributes.trust' },
  },
  {
    name: 'agreed shape with ExternalId condition: fine',
    data: () => ({
      identities: [
        role({ trust: { externalAccounts: ['999988887777'], externalIdCondition: true } }),
      ],
    }),
    expect: 'pass',
  },
  {
    name: 'raw policy document without condition: flagged',
    data: () => ({ identities: [role({ trustPolicy: doc() })] }),
    expect: 'fail',
    evidence: { externalAccounts: ['999988887777'] },
  },
  {
    name: 'URL-encoded policy with sts:ExternalId: fine',
    data: () => ({
      identities: [
        role({
          assumeRolePolicyDocument: encodeURIComponent(
            JSON.stringify(doc({ StringEquals: { 'sts:ExternalId': 'x1' } })),
          ),
        }),
      ],
    }),
    expect: 'pass',
  },
  {
    name: 'own account only: fine',
    data: () => ({
      identities: [
        role({ trust: { externalAccounts: ['111122223333'], externalIdCondition: false } }),
      ],
    }),
    expect: 'pass',
  },
  {
    name: 'another scanned account of the organisation: fine',
    data: () => ({
      identities: [
        role({ trust: { externalAccounts: ['222233334444'], externalIdCondition: false } }),
        identity({ id: 'i-9', scopeId: '222233334444', externalId: 'x' }),
      ],
    }),
    expect: 'pass',
  },
  {
    name: 'account listed as trusted in the policy: fine',
    data: () => ({ identities: [role({ trustPolicy: doc() })] }),
    policy: {
      rules: {
        'external-trust-no-external-id': { options: { trustedAccounts: ['999988887777'] } },
      },
      exceptions: [],
    },
    expect: 'pass',
  },
  {
    name: 'AWS role with no trust data: not evaluated',
    data: () => ({ identities: [role({})] }),
    expect: 'not-evaluated',
  },
  {
    name: 'a user without trust data: not this rule',
    data: () => ({ identities: [identity()] }),
    expect: 'pass',
  },
]);
