import { z } from 'zod';
import { defineRule } from '../types.js';
import { analysePrivileges } from '../privilege/index.js';
import { fail, label, liveCredentials, notEvaluated } from './_helpers.js';
import { BEDROCK_DOCS, isBedrockKey } from './_bedrock.js';
import { GRANT_SIGNALS, ignorePermissionsOption } from './_privilege.js';
import { globMatch } from '../glob.js';

export const bedrockKeyBroadAccess = defineRule({
  id: 'bedrock-key-broad-access',
  title: 'Amazon Bedrock API key whose user can do more than invoke models',
  description:
    "A Bedrock API key acts with its IAM user's permissions. When that user can do more than " +
    'call models — administer the account, change permissions, act as other identities, read ' +
    "data or secrets everywhere, change resource policies, or every action of a service (nhi's " +
    'privilege classes, the same analysis as admin-grant and its siblings) — a key meant for ' +
    'inference leaks all of that.',
  help:
    'Give a Bedrock API key a user of its own whose only permissions are bedrock:InvokeModel* ' +
    '(and bedrock:CallWithBearerToken) on the models it needs; move the other permissions to ' +
    'a separate identity.',
  severity: 'high',
  owasp: 'NHI5',
  cis: {},
  defaultsFrom:
    'Prowler bedrock_api_key_no_administrative_privileges (broadened to every privilege class)',
  fix: {
    manual: {
      steps: [
        'IAM console > Users > {name} > Permissions: remove the policies named in the evidence, keeping only bedrock:InvokeModel, bedrock:InvokeModelWithResponseStream and bedrock:CallWithBearerToken on the models used (`aws iam detach-user-policy --user-name {name} --policy-arn <arn>`, `aws iam delete-user-policy --user-name {name} --policy-name <name>`)',
        'If the other permissions are needed, give them to a separate role or user and keep {name} for the Bedrock key alone',
      ],
      docs: [
        BEDROCK_DOCS,
        'https://docs.aws.amazon.com/bedrock/latest/userguide/security-iam-awsmanpol.html',
      ],
    },
  },
  signals: GRANT_SIGNALS,
  options: z.object({ ignorePermissions: ignorePermissionsOption }),
  providerDefaults: {},
  *evaluate(ctx) {
    for (const { credential, identity, options } of liveCredentials(ctx, [
      'service-specific-credential',
    ])) {
      if (!isBedrockKey(credential)) continue;
      const grants = ctx
        .grantsOf(identity)
        .filter((g) => !options.ignorePermissions.some((p: string) => globMatch(p, g.permission)));
      if (grants.length === 0) {
        if (ctx.gap(identity))
          yield notEvaluated(ctx, identity, credential, "the user's permissions could not be read");
        continue;
      }
      const { hits, undetermined } = analysePrivileges(identity.provider, grants);
      if (hits.length === 0) {
        if (undetermined.length > 0)
          yield notEvaluated(
            ctx,
            identity,
            credential,
            undetermined.map((u) => u.reason).join('; '),
          );
        continue;
      }
      const classes = [...new Set(hits.map((h) => h.class))];
      const allows = [...new Set(hits.flatMap((h) => h.allows))];
      yield fail(
        identity,
        credential,
        `Bedrock API key ${label(credential)} acts as ${identity.name}, which can do more than invoke models: ${classes.join(', ')}`,
        {
          classes,
          allows,
          grants: [...new Set(hits.flatMap((h) => h.grants))].map((g) => ({
            permission: g.permission,
            resource: g.resource,
            source: g.source,
          })),
        },
      );
    }
  },
});
