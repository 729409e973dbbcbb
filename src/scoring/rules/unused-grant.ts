import { z } from 'zod';
import { usageIsPrincipals, type StoredGrant } from '../../model/index.js';
import { defineRule } from '../types.js';
import { NARROW_GRANT, TRIM_PROVIDERS } from './_fixes.js';
import { olderThan, parseDate } from '../time.js';
import { fail, notEvaluated } from './_helpers.js';
import { grantSubjects } from './_grants.js';

export const unusedGrant = defineRule({
  id: 'unused-grant',
  title: 'Granted permissions not used within the window',
  description:
    'Services or permissions the identity is granted but has not used within the window ' +
    '(last-accessed data such as AWS Access Advisor). Like Repokid and IAM Access Analyzer, ' +
    'grants and identities younger than the window are not judged: a new permission is not ' +
    '"unused" yet.',
  help: "Remove the unused permissions from the identity's policies or role bindings.",
  severity: 'medium',
  owasp: 'NHI5',
  cis: {},
  defaultsFrom:
    '90 days: Repokid and the default tracking period of IAM Access Analyzer unused access; GCP ' +
    'IAM Recommender observes 90 days too',
  // `nhi trim` removes exactly what this rule reports (where the provider has a trim).
  fix: { ...NARROW_GRANT, trim: TRIM_PROVIDERS },
  signals: ['access-advisor', 'iam-recommender'],
  options: z.object({
    windowDays: z
      .number()
      .int()
      .min(1)
      .default(90)
      .describe('Days without use before a grant counts as unused'),
  }),
  providerDefaults: {},
  *evaluate(ctx) {
    for (const { identity, credential, grants } of grantSubjects(ctx)) {
      // Service-linked roles' policies belong to the provider and cannot be trimmed.
      if (identity.attributes.serviceLinked === true) continue;
      const { windowDays } = ctx.options(identity);
      const identityCreated = parseDate(identity.createdAt);
      if (identityCreated && !olderThan(identityCreated, windowDays, ctx.now)) continue;
      const judged = grants.filter((g) => {
        const granted = parseDate(g.grantedAt);
        return !granted || olderThan(granted, windowDays, ctx.now);
      });
      if (judged.length === 0) continue;
      // Use reported per principal (PRINCIPAL_USAGE, Azure's sign-in activity) proves a grant
      // unused only when the principal itself was idle for the window: one that signed in may
      // have used any of its grants, so those stay not evaluated (as `nhi trim` keeps them).
      const known = judged.filter(
        (g) =>
          g.lastUsedKnown &&
          !(usageIsPrincipals(g.attributes) && usedWithin(g.lastUsedAt, windowDays, ctx.now)),
      );
      if (known.length === 0) {
        const perPrincipal = judged.some((g) => usageIsPrincipals(g.attributes));
        yield notEvaluated(
          ctx,
          identity,
          credential,
          perPrincipal
            ? `usage is reported for ${identity.name} as a whole, which was used within the window: which grants it used is not known`
            : 'permission usage data not available',
          { grantCount: judged.length },
        );
        continue;
      }
      const unused = known.filter(
        (g: StoredGrant) => !usedWithin(g.lastUsedAt, windowDays, ctx.now),
      );
      if (unused.length === 0) continue;
      const names = [...new Set(unused.map((g) => g.permission))].sort();
      yield fail(
        identity,
        credential,
        `${identity.name} has ${unused.length} of ${known.length} granted permissions unused for over ${windowDays} days: ${names.slice(0, 5).join(', ')}${names.length > 5 ? ` and ${names.length - 5} more` : ''}`,
        {
          windowDays,
          unusedCount: unused.length,
          evaluatedCount: known.length,
          notEvaluatedCount: judged.length - known.length,
          tooRecentCount: grants.length - judged.length,
          unused: unused.map((g) => ({
            permission: g.permission,
            resource: g.resource,
            source: g.source,
            lastUsedAt: g.lastUsedAt,
          })),
        },
      );
    }
  },
});

function usedWithin(lastUsedAt: string | null, windowDays: number, now: Date): boolean {
  const last = parseDate(lastUsedAt);
  return last !== null && !olderThan(last, windowDays, now);
}
