import { z } from 'zod';
import type { CredentialType } from '../../model/index.js';
import { defineRule } from '../types.js';
import { REPLACE_CREDENTIAL } from './_fixes.js';
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
    'Replace it with a credential that expires within the allowed lifetime, and set an ' +
    'organisation policy that enforces a maximum lifetime.',
  severity: 'medium',
  owasp: 'NHI7',
  cis: {},
  defaultsFrom:
    '365 days (no CIS item; Prowler flags Entra secrets and certificates that never expire)',
  fix: {
    playbook: 'rotate',
    playbookProviders: ['azure'],
    ...REPLACE_CREDENTIAL,
    providers: {
      ...REPLACE_CREDENTIAL.providers,
      gcp: {
        steps: [
          'Set the organization policy constraints/iam.serviceAccountKeyExpiryHours so new keys expire, then replace {credential} with a new key (or, better, workload identity federation)',
        ],
        docs: [
          'https://cloud.google.com/resource-manager/docs/organization-policy/restricting-service-accounts',
        ],
      },
    },
  },
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
