import { z } from 'zod';
import { defineRule } from '../types.js';
import { fail, label, liveCredentials } from './_helpers.js';

const SERVICE_WORDS: Record<string, string> = {
  gemini: 'the Gemini API',
  vertex: 'Vertex AI',
};

export const aiApiKeyUnrestricted = defineRule({
  id: 'ai-api-key-unrestricted',
  title: 'Google Cloud API key without API restrictions can call Gemini / Vertex AI',
  description:
    'A Google Cloud API key has no API restriction, so it can call every API enabled on its ' +
    'project, the Gemini API and Vertex AI included. API keys carry no identity: whoever finds ' +
    "one (in a web page, an app, a repository) spends the project's model quota and reaches the " +
    'data sent to the models.',
  help:
    'Restrict the key to the APIs its application calls (API restrictions) and to where it is ' +
    'used (HTTP referrers, IP addresses, apps); for Gemini from a server, prefer a service ' +
    'account with Vertex AI over an API key.',
  severity: 'high',
  owasp: 'NHI5',
  cis: { gcp: 'CIS GCP Foundations 3.0 1.14' },
  defaultsFrom:
    'CIS GCP Foundations 3.0 1.14 (API keys restricted to the APIs the application needs)',
  fix: {
    manual: {
      steps: [
        'APIs & Services > Credentials > {name}: under API restrictions choose "Restrict key" and select only the APIs the application calls (`gcloud services api-keys update {credential} --project {scope} --api-target=service=generativelanguage.googleapis.com`)',
        'Add an application restriction (HTTP referrers, IP addresses, Android or iOS apps), or move server-side callers to a service account with Vertex AI and delete the key (`gcloud services api-keys delete {credential} --project {scope}`)',
      ],
      docs: [
        'https://cloud.google.com/docs/authentication/api-keys#api_key_restrictions',
        'https://ai.google.dev/gemini-api/docs/api-key',
      ],
    },
  },
  signals: [],
  options: z.object({}),
  providerDefaults: {},
  *evaluate(ctx) {
    for (const { credential, identity } of liveCredentials(ctx, ['api-key'])) {
      const a = credential.attributes;
      if (credential.provider !== 'gcp' || a.apiRestricted !== false) continue;
      const service = typeof a.aiService === 'string' ? a.aiService : null;
      if (!service) continue;
      yield fail(
        identity,
        credential,
        `API key ${label(credential)} has no API restriction: it can call ${SERVICE_WORDS[service] ?? service} and every other API enabled on ${identity.scopeName}`,
        {
          aiService: service,
          apiRestricted: false,
          restrictionKinds: Array.isArray(a.restrictionKinds) ? a.restrictionKinds : [],
        },
      );
    }
  },
});
