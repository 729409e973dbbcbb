import { createHash } from 'node:crypto';
import type { ProviderId } from '../model/index.js';

export type EntityPrefix = 'i' | 'c' | 'g';

/**
 * Short ids users can type (`c-3fa9b2c1d04e`): stable across scans because they derive from
 * the provider's own identifiers, and unique enough for any single organisation's estate.
 */
export function entityId(
  prefix: EntityPrefix,
  provider: ProviderId,
  scopeId: string,
  externalId: string,
): string {
  const h = createHash('sha256').update(`${provider}\0${scopeId}\0${externalId}`).digest('hex');
  return `${prefix}-${h.slice(0, 12)}`;
}
