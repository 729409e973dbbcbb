import { z } from 'zod';
import { defineRule } from '../types.js';
import { fail, notEvaluated } from './_helpers.js';
import { expectsTrust, readTrust } from './_trust.js';

export const externalTrustNoExternalId = defineRule({
  id: 'external-trust-no-external-id',
  title: 'Role assumable by an external account without an ExternalId',
  description:
    'A role trusts an account outside your organisation (a vendor, or anyone with "*") and the ' +
    'trust policy has no sts:ExternalId condition, so the vendor can be tricked into using its ' +
    'access on your behalf (the confused-deputy problem). Accounts nhi scanned count as your own.',
  help:
    'Add a `Condition: {StringEquals: {"sts:ExternalId": "<unique id from the vendor>"}}` to the ' +
    'trust policy statement, or remove the external principal if it is no longer needed.',
  severity: 'high',
  owasp: 'NHI3',
  cis: {},
  defaultsFrom: null,
  fix: {
    manual: {
      steps: [
        'Ask the vendor for the external id it uses for your account',
        'IAM console > Roles > {name} > Trust relationships > Edit trust policy: add `"Condition": {"StringEquals": {"sts:ExternalId": "<external id>"}}` to the statement trusting the account, or remove the principal if it is no longer needed (`aws iam update-assume-role-policy --role-name {name} --policy-document file://trust.json`)',
      ],
      docs: [
        'https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-user_externalid.html',
      ],
    },
  },
  signals: ['authorization-details'],
  options: z.object({
    trustedAccounts: z
      .array(z.string())
      .default([])
      .describe('Account ids treated as your own (no ExternalId needed)'),
  }),
  providerDefaults: {},
  *evaluate(ctx) {
    const scanned = new Set(ctx.identities.map((i) => `${i.provider}/${i.scopeId}`));
    for (const identity of ctx.identities) {
      const trust = readTrust(identity);
      if (!trust) {
        if (expectsTrust(identity))
          yield notEvaluated(ctx, identity, undefined, 'trust policy not recorded');
        continue;
      }
      const { trustedAccounts } = ctx.options(identity);
      const external = trust.externalWithoutExternalId.filter(
        (a) =>
          a !== identity.scopeId &&
          !trustedAccounts.includes(a) &&
          !scanned.has(`${identity.provider}/${a}`),
      );
      if (external.length === 0) continue;
      yield fail(
        identity,
        undefined,
        `${identity.name} can be assumed by ${external.join(', ')} without an ExternalId condition`,
        {
          externalAccounts: external,
          externalIdCondition: false,
          from: trust.from,
        },
      );
    }
  },
});
