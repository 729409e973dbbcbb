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
    name: 'AWS connector analysis: only the account lacking ExternalId is named',
    data: () => ({
      identities: [
        role({
          trustPolicy: {
            externalAccounts: ['999988887777', '555566667777'],
            externalAccountsWithoutExternalId: ['555566667777'],
            hasExternalIdCondition: true,
            oidc: [],
            oidcWithoutSubCondition: false,
            publicPrincipal: false,
          },
        }),
      ],
    }),
    expect: 'fail',
    evidence: { externalAccounts: ['555566667777'], from: 'attributes.trustPolicy' },
  },
  {
    name: 'AWS connector analysis: ExternalId on every external statement: fine',
    data: () => ({
      identities: [
        role({
          trustPolicy: {
            externalAccounts: ['999988887777'],
            externalAccountsWithoutExternalId: [],
            hasExternalIdCondition: true,
          },
        }),
      ],
    }),
    expect: 'pass',
  },
  {
    name: 'top-level attributes (no trustPolicy document): role-wide boolean',
    data: () => ({
      identities: [
        role({
          trustPolicy: null,
          externalAccounts: ['999988887777'],
          hasExternalIdCondition: false,
        }),
      ],
    }),
    expect: 'fail',
  },
  {
    name: 'Principal "*" without ExternalId: flagged as anyone',
    data: () => ({
      identities: [
        role({
          trustPolicy: {
            Statement: [{ Effect: 'Allow', Principal: '*', Action: 'sts:AssumeRole' }],
          },
        }),
      ],
    }),
    expect: 'fail',
    evidence: { externalAccounts: ['*'] },
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
