/** Actions and Dependabot secrets: names and dates only (GitHub never returns values). */
import { isoOrNull } from '../../../src/connector/index.js';
import type { SecretPayload } from '../schema.js';
import { aiKeyOf, cloudKeyOf, OIDC_RECOMMENDATION } from './ci-keys.js';
import { ids, none, type Mapped } from './identities.js';

/** Where a secret lives, in the `github-actions` sink's target syntax. */
export type SecretHolder =
  | { level: 'organization'; org: string }
  | { level: 'repository'; repo: string }
  | { level: 'environment'; repo: string; environment: string };

export function secretTarget(holder: SecretHolder, name: string): string {
  if (holder.level === 'organization') return `org:${holder.org}:${name}`;
  if (holder.level === 'repository') return `${holder.repo}:${name}`;
  return `${holder.repo}/env/${holder.environment}:${name}`;
}

function holderId(holder: SecretHolder): string {
  if (holder.level === 'organization') return ids.org(holder.org);
  if (holder.level === 'repository') return ids.repo(holder.repo);
  return ids.env(holder.repo, holder.environment);
}

/**
 * Actions / Dependabot secrets. `updated_at` is the last time the value was set, i.e. the
 * rotation signal; `created_at` is when the secret appeared. A name that says the secret is
 * a static cloud key or an AI provider's API key is recorded (storesCloudKey, storesAiKey).
 */
export function mapSecrets(
  kind: 'actions-secret' | 'dependabot-secret',
  holder: SecretHolder,
  items: SecretPayload[],
): Mapped {
  const out = none();
  for (const s of items) {
    const target = secretTarget(holder, s.name);
    const cloud = cloudKeyOf(s.name);
    const ai = aiKeyOf(s.name);
    out.credentials.push({
      externalId: `${kind}:${target}`,
      identityExternalId: holderId(holder),
      type: kind,
      name: s.name,
      status: 'active',
      createdAt: isoOrNull(s.created_at),
      expiresAt: null,
      lastUsedAt: null,
      lastUsedKnown: false,
      attributes: {
        handle: s.name,
        level: holder.level,
        lastRotatedAt: isoOrNull(s.updated_at),
        ...(kind === 'actions-secret' ? { sinkTarget: target } : {}),
        ...(s.visibility ? { visibility: s.visibility } : {}),
        ...(cloud ? { storesCloudKey: cloud, recommendation: OIDC_RECOMMENDATION[cloud] } : {}),
        ...(ai ? { storesAiKey: ai } : {}),
      },
    });
  }
  return out;
}
