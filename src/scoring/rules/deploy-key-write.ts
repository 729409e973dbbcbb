import { z } from 'zod';
import { defineRule } from '../types.js';
import { RETIRE_CREDENTIAL } from './_fixes.js';
import { fail, label, liveCredentials, notEvaluated, gapNotEvaluated } from './_helpers.js';

export const deployKeyWrite = defineRule({
  id: 'deploy-key-write',
  title: 'Deploy key with write access',
  description:
    'An SSH deploy key can push to its repository. Deploy keys are static, never expire and are ' +
    'not tied to a person, so a leaked write key lets anyone change code or release branches.',
  help:
    'Replace it with a read-only deploy key, or with a GitHub App / Actions OIDC token scoped ' +
    'to the job that needs to write; then delete the write key.',
  severity: 'medium',
  owasp: 'NHI4',
  cis: {},
  defaultsFrom: null,
  fix: {
    // `nhi trim <repository> --sink …` replaces each write key with a read-only one, the private
    // half delivered to the sink (connectors/github/deploy-keys.ts).
    trim: ['github'],
    trimReplaces: { args: '--sink <scheme>:<target>' },
    playbook: 'revoke',
    before: [
      'Give the consumer a read-only deploy key (Repository settings > Deploy keys > Add, "Allow write access" unticked) or a GitHub App token for the job that must write',
    ],
    ...RETIRE_CREDENTIAL,
  },
  signals: ['deploy-keys'],
  options: z.object({}),
  providerDefaults: {},
  *evaluate(ctx) {
    yield* gapNotEvaluated(ctx, ['repository'], 'deploy keys could not be listed');
    for (const { credential, identity } of liveCredentials(ctx, ['deploy-key'])) {
      const a = credential.attributes;
      const readOnly =
        typeof a.readOnly === 'boolean'
          ? a.readOnly
          : typeof a.read_only === 'boolean'
            ? a.read_only
            : undefined;
      if (readOnly === undefined) {
        yield notEvaluated(ctx, identity, credential, 'read/write access of the key unknown');
        continue;
      }
      if (readOnly) continue;
      yield fail(
        identity,
        credential,
        `${label(credential)} on ${identity.name} has write access`,
        {
          readOnly: false,
          addedBy: a.addedBy ?? a.added_by ?? null,
          lastUsedAt: credential.lastUsedAt,
        },
      );
    }
  },
});
