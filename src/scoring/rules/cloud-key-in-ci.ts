import { z } from 'zod';
import type { CredentialType } from '../../model/index.js';
import { defineRule } from '../types.js';
import { globMatch } from '../glob.js';
import { fail, label, liveCredentials } from './_helpers.js';
import { CI_SECRET_SIGNALS, CI_SECRET_TYPES, ciSecretGaps } from './_ci-secrets.js';

export const cloudKeyInCi = defineRule({
  id: 'cloud-key-in-ci',
  title: 'Static cloud key stored as a CI secret',
  description:
    'A CI secret (GitHub Actions / Dependabot) holds a long-lived cloud key: the connector marked ' +
    'it (attributes.storesCloudKey) or its name looks like one (AWS_SECRET_ACCESS_KEY, ' +
    'AZURE_CLIENT_SECRET, GCP_SA_KEY…). Every workflow that can read it can use the cloud account.',
  help:
    'Use OIDC federation instead: GitHub Actions can assume an AWS role, an Entra federated ' +
    'credential or a GCP workload identity pool without any stored key. Then delete the secret ' +
    'and the cloud key.',
  severity: 'high',
  owasp: 'NHI6',
  cis: {},
  defaultsFrom: null,
  fix: {
    manual: {
      steps: [
        'Federate the workflow with the cloud instead of storing a key: AWS: an IAM OIDC provider for token.actions.githubusercontent.com and a role whose trust policy pins the repository (`sub`), used with aws-actions/configure-aws-credentials `role-to-assume`; Azure: a federated credential on the app registration, used with azure/login `client-id`/`tenant-id`/`subscription-id`; GCP: a workload identity pool and provider, used with google-github-actions/auth `workload_identity_provider`',
        'Add `permissions: id-token: write` to the workflow and remove the key from it',
        'Delete the secret (`gh secret delete <name> --repo <owner>/<repo>`, `--org`/`--env` for other levels) and then the cloud key it held',
      ],
      docs: [
        'https://docs.github.com/actions/security-for-github-actions/security-hardening-your-deployments/about-security-hardening-with-openid-connect',
      ],
    },
  },
  signals: CI_SECRET_SIGNALS,
  options: z.object({
    types: z.array(z.string()).default(CI_SECRET_TYPES).describe('Secret types checked'),
    namePatterns: z
      .array(z.string())
      .default([
        '*AWS_SECRET_ACCESS_KEY*',
        '*AZURE_CLIENT_SECRET*',
        '*AZURE_CREDENTIALS*',
        '*ARM_CLIENT_SECRET*',
        '*GOOGLE_CREDENTIALS*',
        '*GOOGLE_APPLICATION_CREDENTIALS*',
        '*GCP_SA_KEY*',
        '*GCP_CREDENTIALS*',
        '*GCLOUD_SERVICE_KEY*',
      ])
      .describe(
        'Secret names (glob, case-insensitive) that hold cloud keys when the connector did not say',
      ),
  }),
  providerDefaults: {},
  *evaluate(ctx) {
    yield* ciSecretGaps(ctx);
    for (const { credential, identity, options } of liveCredentials(
      ctx,
      (o) => o.types as CredentialType[],
    )) {
      const marked = credential.attributes.storesCloudKey;
      if (marked === false) continue;
      const name = (credential.name ?? credential.externalId).toUpperCase();
      const pattern = options.namePatterns.find((p) => globMatch(p.toUpperCase(), name));
      if (!marked && !pattern) continue;
      yield fail(
        identity,
        credential,
        `${label(credential)} in ${identity.name} stores a static cloud key; use OIDC federation instead`,
        {
          secretName: credential.name,
          storesCloudKey: marked ?? null,
          ...(pattern && !marked ? { matchedPattern: pattern } : {}),
        },
      );
    }
  },
});
