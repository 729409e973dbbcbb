/**
 * Provider id -> lazy import of its connector. The only place core code names a connector;
 * the import happens when a command needs that provider, so `nhi --help` loads no SDK.
 */
import type { Connector, ConnectorActions } from './index.js';
import type { ProviderId } from '../model/index.js';
import { UserError } from './index.js';

export interface ConnectorModule {
  connector: Connector;
}

export interface ActionsModule {
  actions: ConnectorActions;
}

const loaders: Record<ProviderId, () => Promise<ConnectorModule>> = {
  aws: () => import('../../connectors/aws/index.js'),
  github: () => import('../../connectors/github/index.js'),
  azure: () => import('../../connectors/azure/index.js'),
  gcp: () => import('../../connectors/gcp/index.js'),
};

const actionLoaders: Record<ProviderId, () => Promise<ActionsModule>> = {
  aws: () => import('../../connectors/aws/actions.js'),
  github: () => import('../../connectors/github/actions.js'),
  azure: () => import('../../connectors/azure/actions.js'),
  gcp: () => import('../../connectors/gcp/actions.js'),
};

export const PROVIDERS = Object.keys(loaders) as ProviderId[];

export function isProviderId(value: string): value is ProviderId {
  return Object.hasOwn(loaders, value);
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
  return (await loaders[id]()).connector;
}

export async function loadActions(id: ProviderId): Promise<ConnectorActions> {
  return (await actionLoaders[id]()).actions;
}
