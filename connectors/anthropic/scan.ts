/**
 * Which calls a scan makes, in what order, and which gaps each can leave. One scope per
 * project: listing service accounts decides what exists (its failure fails the scope); a key
 * listing that is denied only leaves a gap for that account, and the scan goes on.
 */
import { pMapIterable } from 'p-map';
import {
  GapCollector,
  defineSignals,
  errorMessage,
  isDenied,
  type ConnectorContext,
  type Scope,
  type ScopeResult,
} from '../../src/connector/index.js';
import { AnthropicClient, resolveSettings, type AnthropicSettings } from './client.js';
import { toInventory } from './map/inventory.js';
import type { RawProject } from './schema.js';
import { PROVIDER } from './options.js';

export const SIGNALS = defineSignals([
  {
    signal: 'service-account-keys',
    description: 'the keys of each service account',
    fix: 'the keys:read permission on the project',
    hides: ['credentials'],
  },
]);

type Signal = (typeof SIGNALS)[number]['signal'];

export async function* discover(ctx: ConnectorContext): AsyncIterable<ScopeResult> {
  const settings = resolveSettings(ctx);
  const client = new AnthropicClient(settings, ctx);
  // What the token can see decides the scopes: if that fails, the provider fails as a whole.
  const visible = await client.listProjects();
  const wanted = settings.projects
    ? visible.filter((p) => settings.projects!.includes(p.id))
    : visible;
  yield* pMapIterable(wanted, (project) => scanProject(settings, ctx, project), {
    concurrency: settings.concurrency,
    preserveOrder: false,
  });
}

async function scanProject(
  settings: AnthropicSettings,
  ctx: ConnectorContext,
  project: RawProject,
): Promise<ScopeResult> {
  // A client per scope, so each scope reports its own API calls.
  const client = new AnthropicClient(settings, ctx);
  const scope: Scope = { provider: PROVIDER, id: project.id, name: project.name, kind: 'project' };
  const gaps = new GapCollector<Signal>(SIGNALS);
  try {
    ctx.progress({ scope: project.id, phase: 'service accounts' });
    const accounts = await client.listServiceAccounts(project.id);
    let done = 0;
    const serviceAccounts = await Promise.all(
      accounts.map(async (sa) => {
        try {
          return { sa, keys: await client.listKeys(project.id, sa.id) };
        } catch (e) {
          if (!isDenied(e)) throw e;
          gaps.add('service-account-keys', {
            message: `keys not listed: ${e.message}`,
            code: e.code,
            subject: sa.name,
          });
          return { sa, keys: null };
        } finally {
          ctx.progress({ scope: project.id, phase: 'keys', done: ++done, total: accounts.length });
        }
      }),
    );
    return toInventory({
      scope,
      serviceAccounts,
      gaps: gaps.list(),
      incomplete: gaps.incomplete(),
      apiCalls: client.calls,
    });
  } catch (e) {
    if (ctx.signal.aborted) throw e;
    // One failing scope is recorded; the others still finish.
    return {
      kind: 'failure',
      scope,
      error: errorMessage(e),
      code: (e as { code?: string }).code ?? null,
      apiCalls: client.calls,
    };
  }
}
