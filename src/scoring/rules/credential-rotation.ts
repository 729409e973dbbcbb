import { z } from 'zod';
import type { CredentialType } from '../../model/index.js';
import { defineRule } from '../types.js';
import { REPLACE_CREDENTIAL } from './_fixes.js';
import { olderThan, parseDate } from '../time.js';
import { days, fail, label, liveCredentials, notEvaluated } from './_helpers.js';

const ROTATABLE: CredentialType[] = [
  'access-key',
  'client-secret',
  'service-account-key',
  'api-key',
  'signing-certificate',
  'classic-pat',
  'actions-secret',
  'dependabot-secret',
];

export const credentialRotation = defineRule({
  id: 'credential-rotation',
  title: 'Credential older than the rotation window',
  description:
    'A live static credential was created (or last rotated) longer ago than the rotation window. ' +
    'The longer a secret lives, the more places it has been copied to and the longer a leak stays useful.',
  help:
    'Rotate the credential: create a replacement, deliver it to where the old one is used, then ' +
    'disable and delete the old one. Better still, replace it with federation (OIDC, workload ' +
    'identity) so there is no static secret to rotate.',
  severity: 'medium',
  owasp: 'NHI7',
  cis: { aws: 'CIS AWS Foundations 3.0 1.14', gcp: 'CIS GCP Foundations 3.0 1.7' },
  defaultsFrom:
    '90 days: CIS AWS Foundations 3.0 1.14 (Prowler iam_rotate_access_key_90_days) and CIS GCP ' +
    'Foundations 3.0 1.7; the same window for Azure and GitHub (no CIS item)',
  fix: { playbook: 'rotate', ...REPLACE_CREDENTIAL },
  signals: [],
  options: z.object({
    maxAgeDays: z.number().int().min(1).default(90).describe('Rotation window in days'),
    types: z
      .array(z.string())
      .default(ROTATABLE)
      .describe(
        'Credential types checked; secrets use attributes.lastRotatedAt/updatedAt when present',
      ),
  }),
  providerDefaults: {},
  *evaluate(ctx) {
    for (const { credential, identity, options } of liveCredentials(
      ctx,
      (o) => o.types as CredentialType[],
    )) {
      // Secrets can be overwritten in place: the last rotation, not creation, sets their age.
      const rotated =
        parseDate(credential.attributes.lastRotatedAt) ??
        parseDate(credential.attributes.updatedAt);
      const since = rotated ?? parseDate(credential.createdAt);
      if (!since) {
        yield notEvaluated(ctx, identity, credential, 'creation/rotation date unknown');
        continue;
      }
      if (!olderThan(since, options.maxAgeDays, ctx.now)) continue;
      const age = days(since, ctx.now);
      yield fail(
        identity,
        credential,
        `${label(credential)} was last rotated ${age} days ago (window ${options.maxAgeDays} days)`,
        {
          [rotated ? 'lastRotatedAt' : 'createdAt']: since.toISOString(),
          ageDays: age,
          maxAgeDays: options.maxAgeDays,
          type: credential.type,
        },
      );
    }
  },
});
