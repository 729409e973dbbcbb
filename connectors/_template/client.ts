/**
 * The only file that talks to the provider: auth from the ecosystem's standard chain,
 * endpoint override, pagination, retries, and access-denied turned into coverage gaps.
 * A real connector imports the provider's SDK here and nowhere else.
 */
import type { ConnectorContext, Scope } from '../../src/connector/index.js';
import type { RawAccount } from './map.js';

export function createClient(ctx: ConnectorContext) {
  const endpoint = String(
    ctx.options.endpoint ?? ctx.env.TEMPLATE_ENDPOINT_URL ?? 'https://api.example.com',
  );
  let calls = 0;
  const get = async <T>(path: string): Promise<T> => {
    calls++;
    const res = await fetch(new URL(path, endpoint), { signal: ctx.signal });
    if (!res.ok) throw new Error(`GET ${path}: HTTP ${res.status}`);
    return (await res.json()) as T;
  };
  return {
    apiCalls: () => calls,
    scopes: async (): Promise<Scope[]> =>
      (await get<{ id: string; name: string }[]>('/scopes')).map((s) => ({
        provider: 'aws',
        id: s.id,
        name: s.name,
        kind: 'account',
      })),
    listAccounts: (scopeId: string) =>
      get<RawAccount[]>(`/scopes/${encodeURIComponent(scopeId)}/accounts`),
  };
}
