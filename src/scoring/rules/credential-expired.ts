import { z } from 'zod';
import { defineRule } from '../types.js';
import { RETIRE_CREDENTIAL } from './_fixes.js';
import { parseDate } from '../time.js';
import { days, fail, label } from './_helpers.js';

export const credentialExpired = defineRule({
  id: 'credential-expired',
  title: 'Expired credential still present',
  description:
    'A credential has expired but is still attached to its identity. It no longer works, but it ' +
    'clutters the inventory, hides which credentials are real, and often marks an abandoned identity.',
  help: 'Delete the expired credential; check whether its identity is still needed.',
  severity: 'low',
  owasp: 'NHI1',
  cis: {},
  defaultsFrom: null,
  fix: { playbook: 'revoke', ...RETIRE_CREDENTIAL },
  signals: [],
  options: z.object({}),
  providerDefaults: {},
  *evaluate(ctx) {
    for (const credential of ctx.credentials) {
      const expires = parseDate(credential.expiresAt);
      const expiredByDate = expires !== null && expires.getTime() <= ctx.now.getTime();
      if (!expiredByDate && credential.status !== 'expired') continue;
      const identity = ctx.identityOf(credential);
      yield fail(
        identity,
        credential,
        expires
          ? `${label(credential)} expired ${days(expires, ctx.now)} days ago and is still present`
          : `${label(credential)} is expired and still present`,
        {
          expiresAt: expires?.toISOString() ?? null,
          status: credential.status,
          ...(expires ? { daysSinceExpiry: days(expires, ctx.now) } : {}),
        },
      );
    }
  },
});
