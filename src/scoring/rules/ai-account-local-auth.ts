import { z } from 'zod';
import { defineRule } from '../types.js';
import { fail } from './_helpers.js';

export const aiAccountLocalAuth = defineRule({
  id: 'ai-account-local-auth',
  title: 'Azure OpenAI / AI Services account accepts keys',
  description:
    'An Azure OpenAI or Azure AI Services (Cognitive Services) account has local (key) ' +
    'authentication enabled. Its two shared keys carry no owner, expiry or last use, anyone ' +
    'holding one can call every deployment of the account, and no sign-in log says who did.',
  help:
    'Give each caller a Microsoft Entra identity (a managed identity, or a workload identity ' +
    'federated credential) with the Cognitive Services OpenAI User role on the account, then set ' +
    'disableLocalAuth so the keys stop working; the Azure Policy "Azure AI Services resources ' +
    'should have key access disabled" keeps it so.',
  severity: 'medium',
  owasp: 'NHI4',
  cis: {},
  defaultsFrom:
    'Microsoft cloud security benchmark IM-1 and the Azure Policy "Azure AI Services resources should have key access disabled (disable local authentication)"',
  fix: {
    manual: {
      steps: [
        'Assign the callers Entra identities: `az role assignment create --assignee <principal-id> --role "Cognitive Services OpenAI User" --scope {identity}` and switch their clients to Entra tokens (DefaultAzureCredential)',
        'Disable key authentication: `az resource update --ids {identity} --set properties.disableLocalAuth=true` (Azure portal > {name} > Keys and Endpoint shows the keys no longer work)',
        'Enforce it with the built-in Azure Policy "Azure AI Services resources should have key access disabled (disable local authentication)"',
      ],
      docs: [
        'https://learn.microsoft.com/azure/ai-services/disable-local-auth',
        'https://learn.microsoft.com/azure/ai-services/openai/how-to/managed-identity',
      ],
    },
  },
  signals: [],
  options: z.object({}),
  providerDefaults: {},
  *evaluate(ctx) {
    for (const identity of ctx.identities) {
      const a = identity.attributes;
      if (identity.kind !== 'cloud-resource' || typeof a.aiService !== 'string') continue;
      if (a.localAuthEnabled !== true) continue;
      yield fail(
        identity,
        undefined,
        `${a.aiService === 'azure-openai' ? 'Azure OpenAI' : 'Azure AI Services'} account ${identity.name} accepts its shared keys (local authentication enabled)`,
        {
          aiService: a.aiService,
          kind: a.kind ?? null,
          localAuthEnabled: true,
          endpoint: a.endpoint ?? null,
        },
      );
    }
  },
});
