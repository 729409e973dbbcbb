import { z } from 'zod';
import { defineRule } from '../types.js';
import { fail, notEvaluated } from './_helpers.js';
import { expectsTrust, readTrust } from './_trust.js';

export const oidcTrustNoSubject = defineRule({
  id: 'oidc-trust-no-subject',
  title: 'OIDC trust without a subject condition',
  description:
    'A role trusts an OIDC issuer such as GitHub Actions (token.actions.githubusercontent.com) ' +
    'without restricting the token subject (`…:sub`), so any repository or workflow on that ' +
    'issuer can assume it.',
  help:
    'Add a condition on the subject claim, e.g. `StringLike: {"token.actions.githubusercontent.com:sub": ' +
    '"repo:my-org/my-repo:ref:refs/heads/main"}`, and on the audience (`…:aud` = sts.amazonaws.com).',
  severity: 'critical',
  owasp: 'NHI6',
  cis: {},
  defaultsFrom: null,
  fix: {
    manual: {
      steps: [
        'IAM console > Roles > {name} > Trust relationships > Edit trust policy: in the statement trusting the OIDC provider add `"StringLike": {"token.actions.githubusercontent.com:sub": "repo:<org>/<repo>:ref:refs/heads/<branch>"}` and `"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}`',
        'Or write the policy to trust.json and run `aws iam update-assume-role-policy --role-name {name} --policy-document file://trust.json`',
      ],
      docs: [
        'https://docs.github.com/actions/security-for-github-actions/security-hardening-your-deployments/configuring-openid-connect-in-amazon-web-services',
        'https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html',
      ],
    },
  },
  signals: ['authorization-details'],
  options: z.object({
    issuers: z
      .array(z.string())
      .default(['token.actions.githubusercontent.com'])
      .describe(
        'OIDC issuers (substring of the provider) whose tokens anyone can mint: a subject condition is required',
      ),
  }),
  providerDefaults: {},
  *evaluate(ctx) {
    for (const identity of ctx.identities) {
      const trust = readTrust(identity);
      if (!trust) {
        if (expectsTrust(identity))
          yield notEvaluated(ctx, identity, undefined, 'trust policy not recorded');
        continue;
      }
      const { issuers } = ctx.options(identity);
      const providers = trust.oidcWithoutSubject.filter((p) => issuers.some((i) => p.includes(i)));
      if (providers.length === 0) continue;
      yield fail(
        identity,
        undefined,
        `${identity.name} trusts ${providers.join(', ')} without a subject condition`,
        {
          oidcProviders: providers,
          oidcSubjectCondition: false,
          from: trust.from,
        },
      );
    }
  },
});
