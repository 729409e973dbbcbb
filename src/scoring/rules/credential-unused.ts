import { z } from 'zod';
import type { CredentialType } from '../../model/index.js';
import { defineRule } from '../types.js';
import { RETIRE_CREDENTIAL } from './_fixes.js';
import { olderThan, parseDate } from '../time.js';
import { isAiAdminKey } from './ai-admin-key-unused.js';
import { days, fail, label, liveCredentials, notEvaluated } from './_helpers.js';

const USAGE_TRACKED: CredentialType[] = [
  'access-key',
  'client-secret',
  'certificate',
  'service-account-key',
  'api-key',
  'fine-grained-pat',
  'classic-pat',
  'ssh-key',
  'oauth-token',
  'deploy-key',
];

export const credentialUnused = defineRule({
  id: 'credential-unused',
  title: 'Credential unused for too long',
  description:
    'A live credential has not been used for longer than the unused window. Whatever used it has ' +
    'moved on, but the credential still works if it leaks. Never-used credentials are ' +
    "credential-never-used's business.",
  help:
    'Confirm with the owner, then disable the credential (reversible) and delete it after a ' +
    'grace period.',
  severity: 'medium',
  owasp: 'NHI1',
  cis: { aws: 'CIS AWS Foundations 3.0 1.12' },
  defaultsFrom:
    'AWS 45 days: CIS AWS Foundations 3.0 1.12 and Prowler iam_user_accesskey_unused; Azure 30 days: ' +
    'Microsoft Entra recommendation "Remove unused credentials from applications"; GCP 180 days: ' +
    'Prowler iam_sa_user_managed_key_unused; GitHub 90 days (no CIS item)',
  fix: { playbook: 'revoke', ...RETIRE_CREDENTIAL },
  signals: [
    'credential-report',
    'access-keys',
    'access-key-last-used',
    'credential-sign-in-activity',
    'sa-last-authentication',
  ],
  options: z.object({
    unusedDays: z
      .number()
      .int()
      .min(1)
      .default(90)
      .describe('Days without use before a credential counts as unused'),
    types: z.array(z.string()).default(USAGE_TRACKED).describe('Credential types checked'),
  }),
  providerDefaults: {
    aws: { unusedDays: 45 },
    azure: { unusedDays: 30 },
    gcp: { unusedDays: 180 },
    github: { unusedDays: 90 },
  },
  *evaluate(ctx) {
    for (const { credential, identity, options } of liveCredentials(
      ctx,
      (o) => o.types as CredentialType[],
    )) {
      // AI platform admin keys are ai-admin-key-unused's, with a tighter window: reported once.
      if (isAiAdminKey(credential)) continue;
      if (!credential.lastUsedKnown) {
        // Some providers only know "no use since" a date (a usage report's window, e.g.
        // Anthropic): past the limit that is enough to fail; otherwise the rule cannot tell.
        const noUseSince = parseDate(credential.attributes.noUseSince);
        if (noUseSince && olderThan(noUseSince, options.unusedDays, ctx.now)) {
          const idle = days(noUseSince, ctx.now);
          yield fail(
            identity,
            credential,
            `${label(credential)} has not been used for at least ${idle} days (limit ${options.unusedDays})`,
            {
              noUseSince: noUseSince.toISOString(),
              daysSinceLastUse: idle,
              unusedDays: options.unusedDays,
              ...(typeof credential.attributes.lastUsedBasis === 'string'
                ? { lastUsedBasis: credential.attributes.lastUsedBasis }
                : {}),
            },
          );
          continue;
        }
        yield notEvaluated(
          ctx,
          identity,
          credential,
          noUseSince
            ? `last use before ${noUseSince.toISOString().slice(0, 10)} unknown`
            : 'last-used data not available',
        );
        continue;
      }
      // Never used is a different finding (credential-never-used), with its own grace period.
      const lastUsed = parseDate(credential.lastUsedAt);
      if (!lastUsed || !olderThan(lastUsed, options.unusedDays, ctx.now)) continue;
      const idle = days(lastUsed, ctx.now);
      yield fail(
        identity,
        credential,
        `${label(credential)} has not been used for ${idle} days (limit ${options.unusedDays})`,
        {
          lastUsedAt: lastUsed.toISOString(),
          daysSinceLastUse: idle,
          unusedDays: options.unusedDays,
          ...(credential.attributes.lastUsedService
            ? { lastUsedService: credential.attributes.lastUsedService }
            : {}),
        },
      );
    }
  },
});
