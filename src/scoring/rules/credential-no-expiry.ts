import { z } from 'zod';
import type { CredentialType } from '../../model/index.js';
import { defineRule } from '../types.js';
import { DAY_MS, parseDate } from '../time.js';
import { days, fail, label, liveCredentials } from './_helpers.js';

export const EXPIRING_TYPES: CredentialType[] = [
  'client-secret',
  'certificate',
  'fine-grained-pat',
  'classic-pat',
  'service-account-key',
];

export const credentialNoExpiry = defineRule({
  id: 'credential-no-expiry',
  title: 'Credential never expires, or expires too far away',
  description:
    'A credential of a type that supports an expiry date has none, or one further away than the ' +
    'allowed lifetime. Such secrets outlive the people and systems that know about them.',
  help:
    'Replace it with a credential that expires within the allowed lifetime (`nhi rotate`), ' +
    'and set an organisation policy that enforces a maximum lifetime.',
  severity: 'medium',
  owasp: 'NHI7',
  cis: {},
  playbook: 'rotate',
  signals: [],
  options: z.object({
    maxDaysToExpiry: z
      .number()
      .int()
      .min(1)
      .default(365)
      .describe('Largest allowed distance from now to the expiry date, in days'),
    types: z
      .array(z.string())
      .default(EXPIRING_TYPES)
      .describe('Credential types that support an expiry date'),
  }),
  providerDefaults: {},
  *evaluate(ctx) {
    for (const { credential, identity, options } of liveCredentials(
      ctx,
      (o) => o.types as CredentialType[],
    )) {
      const expires = parseDate(credential.expiresAt);
      if (!expires) {
        yield fail(identity, credential, `${label(credential)} never expires`, {
          expiresAt: null,
          maxDaysToExpiry: options.maxDaysToExpiry,
        });
        continue;
      }
      if (expires.getTime() - ctx.now.getTime() <= options.maxDaysToExpiry * DAY_MS) continue;
      const left = days(ctx.now, expires);
      yield fail(
        identity,
        credential,
        `${label(credential)} expires in ${left} days (limit ${options.maxDaysToExpiry})`,
        {
          expiresAt: expires.toISOString(),
          daysToExpiry: left,
          maxDaysToExpiry: options.maxDaysToExpiry,
        },
      );
    }
  },
});
