import { z } from 'zod';
import { defineRule } from '../types.js';
import { DAY_MS, parseDate } from '../time.js';
import { days, fail, label, liveCredentials } from './_helpers.js';
import { DELETE_BEDROCK_KEY, isBedrockKey } from './_bedrock.js';

export const bedrockKeyLongTerm = defineRule({
  id: 'bedrock-key-long-term',
  title: 'Long-term Amazon Bedrock API key',
  description:
    'An IAM user holds a long-term Amazon Bedrock API key (a service-specific credential) that ' +
    'never expires, or expires further away than the allowed lifetime. AWS recommends long-term ' +
    'keys only for exploration: a leaked one calls models (and runs up spend) until someone ' +
    'deletes it.',
  help:
    'Use short-term Bedrock API keys (minted from an IAM role, valid up to 12 hours) or IAM role ' +
    'credentials, then delete the long-term key. Where a long-term key must stay, give it the ' +
    'shortest expiry and keep its user to bedrock:InvokeModel*.',
  severity: 'high',
  owasp: 'NHI7',
  cis: {},
  defaultsFrom:
    '30 days, the shortest expiry the console offers besides one and five days; AWS: "we recommend ' +
    'short-term API keys" (Bedrock user guide, API keys); Prowler bedrock_api_key_no_long_term_credentials',
  fix: { manual: DELETE_BEDROCK_KEY },
  signals: [],
  options: z.object({
    maxDaysToExpiry: z
      .number()
      .int()
      .min(1)
      .default(30)
      .describe("Largest allowed distance from now to a Bedrock API key's expiry, in days"),
  }),
  providerDefaults: {},
  *evaluate(ctx) {
    for (const { credential, identity, options } of liveCredentials(ctx, [
      'service-specific-credential',
    ])) {
      if (!isBedrockKey(credential)) continue;
      const expires = parseDate(credential.expiresAt);
      if (!expires) {
        yield fail(identity, credential, `Bedrock API key ${label(credential)} never expires`, {
          service: 'bedrock',
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
        `Bedrock API key ${label(credential)} expires in ${left} days (limit ${options.maxDaysToExpiry})`,
        {
          service: 'bedrock',
          expiresAt: expires.toISOString(),
          daysToExpiry: left,
          maxDaysToExpiry: options.maxDaysToExpiry,
        },
      );
    }
  },
});
