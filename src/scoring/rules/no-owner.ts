import { z } from 'zod';
import { defineRule } from '../types.js';
import { fail, isLive } from './_helpers.js';

export const noOwner = defineRule({
  id: 'no-owner',
  title: 'No owner recorded',
  description:
    'A machine identity has no owner: no owner tag, app owner or creator the provider records. ' +
    'Nobody is asked when it misbehaves, and nobody can say whether it may be removed.',
  help: 'Record an owner (an `owner` tag, the app registration’s owners, a CODEOWNERS-style team).',
  severity: 'low',
  owasp: 'NHI1',
  cis: {},
  defaultsFrom: null,
  fix: {
    manual: {
      steps: ["Record who owns {name}: an `owner` (or `team`) tag, or the provider's owner field"],
      docs: [],
    },
    providers: {
      aws: {
        steps: [
          'Tag the identity: `aws iam tag-user --user-name {name} --tags Key=owner,Value=<team>` (`tag-role --role-name` for a role)',
        ],
        docs: ['https://docs.aws.amazon.com/IAM/latest/UserGuide/id_tags.html'],
      },
      azure: {
        steps: [
          'Entra admin center > App registrations > {name} > Owners > Add owners (`az ad app owner add --id {identity} --owner-object-id <user id>`)',
        ],
        docs: ['https://learn.microsoft.com/entra/identity/enterprise-apps/assign-app-owners'],
      },
      gcp: {
        steps: [
          'Describe the owner on the service account: `gcloud iam service-accounts update {identity} --description "owner: <team>"`',
        ],
        docs: ['https://cloud.google.com/iam/docs/service-accounts-update'],
      },
    },
  },
  signals: [],
  options: z.object({
    kinds: z
      .array(z.string())
      .default(['application', 'service-principal', 'service-account', 'user'])
      .describe(
        'Identity kinds that must have an owner (users only when they hold programmatic credentials)',
      ),
    ownerTags: z
      .array(z.string())
      .default(['owner', 'Owner', 'team', 'Team'])
      .describe('Tags that name an owner'),
  }),
  providerDefaults: {},
  *evaluate(ctx) {
    for (const identity of ctx.identities) {
      const { kinds, ownerTags } = ctx.options(identity);
      if (!kinds.includes(identity.kind) || identity.owner) continue;
      if (identity.attributes.serviceLinked === true) continue;
      // An IAM user without programmatic credentials is a person, not a machine identity.
      if (
        identity.kind === 'user' &&
        !ctx.credentialsOf(identity).some((c) => isLive(c) && c.type !== 'console-password')
      )
        continue;
      if (ownerTags.some((t) => identity.tags?.[t])) continue;
      yield fail(identity, undefined, `${identity.name} has no owner`, {
        owner: null,
        ownerTags,
        tags: Object.keys(identity.tags ?? {}).sort(),
      });
    }
  },
});
