import { z } from 'zod';
import { Attributor } from '../../owners/attribute.js';
import { defineRule } from '../types.js';
import { RETIRE_CREDENTIAL } from './_fixes.js';
import { days, fail, label, liveCredentials } from './_helpers.js';

/**
 * OWASP NHI1, improper offboarding: the credential's owner left the organization (GitHub org
 * membership, Entra user disabled or deleted, OpenAI/Anthropic member removed) and the
 * credential lives on. High while it is still used; medium when it is idle or nobody knows.
 */
export const ownerDeparted = defineRule({
  id: 'owner-departed',
  title: 'Owner has left',
  description:
    'The person who owns a live credential is no longer a member (left the GitHub organization, ' +
    'Entra user disabled or deleted, removed from the OpenAI/Anthropic organization). Credentials ' +
    'that outlive their owner are the most common offboarding failure: nobody answers for them.',
  help: 'Give the credential a new owner (an owner tag or an `owners.map` entry) or revoke it (`nhi revoke <id>`).',
  severity: 'high',
  owasp: 'NHI1',
  cis: {},
  defaultsFrom: null,
  fix: { playbook: 'revoke', ...RETIRE_CREDENTIAL },
  signals: [],
  options: z.object({
    usedWithinDays: z
      .number()
      .int()
      .min(1)
      .default(90)
      .describe('A use within this many days makes it high; older or unknown use is medium'),
  }),
  providerDefaults: {},
  *evaluate(ctx) {
    const owners = new Attributor();
    for (const { credential, identity, options } of liveCredentials(ctx)) {
      const a = owners.credential(credential, identity);
      if (a.departed !== true || !a.owner) continue;
      const since =
        credential.lastUsedKnown && credential.lastUsedAt
          ? days(new Date(credential.lastUsedAt), ctx.now)
          : null;
      const used = since !== null && since <= options.usedWithinDays;
      const hit = fail(
        identity,
        credential,
        `${label(credential)} of ${identity.name} belongs to ${a.owner}, who has left (${a.via}), and is still ${used ? `used (${since} days ago)` : 'active'}`,
        {
          owner: a.owner,
          via: a.via,
          status: credential.status,
          lastUsedAt: credential.lastUsedKnown ? credential.lastUsedAt : 'unknown',
          daysSinceUse: since,
          usedWithinDays: options.usedWithinDays,
          team: a.team,
        },
      );
      if (!used) hit.severity = 'medium';
      yield hit;
    }
  },
});
