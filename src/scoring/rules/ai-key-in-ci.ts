import { z } from 'zod';
import type { CredentialType } from '../../model/index.js';
import { defineRule } from '../types.js';
import { globMatch } from '../glob.js';
import { fail, label, liveCredentials } from './_helpers.js';
import { CI_SECRET_SIGNALS, CI_SECRET_TYPES, ciSecretGaps } from './_ci-secrets.js';

const OPENAI_WIF =
  'https://developers.openai.com/api/docs/guides/workload-identity-federation/github-actions';
const ANTHROPIC_WIF =
  'https://platform.claude.com/docs/en/manage-claude/workload-identity-federation';

/** What replaces a stored key, per AI service (the connector's `storesAiKey` ids). */
const REPLACEMENT: Readonly<Record<string, string>> = {
  openai: `OpenAI workload identity federation: a Workload Identity Provider for GitHub Actions mapped to a project service account; the job exchanges its OIDC token for a short-lived OpenAI token (${OPENAI_WIF})`,
  anthropic: `Anthropic Workload Identity Federation: an issuer and federation rule for token.actions.githubusercontent.com bound to a service account; the job exchanges its OIDC token for a short-lived Claude API token (${ANTHROPIC_WIF})`,
  'azure-openai':
    "Microsoft Entra: a federated credential on an app registration (azure/login with client-id/tenant-id) holding the Cognitive Services OpenAI User role; then disable the account's keys",
  'google-ai':
    'Vertex AI through Workload Identity Federation (google-github-actions/auth with workload_identity_provider) instead of a Gemini API key',
};
const NO_FEDERATION =
  'no workload identity federation is offered: keep the key in a deployment environment with required reviewers, scoped to the one project/model it needs, and rotate it';

export const aiKeyInCi = defineRule({
  id: 'ai-key-in-ci',
  title: 'AI provider API key stored as a CI secret',
  description:
    "A GitHub Actions or Dependabot secret holds an AI provider's API key (OpenAI, Anthropic, " +
    'Azure OpenAI, Gemini, Hugging Face, Mistral, Cohere, Groq…), as the connector recognised ' +
    'from its name (attributes.storesAiKey). Every workflow that can read the secret can spend ' +
    'on the account and read what it reaches; AI keys are among the most leaked secrets.',
  help:
    'Use workload identity federation where the provider offers it: OpenAI and Anthropic ' +
    'exchange a GitHub Actions OIDC token for a short-lived API token (OpenAI: ' +
    `${OPENAI_WIF}; Anthropic: ${ANTHROPIC_WIF}); Azure OpenAI and Vertex AI through Entra and ` +
    'GCP workload identity federation. Then delete the secret and revoke the key.',
  severity: 'high',
  owasp: 'NHI6',
  cis: {},
  defaultsFrom: null,
  fix: {
    manual: {
      steps: [
        'Federate the workflow with the AI provider instead of storing its key: the evidence names the replacement (OpenAI and Anthropic workload identity federation for GitHub Actions, Entra for Azure OpenAI, Vertex AI through GCP workload identity federation)',
        'Add `permissions: id-token: write` to the workflow and remove the key from it',
        'Delete the secret (`gh secret delete <name> --repo <owner>/<repo>`, `--org`/`--env` for other levels, `--app dependabot` for Dependabot) and revoke the key at the provider (`nhi revoke <its id>` for OpenAI and Anthropic keys nhi scanned)',
      ],
      docs: [
        OPENAI_WIF,
        ANTHROPIC_WIF,
        'https://docs.github.com/actions/security-for-github-actions/security-hardening-your-deployments/about-security-hardening-with-openid-connect',
      ],
    },
  },
  signals: CI_SECRET_SIGNALS,
  options: z.object({
    types: z.array(z.string()).default(CI_SECRET_TYPES).describe('Secret types checked'),
    namePatterns: z
      .array(z.string())
      .default([])
      .describe(
        'More secret names (glob, case-insensitive) that hold AI keys, beyond those the connector recognises',
      ),
  }),
  providerDefaults: {},
  *evaluate(ctx) {
    yield* ciSecretGaps(ctx);
    for (const { credential, identity, options } of liveCredentials(
      ctx,
      (o) => o.types as CredentialType[],
    )) {
      const marked = credential.attributes.storesAiKey;
      if (marked === false) continue;
      const name = (credential.name ?? credential.externalId).toUpperCase();
      const pattern =
        typeof marked === 'string'
          ? undefined
          : options.namePatterns.find((p) => globMatch(p.toUpperCase(), name));
      if (typeof marked !== 'string' && !pattern) continue;
      const service = typeof marked === 'string' ? marked : null;
      yield fail(
        identity,
        credential,
        `${label(credential)} in ${identity.name} stores ${service ? `a ${service} API key` : 'an AI API key'}; use workload identity federation instead`,
        {
          secretName: credential.name,
          storesAiKey: service,
          replacement: (service && REPLACEMENT[service]) ?? NO_FEDERATION,
          ...(pattern ? { matchedPattern: pattern } : {}),
        },
      );
    }
  },
});
