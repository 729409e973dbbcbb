/** Webhooks: the ones with a secret hold a credential (GitHub shows it only as "********"). */
import { isoOrNull } from '../../../src/connector/index.js';
import type { HookPayload } from '../schema.js';
import { ids, none, type Mapped } from './identities.js';

export type HookHolder =
  { level: 'organization'; org: string } | { level: 'repository'; repo: string };

/** Webhooks with a secret configured; others hold no credential. */
export function mapHooks(holder: HookHolder, items: HookPayload[]): Mapped {
  const out = none();
  const where = holder.level === 'organization' ? `org:${holder.org}` : holder.repo;
  for (const h of items) {
    if (!h.config.secret) continue;
    // Only the host: a webhook URL's path or query may itself embed a token.
    const targetHost = hostOf(h.config.url);
    out.credentials.push({
      externalId: `webhook-secret:${where}:${h.id}`,
      identityExternalId:
        holder.level === 'organization' ? ids.org(holder.org) : ids.repo(holder.repo),
      type: 'webhook-secret',
      name: targetHost ? `webhook ${h.id} -> ${targetHost}` : `webhook ${h.id}`,
      status: h.active ? 'active' : 'inactive',
      createdAt: isoOrNull(h.created_at),
      expiresAt: null,
      lastUsedAt: null,
      lastUsedKnown: false,
      attributes: {
        handle: `hook ${h.id}`,
        hookId: h.id,
        level: holder.level,
        targetHost,
        events: h.events,
        updatedAt: isoOrNull(h.updated_at),
      },
    });
  }
  return out;
}

function hostOf(url: string | undefined): string | null {
  if (!url) return null;
  try {
    return new URL(url).host;
  } catch {
    return null;
  }
}
