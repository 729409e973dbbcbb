/**
 * Provider id -> lazy import of its connector, derived from the one provider list
 * (src/model/providers.ts). The only place core code reaches a connector: the import happens
 * when a command needs that provider, so `nhi --help` loads no SDK. The template-literal
 * imports let the bundler include every connector folder without a hand-kept map.
 */
import type { Connector, ConnectorActions, OptionsDecl } from './index.js';
import { PROVIDER_IDS, SINK_SCHEMES, type ProviderId } from '../model/index.js';
import { UserError } from './kit/errors.js';

export interface ConnectorModule {
  connector: Connector;
}

export interface ActionsModule {
  actions: ConnectorActions;
}

export interface OptionsModule {
  options: OptionsDecl;
}

export const PROVIDERS: readonly ProviderId[] = PROVIDER_IDS;

export function isProviderId(value: string): value is ProviderId {
  return (PROVIDER_IDS as readonly string[]).includes(value);
}

export function parseProviders(value: string | undefined): ProviderId[] {
  if (!value) return [...PROVIDERS];
  const ids = value
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  for (const id of ids) {
    if (!isProviderId(id)) {
      throw new UserError(`unknown provider '${id}' (known: ${PROVIDERS.join(', ')})`);
    }
  }
  return [...new Set(ids)] as ProviderId[];
}

export async function loadConnector(id: ProviderId): Promise<Connector> {
  return ((await import(`../../connectors/${id}/index.ts`)) as ConnectorModule).connector;
}

export async function loadActions(id: ProviderId): Promise<ConnectorActions> {
  return ((await import(`../../connectors/${id}/actions.ts`)) as ActionsModule).actions;
}

/** A connector's declared options and flags only (no SDK): config schema and CLI flags. */
export async function loadOptions(id: ProviderId): Promise<OptionsDecl> {
  return ((await import(`../../connectors/${id}/options.ts`)) as OptionsModule).options;
}

export async function loadAllOptions(): Promise<Map<ProviderId, OptionsDecl>> {
  const decls = await Promise.all(
    PROVIDER_IDS.map(async (id) => [id, await loadOptions(id)] as const),
  );
  return new Map(decls);
}

/** The provider implementing a sink scheme, or null for core sinks (file, stdout). */
export function sinkProvider(scheme: string): ProviderId | null {
  return Object.hasOwn(SINK_SCHEMES, scheme) ? SINK_SCHEMES[scheme]! : null;
}
