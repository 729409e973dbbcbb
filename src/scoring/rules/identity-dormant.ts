import { z } from 'zod';
import { defineRule } from '../types.js';
import { olderThan, parseDate } from '../time.js';
import { days, fail, notEvaluated } from './_helpers.js';

export const identityDormant = defineRule({
  id: 'identity-dormant',
  title: 'Dormant identity',
  description:
    'A machine identity (user, role, app, service principal, service account) has not signed in ' +
    'or been used for longer than the window, or was never used since it was created that long ' +
    'ago. Dormant identities keep their permissions and are easy to take over unnoticed.',
  help: 'Find the owner; remove the identity, or at least its credentials and permissions.',
  severity: 'low',
  owasp: 'NHI1',
  cis: {},
  defaultsFrom:
    "90 days: IAM Access Analyzer's default unused-access tracking period (AWS) and the " +
    'Microsoft Entra recommendation on apps without sign-ins; GCP 180 days as Prowler ' +
    'iam_service_account_unused',
  fix: {
    manual: {
      steps: [
        'Confirm with the owner that {name} is no longer needed, then remove its credentials and permissions, then the identity',
      ],
      docs: [],
    },
    providers: {
      aws: {
        steps: [
          'Confirm with the owner that {name} is no longer needed',
          'Users: IAM console > Users > {name} > Delete (removes keys, policies and group memberships); roles: IAM console > Roles > {name} > Delete (`aws iam delete-role --role-name {name}` after detaching its policies)',
        ],
        docs: ['https://docs.aws.amazon.com/IAM/latest/UserGuide/id_users_remove.html'],
      },
      azure: {
        steps: [
          'Confirm with the owner that {name} is no longer needed',
          'Entra admin center > Enterprise applications > {name} > Properties: set "Enabled for users to sign in" to No; after a grace period delete the app registration (`az ad app delete --id {identity}`)',
        ],
        docs: [
          'https://learn.microsoft.com/entra/identity/enterprise-apps/disable-user-sign-in-portal',
        ],
      },
      gcp: {
        steps: [
          'Confirm with the owner that {name} is no longer needed',
          'Disable the service account (`gcloud iam service-accounts disable {identity}`), and after a grace period delete it (`gcloud iam service-accounts delete {identity}`)',
        ],
        docs: ['https://cloud.google.com/iam/docs/service-accounts-disable-enable'],
      },
      github: {
        steps: [
          'Confirm with the owner that {name} is no longer needed',
          'GitHub Apps: Organization settings > GitHub Apps > Configure > Suspend or Uninstall',
        ],
        docs: [
          'https://docs.github.com/apps/using-github-apps/reviewing-and-modifying-installed-github-apps',
        ],
      },
    },
  },
  signals: [
    'credential-report',
    'authorization-details',
    'sp-sign-in-activity',
    'sa-last-authentication',
  ],
  options: z.object({
    dormantDays: z
      .number()
      .int()
      .min(1)
      .default(90)
      .describe('Days without use before an identity counts as dormant'),
    kinds: z
      .array(z.string())
      .default([
        'user',
        'role',
        'application',
        'service-principal',
        'managed-identity',
        'service-account',
        'github-app',
      ])
      .describe('Identity kinds checked'),
  }),
  providerDefaults: { gcp: { dormantDays: 180 } },
  *evaluate(ctx) {
    for (const identity of ctx.identities) {
      const { dormantDays, kinds } = ctx.options(identity);
      // Service-linked roles are managed by the provider; their use is not yours to judge.
      if (!kinds.includes(identity.kind) || identity.attributes.serviceLinked === true) continue;
      if (!identity.lastUsedKnown) {
        yield notEvaluated(ctx, identity, undefined, 'last-used data not available');
        continue;
      }
      const last = parseDate(identity.lastUsedAt);
      if (last) {
        if (!olderThan(last, dormantDays, ctx.now)) continue;
        const idle = days(last, ctx.now);
        yield fail(
          identity,
          undefined,
          `${identity.name} has not been used for ${idle} days (limit ${dormantDays})`,
          {
            lastUsedAt: last.toISOString(),
            daysSinceLastUse: idle,
            dormantDays,
          },
        );
        continue;
      }
      const created = parseDate(identity.createdAt);
      if (!created) {
        yield notEvaluated(ctx, identity, undefined, 'never used, creation date unknown');
        continue;
      }
      if (!olderThan(created, dormantDays, ctx.now)) continue;
      const age = days(created, ctx.now);
      yield fail(
        identity,
        undefined,
        `${identity.name} was created ${age} days ago and never used`,
        {
          lastUsedAt: null,
          createdAt: created.toISOString(),
          ageDays: age,
          dormantDays,
        },
      );
    }
  },
});
