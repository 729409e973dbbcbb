/** A small evaluated estate shared by renderer tests: every renderer sees the same input. */
import { evaluate, type Evaluation } from '../scoring/engine.js';
import { NOW, ago, awsGrant, credential, gap, identity, input } from '../scoring/testing.js';
import type { ReportInput } from './types.js';
import { annotateFindings, attributeAll } from '../owners/annotate.js';

export function reportFixture(): ReportInput & Evaluation {
  const user = identity({
    id: 'i-user',
    name: 'ci|deployer',
    owner: null,
    attributes: { consolePassword: true },
  });
  const role = identity({
    id: 'i-role',
    kind: 'role',
    name: '=cmd()',
    externalId: 'arn:aws:iam::111122223333:role/=cmd()',
    attributes: {
      trust: {
        externalAccounts: ['999988887777'],
        externalIdCondition: false,
        oidcProviders: [],
        oidcSubjectCondition: false,
      },
    },
  });
  const repo = identity({
    id: 'i-repo',
    provider: 'github',
    scopeId: 'orbital-freight',
    scopeName: 'orbital-freight',
    kind: 'repository',
    externalId: 'orbital-freight/api',
    name: 'orbital-freight/api',
  });
  const subjects = {
    identities: [user, role, repo],
    credentials: [
      credential(user, {
        id: 'c-old',
        externalId: 'AKIAOLD',
        createdAt: ago(200),
        lastUsedAt: ago(100),
      }),
      credential(user, {
        id: 'c-new',
        externalId: 'AKIANEW',
        createdAt: ago(2),
        lastUsedAt: null,
      }),
      credential(repo, {
        id: 'c-dk',
        type: 'deploy-key',
        externalId: '42',
        name: 'deploy',
        attributes: { addedBy: 'octo|cat' },
        lastUsedKnown: false,
        lastUsedAt: null,
      }),
    ],
  };
  const ev = evaluate(
    input({
      ...subjects,
      grants: [
        awsGrant(role, { actions: ['*'], source: 'arn:aws:iam::aws:policy/AdministratorAccess' }),
      ],
      gaps: [gap(repo, 'deploy-keys')],
    }),
    {
      rules: {},
      exceptions: [
        {
          rule: 'human-traits',
          id: 'i-user',
          reason: 'break-glass account, reviewed',
          expires: '2027-01-31',
          source: 'nhi.config.yaml:12:5',
        },
        {
          rule: 'no-owner',
          reason: 'old waiver',
          expires: '2026-10-01',
          source: 'nhi.config.yaml:16:5',
        },
      ],
    },
  );
  // Owners as views attach them: the role's owner tag, the deploy key's added_by, none for the user.
  const findings = annotateFindings(ev.findings, attributeAll(subjects));
  return { ...ev, findings, gaps: [gap(repo, 'deploy-keys')], generatedAt: NOW.toISOString() };
}
