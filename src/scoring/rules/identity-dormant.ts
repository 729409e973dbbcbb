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
  playbook: null,
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
  providerDefaults: {},
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
