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
  playbook: null,
  signals: ['authorization-details'],
  options: z.object({
    trustedAccounts: z
      .array(z.string())
      .default([])
      .describe('Account ids treated as your own (no ExternalId needed)'),
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
      const { trustedAccounts } = ctx.options(identity);
      const external = trust.externalWithoutExternalId.filter(
        (a) =>
          a !== identity.scopeId &&
          !trustedAccounts.includes(a) &&
          !ctx.scanned(identity.provider, a),
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
