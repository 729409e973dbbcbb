import { z } from 'zod';
import { defineRule } from '../types.js';
import { asStringArray, fail, isLive, notEvaluated } from './_helpers.js';

export const humanTraits = defineRule({
  id: 'human-traits',
  title: 'Machine identity with human traits',
  description:
    'An identity used by machines (it holds programmatic credentials) also has a console password ' +
    'or an MFA device: a person signs in with it too. Shared human/machine identities blur ' +
    'accountability and tie automation to a person’s habits.',
  help:
    'Give the person their own identity (SSO); remove the console password and MFA device from ' +
    'the machine identity, or move the automation to a dedicated identity.',
  severity: 'medium',
  owasp: 'NHI10',
  cis: { aws: 'CIS AWS Foundations 3.0 1.11' },
  defaultsFrom: null,
  fix: {
    manual: {
      steps: [
        'Give the person who signs in as {name} their own identity (SSO or a personal account)',
        'Remove the human traits from the machine identity, then confirm the automation still works',
      ],
      docs: [],
    },
    providers: {
      aws: {
        steps: [
          'Give the person their own access through IAM Identity Center',
          'IAM console > Users > {name} > Security credentials: Console sign-in > Disable console access (`aws iam delete-login-profile --user-name {name}`); remove the MFA device (`aws iam deactivate-mfa-device --user-name {name} --serial-number <arn>`)',
        ],
        docs: [
          'https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_passwords_admin-change-user.html',
        ],
      },
    },
  },
  signals: ['credential-report'],
  options: z.object({
    kinds: z
      .array(z.string())
      .default(['user', 'service-account'])
      .describe('Identity kinds checked'),
  }),
  providerDefaults: {},
  *evaluate(ctx) {
    for (const identity of ctx.identities) {
      if (!ctx.options(identity).kinds.includes(identity.kind)) continue;
      const live = ctx.credentialsOf(identity).filter(isLive);
      const programmatic = live.filter((c) => c.type !== 'console-password');
      if (programmatic.length === 0) continue;
      const a = identity.attributes;
      const traits = new Set(asStringArray(a.humanTraits));
      if (a.consolePassword === true || a.passwordEnabled === true) traits.add('console-password');
      if (live.some((c) => c.type === 'console-password')) traits.add('console-password');
      if (a.mfaActive === true) traits.add('mfa-device');
      if (traits.size === 0) {
        const unknown =
          a.consolePassword === undefined &&
          a.passwordEnabled === undefined &&
          a.humanTraits === undefined;
        if (unknown && ctx.gap(identity))
          yield notEvaluated(
            ctx,
            identity,
            undefined,
            'console password / MFA state could not be read',
          );
        continue;
      }
      const list = [...traits].sort();
      yield fail(
        identity,
        undefined,
        `${identity.name} holds ${programmatic.length} programmatic credential(s) and has human traits: ${list.join(', ')}`,
        {
          humanTraits: list,
          programmaticCredentials: programmatic.map((c) => c.externalId),
        },
      );
    }
  },
});
