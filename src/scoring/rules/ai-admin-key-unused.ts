import { z } from 'zod';
import type { StoredCredential } from '../../model/index.js';
import { defineRule } from '../types.js';
import { RETIRE_CREDENTIAL } from './_fixes.js';
import { olderThan, parseDate } from '../time.js';
import { days, fail, label, liveCredentials, notEvaluated } from './_helpers.js';

/**
 * An AI platform's organization admin key (OpenAI admin API keys): it manages every project,
 * key and member. credential-unused and credential-never-used leave these to this rule, so a
 * key is reported once, at this rule's severity and window.
 */
export function isAiAdminKey(c: StoredCredential): boolean {
  return (
    c.type === 'api-key' &&
    typeof c.attributes.aiService === 'string' &&
    c.attributes.keyKind === 'admin'
  );
}

export const aiAdminKeyUnused = defineRule({
  id: 'ai-admin-key-unused',
  title: 'AI platform admin key unused or never used',
  description:
    "An AI platform's organization admin key (OpenAI admin API key) has not been used within " +
    'the window, or was never used since it was created longer ago than that. An admin key ' +
    'creates and deletes projects, keys, service accounts and members: one nobody uses is pure ' +
    'exposure. (Project and workspace keys are judged by credential-unused and ' +
    'credential-never-used, Anthropic keys from the usage report included.)',
  help:
    'Confirm nothing uses it (the admin keys page shows its last use), then delete it; keep as ' +
    'few admin keys as the automation needs, each named for it.',
  severity: 'high',
  owasp: 'NHI1',
  cis: {},
  defaultsFrom:
    '30 days, the shortest unused window nhi applies elsewhere (Microsoft Entra\'s "Remove unused ' +
    'credentials from applications"): an admin key holds the organization; no CIS item',
  fix: {
    playbook: 'revoke',
    ...RETIRE_CREDENTIAL,
    providers: {
      openai: {
        steps: [
          'OpenAI platform > Organization settings > Admin keys: check the key {credential} ({name}) shows no recent use, then delete it (`curl -X DELETE https://api.openai.com/v1/organization/admin_api_keys/{credential} -H "Authorization: Bearer $OPENAI_ADMIN_KEY"`)',
        ],
        docs: ['https://platform.openai.com/docs/api-reference/admin-api-keys'],
      },
    },
  },
  signals: [],
  options: z.object({
    unusedDays: z
      .number()
      .int()
      .min(1)
      .default(30)
      .describe(
        'Days without use before an admin key counts as unused; a never-used key older than this is reported too',
      ),
  }),
  providerDefaults: {},
  *evaluate(ctx) {
    for (const { credential, identity, options } of liveCredentials(ctx, ['api-key'])) {
      if (!isAiAdminKey(credential)) continue;
      const limit = options.unusedDays;
      if (!credential.lastUsedKnown) {
        yield notEvaluated(ctx, identity, credential, 'last-used data not available');
        continue;
      }
      const lastUsed = parseDate(credential.lastUsedAt);
      if (lastUsed) {
        if (!olderThan(lastUsed, limit, ctx.now)) continue;
        const idle = days(lastUsed, ctx.now);
        yield fail(
          identity,
          credential,
          `admin key ${label(credential)} has not been used for ${idle} days (limit ${limit})`,
          {
            keyKind: 'admin',
            lastUsedAt: lastUsed.toISOString(),
            daysSinceLastUse: idle,
            unusedDays: limit,
          },
        );
        continue;
      }
      const created = parseDate(credential.createdAt);
      if (!created) {
        yield notEvaluated(ctx, identity, credential, 'creation date unknown');
        continue;
      }
      if (!olderThan(created, limit, ctx.now)) continue;
      const age = days(created, ctx.now);
      yield fail(
        identity,
        credential,
        `admin key ${label(credential)} was created ${age} days ago and never used`,
        {
          keyKind: 'admin',
          createdAt: created.toISOString(),
          lastUsedAt: null,
          ageDays: age,
          unusedDays: limit,
        },
      );
    }
  },
});
