/**
 * Who owns each GitHub App installed in the scanned organizations. Installations do not say,
 * so each distinct App is looked up once per scan with GET /apps/{app_slug} (public Apps need
 * no permission), a few at a time, and the answer is shared by every organization of the scan.
 */
import pLimit, { type LimitFunction } from 'p-limit';
import { attempt, type Denied, type GitHubClient } from './client.js';
import * as m from './map.js';

type Lookup = { ok: true; owner: m.AppOwner } | { ok: false; denied: Denied };

export interface AppOwnersResult {
  owners: Map<string, m.AppOwner>;
  /** Apps GitHub would not show (403/404): their owner, hence third-party status, is unknown. */
  denied: { slug: string; denied: Denied }[];
}

export class AppOwnerLookup {
  /** Lower-case slug -> the lookup in flight or done. */
  private readonly lookups = new Map<string, Promise<Lookup>>();
  /** Clients that were refused an App: another org's credentials may still see it. */
  private readonly refused = new Map<string, Set<GitHubClient>>();
  private readonly limit: LimitFunction;

  constructor(concurrency: number) {
    this.limit = pLimit(concurrency);
  }

  async resolve(client: GitHubClient, slugs: readonly string[]): Promise<AppOwnersResult> {
    const result: AppOwnersResult = { owners: new Map(), denied: [] };
    await Promise.all(
      [...new Set(slugs)].map(async (slug) => {
        const r = await this.lookUp(client, slug);
        if (r.ok) result.owners.set(slug, r.owner);
        else result.denied.push({ slug, denied: r.denied });
      }),
    );
    result.denied.sort((a, b) => a.slug.localeCompare(b.slug));
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
    const pending = this.limit(async (): Promise<Lookup> => {
      const where = `GET /apps/${slug}`;
      const r = await attempt(() => client.get('GET /apps/{app_slug}', { app_slug: slug }));
      if (!r.ok) return r;
      return { ok: true, owner: m.appOwnerOf(m.parseOne(m.AppSchema, r.value, where)) };
    });
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
