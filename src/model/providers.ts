/**
 * The one list of providers. Everything provider-shaped in the core derives from it: the
 * ProviderId type, the connector registry, the config file's `providers` section, the
 * scan/doctor flags and the sink schemes. `npm run new-connector <id>` adds an entry (kept in alphabetical order).
 */
export const PROVIDER_LIST = [
  { id: 'anthropic', title: 'Anthropic', sinks: [] },
  { id: 'aws', title: 'AWS', sinks: ['aws-secrets-manager'] },
  { id: 'azure', title: 'Azure', sinks: ['azure-key-vault'] },
  { id: 'gcp', title: 'Google Cloud', sinks: [] },
  { id: 'github', title: 'GitHub', sinks: ['github-actions'] },
  { id: 'openai', title: 'OpenAI', sinks: [] },
] as const satisfies readonly { id: string; title: string; sinks: readonly string[] }[];

export type ProviderId = (typeof PROVIDER_LIST)[number]['id'];

export const PROVIDER_IDS: readonly ProviderId[] = PROVIDER_LIST.map((p) => p.id);

/** Sink scheme (`aws-secrets-manager`) -> the provider whose connector implements it. */
export const SINK_SCHEMES: Readonly<Record<string, ProviderId>> = Object.fromEntries(
  PROVIDER_LIST.flatMap((p) => p.sinks.map((s) => [s, p.id])),
);
