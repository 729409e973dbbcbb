import { z } from 'zod';
import type { CredentialType } from '../../model/index.js';
import { defineRule } from '../types.js';
import { globMatch } from '../glob.js';
import { fail, label, liveCredentials } from './_helpers.js';

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
  playbook: null,
  signals: [],
  options: z.object({
    types: z
      .array(z.string())
      .default(['actions-secret', 'dependabot-secret'])
      .describe('Secret types checked'),
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
