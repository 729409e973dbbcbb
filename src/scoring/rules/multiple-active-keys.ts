import { z } from 'zod';
import type { StoredCredential } from '../../model/index.js';
import { defineRule } from '../types.js';
import { RETIRE_CREDENTIAL } from './_fixes.js';
import { fail, label, gapNotEvaluated } from './_helpers.js';
import { cmp } from '../compare.js';

function createdMs(c: StoredCredential): number {
  const t = c.createdAt ? Date.parse(c.createdAt) : NaN;
  return Number.isNaN(t) ? -Infinity : t;
}

export const multipleActiveKeys = defineRule({
  id: 'multiple-active-keys',
  title: 'More than one active key on one identity',
  description:
    'An identity holds more active keys of one type than allowed. Usually a rotation that was ' +
    'never finished: the older key is still live and still copied somewhere. The older active ' +
    'key(s) are flagged; the newest is kept.',
  help: 'Move every consumer to the newest key, then disable and delete the older one.',
  severity: 'medium',
  owasp: 'NHI9',
  cis: { aws: 'CIS AWS Foundations 3.0 1.13' },
  defaultsFrom:
    'one active key: CIS AWS Foundations 3.0 1.13 (Prowler iam_user_two_active_access_key)',
  fix: {
    playbook: 'revoke',
    before: ['Move every consumer of {credential} to the newest key named in the evidence'],
    ...RETIRE_CREDENTIAL,
  },
  signals: ['access-keys'],
  options: z.object({
    maxActive: z
      .number()
      .int()
      .min(1)
      .default(1)
      .describe('Active keys of one type allowed per identity'),
    types: z
      .array(z.string())
      .default(['access-key', 'service-account-key', 'client-secret'])
      .describe('Key types counted'),
  }),
  providerDefaults: {},
  *evaluate(ctx) {
    yield* gapNotEvaluated(ctx, ['user'], 'access keys could not be listed');
    for (const identity of ctx.identities) {
      const { maxActive, types } = ctx.options(identity);
      const byType = new Map<string, StoredCredential[]>();
      for (const c of ctx.credentialsOf(identity)) {
        if (c.status !== 'active' || !types.includes(c.type)) continue;
        byType.set(c.type, [...(byType.get(c.type) ?? []), c]);
      }
      for (const [type, creds] of [...byType].sort(([a], [b]) => cmp(a, b))) {
        if (creds.length <= maxActive) continue;
        // Newest first; ties by id so the choice is stable.
        const ordered = [...creds].sort((a, b) => createdMs(b) - createdMs(a) || cmp(a.id, b.id));
        const kept = ordered.slice(0, maxActive);
        const activeKeys = ordered.map((c) => ({
          externalId: c.externalId,
          createdAt: c.createdAt,
          lastUsedAt: c.lastUsedAt,
        }));
        for (const older of ordered.slice(maxActive)) {
          yield fail(
            identity,
            older,
            `${identity.name} has ${creds.length} active ${type}s; ${label(older)} is older than ${kept.map((k) => k.externalId).join(', ')}`,
            {
              activeCount: creds.length,
              maxActive,
              keep: kept.map((k) => k.externalId),
              activeKeys,
            },
          );
        }
      }
    }
  },
});
