/**
 * Which calls a scan makes, in what order, and which gaps each can leave. One scope per
 * organization (one Admin API key each): the organization and its API keys decide what exists
 * (their failure fails the scope); workspaces, members and service accounts that may not be
 * read are gaps; a usage report the organization does not have (or may not read) leaves every
 * key's last use unknown, never "never used".
 */
import {
  GapCollector,
  defineSignals,
  errorMessage,
  isApiError,
  isDenied,
  type ApiError,
  type ConnectorContext,
  type Scope,
  type ScopeResult,
} from '../../src/connector/index.js';
import {
  AnthropicClient,
  resolveSettings,
  type AnthropicSettings,
  type OrganizationTarget,
} from './client.js';
import { toInventory } from './map/inventory.js';
import { usageWindow } from './map/usage.js';
import { PROVIDER } from './options.js';

export const SIGNALS = defineSignals([
  {
    signal: 'key-usage',
    description:
      "each API key's last use, from the Messages usage report grouped by API key (the Admin API has no last-used field)",
    fix: 'an Admin API key of an organization that has the Usage and Cost API',
    hides: [],
  },
  {
    signal: 'workspaces',
    description: "the organization's workspaces (holders of workspace keys)",
    fix: 'an Admin API key (workspaces:read)',
    hides: ['identities'],
  },
  {
    signal: 'organization-users',
    description: "the organization's members: key owners' e-mail and whether they have left",
    fix: 'an Admin API key (users:read)',
    hides: [],
  },
  {
    signal: 'service-accounts',
    description: "the organization's service accounts (principals of bound keys)",
    fix: 'an Admin API key (service accounts:read)',
    hides: ['identities'],
  },
]);

type Signal = (typeof SIGNALS)[number]['signal'];

const DAY_MS = 86_400_000;

export async function* discover(ctx: ConnectorContext): AsyncIterable<ScopeResult> {
  const settings = resolveSettings(ctx);
  for (const org of settings.organizations) yield await scanOrganization(settings, org, ctx);
}

/** A listing that is not there for this key or organization: denied, or an unknown endpoint. */
const unavailable = (e: unknown): e is ApiError =>
  isDenied(e) || (isApiError(e) && (e.kind === 'not-found' || e.kind === 'client'));

async function scanOrganization(
  settings: AnthropicSettings,
  org: OrganizationTarget,
  ctx: ConnectorContext,
): Promise<ScopeResult> {
  const client = new AnthropicClient(settings, org, ctx);
  const pending = `(${org.keyEnv})`;
  let scope: Scope = {
    provider: PROVIDER,
    id: pending,
    name: org.name ?? pending,
    kind: 'organization',
  };
  const gaps = new GapCollector<Signal>(SIGNALS);
  const optional = async <T>(signal: Signal, fn: () => Promise<T>): Promise<T | null> => {
    try {
      return await fn();
    } catch (e) {
      if (!unavailable(e)) throw e;
      gaps.add(signal, { message: `not read: ${e.message}`, code: e.code });
      return null;
    }
  };
  try {
    const me = await client.organization();
    scope = { provider: PROVIDER, id: me.id, name: org.name ?? me.name, kind: 'organization' };
    ctx.progress({ scope: scope.id, phase: 'API keys' });
    const keys = await client.listApiKeys();
    ctx.progress({ scope: scope.id, phase: 'workspaces, members, service accounts' });
    const workspaces = (await optional('workspaces', () => client.listWorkspaces())) ?? [];
    const users = await optional('organization-users', () => client.listUsers());
    const serviceAccounts = await optional('service-accounts', () => client.listServiceAccounts());
    ctx.progress({ scope: scope.id, phase: 'usage report' });
    const end = ctx.now();
    const start = new Date(end.getTime() - settings.usageWindowDays * DAY_MS);
    const buckets = await optional('key-usage', () => client.usageByKey(start, end));
    return toInventory({
      scope,
      keys,
      workspaces,
      users,
      serviceAccounts,
      usage: buckets ? usageWindow(buckets, start, end) : null,
      gaps: gaps.list(),
      incomplete: gaps.incomplete(),
      apiCalls: client.calls,
    });
  } catch (e) {
    if (ctx.signal.aborted) throw e;
    return {
      kind: 'failure',
      scope,
      error: errorMessage(e),
      code: (e as { code?: string }).code ?? null,
      apiCalls: client.calls,
    };
  }
}
