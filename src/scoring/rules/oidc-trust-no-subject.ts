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
  playbook: null,
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
