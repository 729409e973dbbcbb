import { z } from 'zod';
import { defineRule } from '../types.js';
import { ROOT_CREDENTIAL_STEPS } from '../fix.js';
import { fail, isLive, notEvaluated } from './_helpers.js';

export const rootAccessKey = defineRule({
  id: 'root-access-key',
  title: 'Access key on the root account',
  description:
    'The cloud account root user has an active access key. Root cannot be restricted by IAM ' +
    'policies, so a leaked root key is a full account takeover.',
  help: 'Delete the root access key and use IAM roles or users with least privilege for automation.',
  severity: 'critical',
  owasp: 'NHI5',
  cis: { aws: 'CIS AWS Foundations 3.0 1.4' },
  defaultsFrom: null,
  fix: { manual: ROOT_CREDENTIAL_STEPS },
  signals: ['credential-report'],
  options: z.object({}),
  providerDefaults: {},
  *evaluate(ctx) {
    for (const identity of ctx.identities) {
      if (identity.kind !== 'root') continue;
      const keys = ctx.credentialsOf(identity).filter((c) => c.type === 'access-key' && isLive(c));
      for (const key of keys) {
        yield fail(identity, key, `root account has an active access key ${key.externalId}`, {
          createdAt: key.createdAt,
          lastUsedAt: key.lastUsedAt,
        });
      }
      if (keys.length > 0) continue;
      // The credential report lists root keys without ids: connectors may only set a flag.
      const a = identity.attributes;
      const flagged = [
        a.accessKeyActive,
        a.accessKey1Active,
        a.accessKey2Active,
        a.rootAccessKeys,
      ].some((v) => v === true || (typeof v === 'number' && v > 0));
      if (flagged) {
        yield fail(identity, undefined, 'root account has an active access key', {
          attributes: {
            accessKeyActive: a.accessKeyActive,
            accessKey1Active: a.accessKey1Active,
            accessKey2Active: a.accessKey2Active,
            rootAccessKeys: a.rootAccessKeys,
          },
        });
      } else if (ctx.gap(identity)) {
        yield notEvaluated(ctx, identity, undefined, 'root access keys could not be read');
      }
    }
  },
});
