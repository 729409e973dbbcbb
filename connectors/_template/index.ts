/**
 * Template for a new connector: copy this folder to connectors/<provider>/, rename, and
 * follow CONTRIBUTING.md. Each file keeps one job; see the AWS connector for a full example.
 */
import type {
  Connector,
  ConnectorContext,
  DemoHandle,
  DoctorReport,
  ScopeResult,
} from '../../src/connector/index.js';
import { createClient } from './client.js';
import { options } from './options.js';
import { toInventory } from './map.js';
import { startTemplateStandIn } from './stand-in/server.js';

export const connector: Connector = {
  // Must also be added to ProviderId (src/model) and the registry (src/connector/registry.ts).
  id: 'aws',
  title: 'Template provider',
  options,
  signals: [],
  scanPermissions: ['example:ListServiceAccounts'],

  async *discover(ctx: ConnectorContext): AsyncIterable<ScopeResult> {
    const client = createClient(ctx);
    for (const scope of await client.scopes()) {
      try {
        ctx.progress({ scope: scope.name, phase: 'listing accounts' });
        const raw = await client.listAccounts(scope.id);
        yield toInventory(scope, raw, client.apiCalls());
      } catch (err) {
        // One failing scope is recorded; the others still finish.
        yield {
          kind: 'failure',
          scope,
          error: (err as Error).message,
          code: null,
          apiCalls: client.apiCalls(),
        };
      }
    }
  },

  async doctor(ctx: ConnectorContext): Promise<DoctorReport> {
    const client = createClient(ctx);
    const scopes = await client.scopes();
    return {
      provider: this.id,
      authenticated: true,
      identity: null,
      checks: [
        { name: 'list scopes', ok: scopes.length > 0, detail: `${scopes.length} scope(s) visible` },
      ],
    };
  },

  async startDemo(clock: Date): Promise<DemoHandle> {
    const server = await startTemplateStandIn(clock);
    return { options: { endpoint: server.url }, env: {}, close: () => server.close() };
  },
};
