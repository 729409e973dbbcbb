import { z } from 'zod';
import type { CredentialType } from '../../model/index.js';
import { defineRule } from '../types.js';
import { olderThan, parseDate } from '../time.js';
import { days, fail, label, liveCredentials, notEvaluated } from './_helpers.js';
import { credentialUnused } from './credential-unused.js';

export const credentialNeverUsed = defineRule({
  id: 'credential-never-used',
  title: 'Credential never used since it was created',
  description:
    'A live credential has never been used and was created longer ago than the grace period. ' +
    '"Never used" is not "unused for 0 days": a key made yesterday is fine, a key made months ago ' +
    'and never used is the plainest offboarding candidate.',
  help: 'Delete the credential; nothing depends on it (`nhi revoke`).',
  severity: 'medium',
  owasp: 'NHI1',
  cis: { aws: 'CIS AWS Foundations 3.0 1.12' },
  playbook: 'revoke',
  signals: credentialUnused.signals,
  options: z.object({
    graceDays: z.number().int().min(0).default(7).describe('Days a new credential may stay unused'),
    types: z
      .array(z.string())
      .default(credentialUnused.options.parse({}).types)
      .describe('Credential types checked'),
  }),
  providerDefaults: {},
  *evaluate(ctx) {
    for (const { credential, identity, options } of liveCredentials(
      ctx,
      (o) => o.types as CredentialType[],
    )) {
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
