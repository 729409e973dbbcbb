import { oidcTrustNoSubject as rule } from './oidc-trust-no-subject.js';
import { ruleTable } from '../test-table.js';
import { identity } from '../testing.js';

const GH = 'token.actions.githubusercontent.com';
const role = (attributes: Record<string, unknown>) =>
  identity({
    kind: 'role',
    name: 'gha-deploy',
    externalId: 'arn:aws:iam::111122223333:role/gha-deploy',
    attributes,
  });
const doc = (condition?: unknown) => ({
  Statement: [
    {
      Effect: 'Allow',
      Principal: { Federated: `arn:aws:iam::111122223333:oidc-provider/${GH}` },
      Action: 'sts:AssumeRoleWithWebIdentity',
      ...(condition ? { Condition: condition } : {}),
    },
  ],
});

ruleTable(rule, [
  {
    name: 'agreed shape, GitHub issuer, no sub condition: flagged',
    data: () => ({
      identities: [
        role({
          trust: {
            externalAccounts: [],
            externalIdCondition: false,
            oidcProviders: [GH],
            oidcSubjectCondition: false,
          },
        }),
      ],
    }),
    expect: 'fail',
    evidence: { oidcProviders: [GH] },
  },
  {
    name: 'agreed shape with sub condition: fine',
    data: () => ({
      identities: [role({ trust: { oidcProviders: [GH], oidcSubjectCondition: true } })],
    }),
    expect: 'pass',
  },
  {
    name: 'raw document with only an aud condition: flagged',
    data: () => ({
      identities: [
        role({ trustPolicy: doc({ StringEquals: { [`${GH}:aud`]: 'sts.amazonaws.com' } }) }),
      ],
    }),
    expect: 'fail',
  },
  {
    name: 'raw document whose sub is just "*": flagged',
    data: () => ({
      identities: [role({ trustPolicy: doc({ StringLike: { [`${GH}:sub`]: '*' } }) })],
    }),
    expect: 'fail',
  },
  {
    name: 'raw document with a repo subject: fine',
    data: () => ({
      identities: [
        role({ trustPolicy: doc({ StringLike: { [`${GH}:sub`]: 'repo:orbital-freight/api:*' } }) }),
      ],
    }),
    expect: 'pass',
  },
  {
    name: 'other issuer not in the list: fine',
    data: () => ({
      identities: [
        role({
          trust: {
            oidcProviders: ['oidc.eks.eu-west-1.amazonaws.com/id/X'],
            oidcSubjectCondition: false,
          },
        }),
      ],
    }),
    expect: 'pass',
  },
  {
    name: 'AWS connector analysis: per-provider hasSubCondition',
    data: () => ({
      identities: [
        role({
          trustPolicy: {
            externalAccounts: [],
            oidc: [{ provider: GH, hasSubCondition: false, hasAudCondition: true }],
            oidcWithoutSubCondition: true,
          },
        }),
      ],
    }),
    expect: 'fail',
    evidence: { oidcProviders: [GH], from: 'attributes.trustPolicy' },
  },
  {
    name: 'AWS connector analysis with a sub condition: fine',
    data: () => ({
      identities: [
        role({
          trustPolicy: {
            oidc: [{ provider: GH, hasSubCondition: true }],
            oidcWithoutSubCondition: false,
          },
        }),
      ],
    }),
    expect: 'pass',
  },
  {
    name: 'AWS role with no trust data: not evaluated',
    data: () => ({ identities: [role({})] }),
    expect: 'not-evaluated',
  },
]);
