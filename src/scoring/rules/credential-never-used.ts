import { z } from 'zod';
import type { CredentialType } from '../../model/index.js';
import { defineRule } from '../types.js';
import { RETIRE_CREDENTIAL } from './_fixes.js';
import { olderThan, parseDate } from '../time.js';
import { isAiAdminKey } from './ai-admin-key-unused.js';
import { days, fail, label, liveCredentials, notEvaluated } from './_helpers.js';
import { credentialUnused } from './credential-unused.js';

export const credentialNeverUsed = defineRule({
  id: 'credential-never-used',
  title: 'Credential never used since it was created',
  description:
    'A live credential has never been used and was created longer ago than the grace period. ' +
    '"Never used" is not "unused for 0 days": a key made yesterday is fine, a key made months ago ' +
    'and never used is the plainest offboarding candidate.',
  help: 'Delete the credential: nothing has ever used it.',
  severity: 'medium',
  owasp: 'NHI1',
  cis: { aws: 'CIS AWS Foundations 3.0 1.12' },
  defaultsFrom:
    'the unused window of each provider (credential-unused), so a key younger than it is not a ' +
    'finding: AWS 45 days as CIS AWS Foundations 3.0 1.12 audits a never-used key by its creation date; ' +
    'Azure 30; GCP 180 (Prowler); GitHub 90',
  fix: { playbook: 'revoke', ...RETIRE_CREDENTIAL },
  signals: credentialUnused.signals,
  options: z.object({
    graceDays: z
      .number()
      .int()
      .min(0)
      .default(90)
      .describe('Days a new credential may stay unused (per provider: the unused window)'),
    types: z
      .array(z.string())
      .default(credentialUnused.options.parse({}).types)
      .describe('Credential types checked'),
  }),
  // The unused window of each provider: a key younger than it and never used is not a finding.
  providerDefaults: {
    aws: { graceDays: 45 },
    azure: { graceDays: 30 },
    gcp: { graceDays: 180 },
    github: { graceDays: 90 },
  },
  *evaluate(ctx) {
    for (const { credential, identity, options } of liveCredentials(
      ctx,
      (o) => o.types as CredentialType[],
    )) {
      // AI platform admin keys are ai-admin-key-unused's, with a tighter window: reported once.
      if (isAiAdminKey(credential)) continue;
      if (!credential.lastUsedKnown) {
        yield notEvaluated(ctx, identity, credential, 'last-used data not available');
        continue;
      }
      if (credential.lastUsedAt !== null) continue;
      const created = parseDate(credential.createdAt);
      if (!created) {
        yield notEvaluated(ctx, identity, credential, 'creation date unknown');
        continue;
      }
      if (!olderThan(created, options.graceDays, ctx.now)) continue;
      const age = days(created, ctx.now);
      yield fail(
        identity,
        credential,
        `${label(credential)} was created ${age} days ago and never used`,
        {
          createdAt: created.toISOString(),
          lastUsedAt: null,
          ageDays: age,
          graceDays: options.graceDays,
        },
      );
    }
  },
});
