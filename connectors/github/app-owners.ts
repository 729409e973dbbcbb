/**
 * Who owns each GitHub App installed in the scanned organizations. Installations do not say,
 * so each distinct App is looked up once per scan with GET /apps/{app_slug} (public Apps need
 * no permission), and the answer is shared by every organization of the scan. The client's
 * in-flight cap bounds how many lookups run at once.
 */
import type { ApiError } from '../../src/connector/index.js';
import { isRefused, type GitHubClient } from './client.js';
import { appOwnerOf, type AppOwner } from './map/index.js';
import { AppSchema } from './schema.js';

type Lookup = { ok: true; owner: AppOwner } | { ok: false; refused: ApiError };

export interface AppOwnersResult {
  owners: Map<string, AppOwner>;
  /** Apps GitHub would not show (403/404): their owner, hence third-party status, is unknown. */
  refused: { slug: string; error: ApiError }[];
}

export class AppOwnerLookup {
  /** Lower-case slug -> the lookup in flight or done. */
  private readonly lookups = new Map<string, Promise<Lookup>>();
  /** Clients that were refused an App: another org's credentials may still see it. */
  private readonly refused = new Map<string, Set<GitHubClient>>();

  async resolve(client: GitHubClient, slugs: readonly string[]): Promise<AppOwnersResult> {
    const result: AppOwnersResult = { owners: new Map(), refused: [] };
    await Promise.all(
      [...new Set(slugs)].map(async (slug) => {
        const r = await this.lookUp(client, slug);
        if (r.ok) result.owners.set(slug, r.owner);
        else result.refused.push({ slug, error: r.refused });
      }),
    );
    result.refused.sort((a, b) => a.slug.localeCompare(b.slug));
    return result;
  }

  private async lookUp(client: GitHubClient, slug: string): Promise<Lookup> {
    const key = slug.toLowerCase();
    const known = this.lookups.get(key);
    if (known) {
      const r = await known;
      // A private App shows only to its owner's credentials: a refusal to one org's
      // credentials is asked again, once, with another's.
      if (r.ok || this.refused.get(key)?.has(client)) return r;
    }
    const pending = (async (): Promise<Lookup> => {
      try {
        const app = await client.get('GET /apps/{app_slug}', { app_slug: slug }, AppSchema);
        return { ok: true, owner: appOwnerOf(app) };
      } catch (e) {
        if (isRefused(e)) return { ok: false, refused: e };
        throw e;
      }
    })();
    this.lookups.set(key, pending);
    const r = await pending;
    if (!r.ok) {
      const set = this.refused.get(key) ?? new Set();
      set.add(client);
      this.refused.set(key, set);
    }
    return r;
  }
}
