import { z } from 'zod';
import { defineRule } from '../types.js';
import { REPLACE_CREDENTIAL } from './_fixes.js';
import { DAY_MS, parseDate } from '../time.js';
import { days, fail, label, liveCredentials } from './_helpers.js';

export const credentialExpiringSoon = defineRule({
  id: 'credential-expiring-soon',
  title: 'Credential expires soon',
  description:
    'A live credential expires within the warning window. When it expires, whatever uses it ' +
    'breaks; rotating ahead of time avoids an outage.',
  help: 'Rotate it before it expires, delivering the new secret where the old one is used.',
  severity: 'low',
  owasp: 'NHI7',
  cis: {},
  defaultsFrom:
    '30 days, as Prowler flags Microsoft Entra secrets and certificates expiring within 30 days',
  fix: { playbook: 'rotate', ...REPLACE_CREDENTIAL },
  signals: [],
  options: z.object({
    withinDays: z
      .number()
      .int()
      .min(1)
      .default(30)
      .describe('Warn when the expiry is this many days away or closer'),
  }),
  providerDefaults: {},
  *evaluate(ctx) {
    for (const { credential, identity, options } of liveCredentials(ctx)) {
      const expires = parseDate(credential.expiresAt);
      if (!expires) continue;
      const left = expires.getTime() - ctx.now.getTime();
      // Already expired is credential-expired's business.
      if (left <= 0 || left > options.withinDays * DAY_MS) continue;
      const d = days(ctx.now, expires);
      yield fail(identity, credential, `${label(credential)} expires in ${d} days`, {
        expiresAt: expires.toISOString(),
        daysToExpiry: d,
        withinDays: options.withinDays,
      });
    }
  },
});
